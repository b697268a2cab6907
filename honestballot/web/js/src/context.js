/**
 * The election context a ballot is made and checked against (protocol/election.py's
 * ElectionContext), read from what the server hands the page:
 * `{election_id, base_hash, public_key, manifest}`, optionally with `election_key_hash`
 * (hex of `hash_bytes("election-key", canonical(election-key object))`): then the base
 * hash is recomputed, which proves that the manifest shown to the voter is the one every
 * proof of the ballot will be bound to.
 */

import { equalBytes } from './bytes.js';
import { RecordFormatError } from './errors.js';
import { hashBytes } from './hashing.js';
import { manifestFromJson, manifestHash } from './manifest.js';
import { Reader, decodePoint, parsed, recordHex } from './reader.js';

/**
 * @typedef {object} ElectionContext
 * @property {import('./manifest.js').Manifest} manifest
 * @property {import('./group.js').Point} publicKey
 * @property {Uint8Array} baseHash
 */

/** The last election key decoded, with its multiplication table (pages use one election). */
let lastKey = { hex: '', point: /** @type {import('./group.js').Point | null} */ (null) };

/**
 * @param {unknown} hex
 * @returns {import('./group.js').Point}
 */
function electionKey(hex) {
  if (lastKey.point && hex === lastKey.hex) return lastKey.point;
  const point = decodePoint(hex, 'context.public_key').withTable();
  lastKey = { hex: /** @type {string} */ (hex), point };
  return point;
}

/**
 * Read and check an election context.  Keys other than those above are ignored, so a
 * page may pass a larger object (this is not a record object).
 * @param {unknown} value - an object, or its JSON text
 * @returns {ElectionContext}
 */
export function readContext(value) {
  const obj = parsed(value, 'context');
  const r = new Reader(obj, 'context');
  const electionId = r.text('election_id', 64);
  const baseHash = recordHex(r.raw('base_hash'), 'context.base_hash', 32);
  const publicKey = electionKey(r.raw('public_key'));
  const manifest = manifestFromJson(r.raw('manifest'), 'context.manifest');
  if (manifest.electionId !== electionId) {
    throw new RecordFormatError(
      `context: election_id '${electionId}' differs from the manifest's '${manifest.electionId}'`,
    );
  }
  if (r.has('election_key_hash')) {
    const keyHash = recordHex(r.raw('election_key_hash'), 'context.election_key_hash', 32);
    const expected = hashBytes('election/base', manifestHash(manifest), keyHash, publicKey);
    if (!equalBytes(expected, baseHash)) {
      throw new RecordFormatError(
        'context: base_hash does not match the manifest, election key hash and public key',
      );
    }
  }
  return Object.freeze({ manifest, publicKey, baseHash });
}
