/**
 * The election context a ballot is made and checked against (protocol/election.py's
 * ElectionContext), read from what the server hands the page:
 * `{election_id, base_hash, public_key, manifest}`, optionally with `election_key_hash`
 * (hex of `hash_bytes("election-key", canonical(election-key object))`) and then with the
 * board's keys as the setup names them (`board_key`, `witnesses`, `witness_quorum`, if
 * there is one, `organiser_key`, and the service's designated-verifier key `verifier_key`
 * with its `verifier_key_proof`): then the base hash
 *
 *     H("election/base", manifest_hash, election_key_hash, public_key, board_keys_hash)
 *
 * is recomputed, which proves that the manifest shown to the voter is the one every proof
 * of the ballot will be bound to, and that the board key and witnesses a receipt is
 * checked against are the ones the election's fingerprint stands for; and W's proof of
 * knowledge is checked against that base hash, so `verifierKey` is the one W on the board
 * (docs/coercion.md §7): the re-voting functions take W from here and nowhere else.
 */

import { equalBytes } from './bytes.js';
import { RecordFormatError } from './errors.js';
import { hashBytes } from './hashing.js';
import { manifestFromJson, manifestHash } from './manifest.js';
import { schnorrFromJson } from './ballot_record.js';
import { Reader, decodePoint, parsed, recordHex } from './reader.js';
import { verifyVerifierKey } from './verifier_key.js';
import { boardKeysFromReader, boardKeysHash } from './witness.js';

/**
 * @typedef {object} ElectionContext
 * @property {import('./manifest.js').Manifest} manifest
 * @property {import('./group.js').Point} publicKey
 * @property {Uint8Array} baseHash
 * @property {string} electionId
 * @property {import('./witness.js').BoardKeys | null} boardKeys - read and bound by the
 *   base hash when the context carries `election_key_hash`; otherwise null
 * @property {import('./group.js').Point | null} verifierKey - the service's
 *   designated-verifier key W, bound by the base hash and its proof checked (with
 *   `election_key_hash`); otherwise null
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
  let boardKeys = null;
  if (r.has('election_key_hash')) {
    const keyHash = recordHex(r.raw('election_key_hash'), 'context.election_key_hash', 32);
    boardKeys = boardKeysFromReader(r);
    const expected = hashBytes(
      'election/base',
      manifestHash(manifest),
      keyHash,
      publicKey,
      boardKeysHash(boardKeys),
    );
    if (!equalBytes(expected, baseHash)) {
      throw new RecordFormatError(
        'context: base_hash does not match the manifest, election key hash, public key ' +
          'and board keys',
      );
    }
    const proof = schnorrFromJson(r.raw('verifier_key_proof'), 'context.verifier_key_proof');
    verifyVerifierKey(baseHash, boardKeys.verifierKey, proof);
  }
  const verifierKey = boardKeys === null ? null : boardKeys.verifierKey;
  return Object.freeze({ manifest, publicKey, baseHash, electionId, boardKeys, verifierKey });
}
