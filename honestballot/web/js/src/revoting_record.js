/**
 * Ballots version 2 and cast rows read back from the board (docs/record-format.md §6,
 * "Registrations, ballots version 2 and cast rows"), strictly, as
 * honestballot/record/revoting.py reads them, and the tracking hash of a cast row's ballot
 * (protocol/ballot_v2.BallotV2.tracking_hash): what the receipt page of an election with
 * re-voting protection recomputes from the board entry it is shown, with the checks of the
 * row the service made (protocol/ballot_v2.verify_cast_row: the flag E0, the counter's
 * proof of randomness at its place).
 */

import { ciphertextFromJson, contestFromJson } from './ballot_record.js';
import { InvalidProof } from './errors.js';
import { hashBytes } from './hashing.js';
import { MAX_CONTESTS } from './manifest.js';
import { Reader, readVersion } from './reader.js';
import { credentialBase } from './revoting.js';
import { verifyRandomness } from './revoting_objects.js';

/** @typedef {import('./group.js').Point} Point */
/** @typedef {import('./group.js').Scalar} Scalar */
/** @typedef {import('./elgamal.js').Ciphertext} Ciphertext */

export const BALLOT_V2_VERSION = 2;
export const CAST_ROW_VERSION = 1;

/** `ct(E) = L(P alpha, P beta)` @param {Ciphertext} ct */
const ctPart = (ct) => [ct.alpha, ct.beta];

/**
 * @param {unknown} value @param {string} path @param {string[]} keys - the scalars' keys
 * @returns {Scalar[]} in the order of `keys`
 */
function scalarsFromJson(value, path, keys) {
  const r = new Reader(value, path);
  const out = keys.map((k) => r.scalar(k));
  r.done();
  return out;
}

/**
 * Parse a ballot version 2 strictly (record/revoting.ballot_v2_from_json).
 * @param {unknown} value
 * @param {string} [path]
 */
export function ballotV2FromJson(value, path = 'ballot') {
  const r = new Reader(value, path);
  readVersion(r, 'ballot', BALLOT_V2_VERSION);
  const b = {
    electionHash: r.hexbytes('election', 32),
    credential: ciphertextFromJson(r.raw('credential'), `${path}.credential`),
    tag: ciphertextFromJson(r.raw('tag'), `${path}.tag`),
    contests: r.items('contests', contestFromJson, MAX_CONTESTS),
    credentialProof: scalarsFromJson(r.raw('credential_proof'), `${path}.credential_proof`, [
      'c',
      's_randomness',
      's_credential',
    ]),
    tagProof: scalarsFromJson(r.raw('tag_proof'), `${path}.tag_proof`, ['c', 's']),
  };
  r.done();
  return b;
}

/**
 * Parse a cast row strictly (record/revoting.cast_row_from_json): its flag may have the
 * identity as `alpha` (whether it is `E0` is the verifier's check, not the parser's).
 * @param {unknown} value
 * @param {string} [path]
 */
export function castRowFromJson(value, path = 'cast row') {
  const r = new Reader(value, path);
  readVersion(r, 'cast-row', CAST_ROW_VERSION);
  const row = {
    ballot: ballotV2FromJson(r.raw('ballot'), `${path}.ballot`),
    counter: ciphertextFromJson(r.raw('counter'), `${path}.counter`),
    counterProof: scalarsFromJson(r.raw('counter_proof'), `${path}.counter_proof`, ['c', 's']),
    flag: ciphertextFromJson(r.raw('flag'), `${path}.flag`, { allowIdentityAlpha: true }),
  };
  r.done();
  return row;
}

/**
 * A ballot version 2's tracking hash: `ballot/tracking` over its statement hash
 * (`ballot/statement`: B election; P H; P P; ct(credential); ct(tag); per contest L(T id,
 * L(ct, …))) and every proof scalar in the JSON's order (each contest's option or rank
 * proofs' challenges then responses, then its selection proof's; the credential proof's
 * three; the tag proof's two).
 * @param {ReturnType<typeof ballotV2FromJson>} b
 * @param {Point} h - the election key
 * @returns {Uint8Array}
 */
export function ballotV2TrackingHash(b, h) {
  const st = hashBytes(
    'ballot/statement', b.electionHash, h, credentialBase(b.electionHash), ctPart(b.credential),
    ctPart(b.tag), b.contests.map((ec) => [ec.contestId, ec.ciphertexts.map(ctPart)]),
  );
  /** @type {Scalar[]} */
  const scalars = [];
  for (const ec of b.contests) {
    const proofs =
      ec.selectionProof === null ? ec.optionProofs : [...ec.optionProofs, ec.selectionProof];
    for (const p of proofs) scalars.push(...p.challenges, ...p.responses);
  }
  scalars.push(...b.credentialProof, ...b.tagProof);
  return hashBytes('ballot/tracking', st, scalars);
}

/** The place of a cast row's counter (protocol/ballot_v2._counter_place). */
export const CAST_ROW_PLACE = 'cast-row';

/**
 * The service's part of a cast row, as protocol/ballot_v2.verify_cast_row checks it after
 * the ballot's own proofs: the dummy flag is exactly `E0 = (O, O)` (a row flagged `E1` is
 * padding, never counted), and the counter's proof of randomness verifies at its place
 * `(base hash, "cast-row", tracking hash, "counter", 0)`.  Throws {@link InvalidProof}
 * naming the field; returns the ballot's tracking hash.
 * @param {ReturnType<typeof castRowFromJson>} row
 * @param {Uint8Array} baseHash - the election's, from the checked context
 * @param {Point} h - the election key
 * @returns {Uint8Array}
 */
export function verifyCastRowService(row, baseHash, h) {
  if (!row.flag.alpha.isIdentity() || !row.flag.beta.isIdentity()) {
    throw new InvalidProof('cast row, flag: the dummy flag of a cast row is not E0');
  }
  const tracking = ballotV2TrackingHash(row.ballot, h);
  const [challenge, response] = row.counterProof;
  verifyRandomness(
    [baseHash, CAST_ROW_PLACE, tracking, 'counter', 0], h, row.counter, { challenge, response },
    'cast row, counter',
  );
  return tracking;
}
