/**
 * The JSON wire form of ballots (`type: ballot`), audited ballots as the board shows them
 * (`type: spoiled-ballot`) and audit openings (`type: ballot-opening`), exactly as honestballot/record/ballot.py writes and reads
 * them: points and scalars as lowercase hex, keys in the same order, strict parsing.
 */

import { Ciphertext } from './elgamal.js';
import { RecordFormatError } from './errors.js';
import { toHex } from './bytes.js';
import { MAX_CONTESTS, MAX_OPTIONS } from './manifest.js';
import { Reader, decodeScalar, readVersion } from './reader.js';

export const BALLOT_VERSION = 1;

/** @typedef {import('./ballot.js').EncryptedBallot} EncryptedBallot */
/** @typedef {import('./ballot.js').EncryptedContest} EncryptedContest */
/** @typedef {import('./ballot.js').ContestOpening} ContestOpening */
/** @typedef {import('./proofs.js').DisjunctiveProof} DisjunctiveProof */
/** @typedef {import('./schnorr.js').SchnorrProof} SchnorrProof */

/** @param {Ciphertext} ct */
const ciphertextToJson = (ct) => ({ alpha: ct.alpha.hex(), beta: ct.beta.hex() });

/** @param {DisjunctiveProof} p */
const disjunctiveToJson = (p) => ({
  c: p.challenges.map((c) => c.hex()),
  s: p.responses.map((s) => s.hex()),
});

/** @param {SchnorrProof} p */
export const schnorrToJson = (p) => ({ c: p.challenge.hex(), s: p.response.hex() });

/** @param {EncryptedBallot} b */
export function ballotToJson(b) {
  return {
    type: 'ballot',
    version: BALLOT_VERSION,
    election: toHex(b.electionHash),
    credential: b.credential.hex(),
    contests: b.contests.map((ec) => ({
      id: ec.contestId,
      ciphertexts: ec.ciphertexts.map(ciphertextToJson),
      option_proofs: ec.optionProofs.map(disjunctiveToJson),
      // a ranked contest has none (docs/record-format.md §5)
      ...(ec.selectionProof !== null
        ? { selection_proof: disjunctiveToJson(ec.selectionProof) }
        : {}),
    })),
    signature: schnorrToJson(b.signature),
  };
}

/** @param {ContestOpening[]} opening */
export function openingToJson(opening) {
  return {
    type: 'ballot-opening',
    version: BALLOT_VERSION,
    contests: opening.map((c) => ({
      id: c.contestId,
      plaintexts: [...c.plaintexts],
      randomness: c.randomness.map((r) => r.hex()),
    })),
  };
}

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

/**
 * Parse a ballot strictly (as record/ballot.ballot_from_json).
 * @param {unknown} value
 * @param {string} [path]
 * @returns {EncryptedBallot}
 */
export function ballotFromJson(value, path = 'ballot') {
  const r = new Reader(value, path);
  readVersion(r, 'ballot', BALLOT_VERSION);
  const b = {
    electionHash: r.hexbytes('election', 32),
    credential: r.point('credential'),
    contests: r.items('contests', contestFromJson, MAX_CONTESTS),
    signature: schnorrFromJson(r.raw('signature'), `${path}.signature`),
  };
  r.done();
  return b;
}

/**
 * @param {unknown} value
 * @param {string} path
 */
function spoiledContestFromJson(value, path) {
  const r = new Reader(value, path);
  const c = {
    contestId: r.text('id', 64),
    ciphertexts: r.items('ciphertexts', ciphertextFromJson, MAX_OPTIONS + 2),
  };
  r.done();
  return c;
}

/**
 * Parse an audited ballot as the board shows it (as record/ballot.spoiled_from_json):
 * its ciphertexts and seal, no credential.
 * @param {unknown} value
 * @param {string} [path]
 */
export function spoiledFromJson(value, path = 'spoiled') {
  const r = new Reader(value, path);
  readVersion(r, 'spoiled-ballot', BALLOT_VERSION);
  const b = {
    electionHash: r.hexbytes('election', 32),
    contests: r.items('contests', spoiledContestFromJson, MAX_CONTESTS),
    seal: r.hexbytes('seal', 32),
  };
  r.done();
  return b;
}
