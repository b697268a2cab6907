/**
 * The JSON wire form of a ballot's parts that the ballot version 2 shares with
 * honestballot/record/ballot.py (its contests, ciphertexts and Schnorr proofs), read
 * exactly as there: points and scalars as lowercase hex, strict parsing.
 */

import { Ciphertext } from './elgamal.js';
import { RecordFormatError } from './errors.js';
import { MAX_OPTIONS } from './manifest.js';
import { Reader, decodeScalar } from './reader.js';

/** @typedef {import('./ballot.js').EncryptedContest} EncryptedContest */
/** @typedef {import('./proofs.js').DisjunctiveProof} DisjunctiveProof */
/** @typedef {import('./schnorr.js').SchnorrProof} SchnorrProof */

/**
 * @param {unknown} value
 * @param {string} path
 * @param {{allowIdentityAlpha?: boolean}} [opts] - only a cast row's dummy flag may have
 *   the identity as `alpha` (record/ballot.ciphertext_from_json)
 */
export function ciphertextFromJson(value, path, opts = {}) {
  const r = new Reader(value, path);
  const alpha = r.point('alpha', { allowIdentity: opts.allowIdentityAlpha === true });
  const ct = new Ciphertext(alpha, r.point('beta', { allowIdentity: true }));
  r.done();
  return ct;
}

/**
 * @param {unknown} value
 * @param {string} path
 * @returns {SchnorrProof}
 */
export function schnorrFromJson(value, path) {
  const r = new Reader(value, path);
  const p = { challenge: r.scalar('c'), response: r.scalar('s') };
  r.done();
  return p;
}

/**
 * @param {unknown} value
 * @param {string} path
 * @returns {DisjunctiveProof}
 */
function disjunctiveFromJson(value, path) {
  const r = new Reader(value, path);
  const challenges = r.items('c', decodeScalar, MAX_OPTIONS + 1);
  const responses = r.items('s', decodeScalar, MAX_OPTIONS + 1);
  r.done();
  if (challenges.length !== responses.length) {
    throw new RecordFormatError(
      `${path}: ${challenges.length} challenges but ${responses.length} responses`,
    );
  }
  return { challenges, responses };
}

/**
 * @param {unknown} value
 * @param {string} path
 * @returns {EncryptedContest} (a ranked contest's has no `selection_proof`)
 */
export function contestFromJson(value, path) {
  const r = new Reader(value, path);
  const ec = {
    contestId: r.text('id', 64),
    ciphertexts: r.items('ciphertexts', ciphertextFromJson, MAX_OPTIONS + 2),
    optionProofs: r.items('option_proofs', disjunctiveFromJson, MAX_OPTIONS + 2),
    selectionProof: r.has('selection_proof')
      ? disjunctiveFromJson(r.raw('selection_proof'), `${path}.selection_proof`)
      : null,
  };
  r.done();
  return ec;
}
