/**
 * The contests of a ballot on the voter's device, as honestballot/protocol/ballot.py:
 * the choices checked against the manifest, their encryption and proofs (used by the
 * ballot version 2 of revoting_objects.js), and the tracking code's readable form.
 *
 * A contest holds one ElGamal ciphertext per option, a disjunctive proof per option that
 * it encrypts 0 or 1, and one disjunctive proof that `T = S + max*e` lies in the contest's
 * admissible range (a ranked contest: one ciphertext and proof per rank position, no
 * selection proof).  Every challenge binds the election's base hash, what the ballot binds
 * (a ballot version 2's statement hash), the contest and option ids.
 */

import { b32encode } from './base32.js';
import { Ciphertext, aggregate, encrypt } from './elgamal.js';
import { InvalidBallot, InvalidSelection } from './errors.js';
import { Scalar, ZERO_SCALAR } from './group.js';
import { proveEncryptsOneOf } from './proofs.js';

export const OPTION_TAG = 'ballot/option';
export const SELECTION_TAG = 'ballot/selection';
export const RANK_TAG = 'ballot/rank';

/** @typedef {import('./context.js').ElectionContext} ElectionContext */
/** @typedef {import('./manifest.js').Contest} Contest */
/** @typedef {import('./proofs.js').DisjunctiveProof} DisjunctiveProof */
/** @typedef {import('./hashing.js').Part} Part */

/**
 * @typedef {object} EncryptedContest
 * @property {string} contestId
 * @property {Ciphertext[]} ciphertexts
 * @property {DisjunctiveProof[]} optionProofs - one per option, or per rank position
 * @property {DisjunctiveProof | null} selectionProof - null for a ranked contest
 */

/**
 * The short readable form of a tracking hash: base32 of its first 10 bytes, in four
 * groups of four characters.
 * @param {Uint8Array} hash
 */
export function trackingCode(hash) {
  if (hash.length < 10) throw new RangeError('a tracking hash has at least 10 bytes');
  const text = b32encode(hash.subarray(0, 10));
  return [0, 4, 8, 12].map((i) => text.slice(i, i + 4)).join('-');
}

/**
 * `T = S + max*e` computed homomorphically from the option ciphertexts.
 * @param {Contest} contest
 * @param {Ciphertext[]} cts
 */
function selectionCiphertext(contest, cts) {
  const plain = aggregate(cts.filter((_, i) => !contest.options[i].exclusive));
  const excl = cts.filter((_, i) => contest.options[i].exclusive);
  if (!excl.length) return plain;
  // Python adds e to itself for small weights and scales otherwise: the same element.
  return plain.add(aggregate(excl).scale(Scalar.of(contest.maxSelections)));
}

/** @param {string[]} ids - Python's repr of a list of strings (for messages) */
const pyList = (ids) => `[${ids.map((i) => `'${i}'`).join(', ')}]`;

/**
 * The number of every choice of a ranked contest: the candidates from 1 in manifest
 * order, then `against-all`, then `blank` (protocol/ranked.choice_numbers).
 * @param {Contest} contest
 * @returns {Map<string, number>}
 */
export function choiceNumbers(contest) {
  return new Map(contest.options.map((o, i) => [o.id, i + 1]));
}

/**
 * The plaintexts of a voter's ranking, one per rank position (protocol/ranked.
 * encode_ranking): refused, as there, if it is empty, repeats a choice, ranks more choices
 * than positions, or puts an exclusive choice beside another.
 * @param {Contest} contest
 * @param {string[]} ranking
 * @returns {number[]}
 */
export function encodeRanking(contest, ranking) {
  const numbers = choiceNumbers(contest);
  const unknown = ranking.filter((c) => !numbers.has(c));
  if (unknown.length) {
    throw new InvalidSelection(`contest ${contest.id}: unknown choice(s) ${pyList(unknown)}`);
  }
  if (!ranking.length) {
    const hint = contest.minSelections === 0 ? " (choose 'blank' to abstain)" : '';
    throw new InvalidSelection(`contest ${contest.id}: rank at least one choice${hint}`);
  }
  if (new Set(ranking).size !== ranking.length) {
    throw new InvalidSelection(`contest ${contest.id}: a choice is ranked twice`);
  }
  if (ranking.length > contest.maxSelections) {
    throw new InvalidSelection(
      `contest ${contest.id}: ${ranking.length} choices ranked, at most ` +
        `${contest.maxSelections} allowed`,
    );
  }
  const exclusive = new Set(contest.options.filter((o) => o.exclusive).map((o) => o.id));
  if (ranking.some((c) => exclusive.has(c)) && ranking.length > 1) {
    throw new InvalidSelection(
      `contest ${contest.id}: 'against all' or 'blank' cannot be combined with a ranking`,
    );
  }
  const plain = ranking.map((c) => /** @type {number} */ (numbers.get(c)));
  while (plain.length < contest.maxSelections) plain.push(0);
  return plain;
}

/**
 * What a ranked contest's ciphertext at `position` (from 1) may encrypt: a choice
 * number, or at positions after the first also 0 (nobody).
 * @param {Contest} contest
 * @param {number} position
 */
export function rankValues(contest, position) {
  const out = [];
  for (let v = position === 1 ? 1 : 0; v <= contest.options.length; v++) out.push(v);
  return out;
}

/**
 * Check `selections` against the manifest (every contest, each contest's rules) and
 * return them: a set of option ids per plural contest, the plaintexts (one choice number
 * per rank position) per ranked contest.  Nothing is encrypted when this throws.
 * @param {ElectionContext} ctx
 * @param {Record<string, string[] | Set<string>>} selections - a ranked contest's is its
 *   ranking, best first (an array: a set has no order the voter gave)
 * @returns {Map<string, Set<string> | number[]>}
 */
export function checkSelections(ctx, selections) {
  if (selections === null || typeof selections !== 'object' || Array.isArray(selections)) {
    throw new InvalidBallot('selections must map every contest id to a list of option ids');
  }
  const ids = new Set(ctx.manifest.contests.map((c) => c.id));
  const unknown = Object.keys(selections).filter((k) => !ids.has(k)).sort();
  if (unknown.length) {
    throw new InvalidBallot(`unknown contest(s) [${unknown.map((k) => `'${k}'`).join(', ')}]`);
  }
  /** @type {Map<string, Set<string> | number[]>} */
  const out = new Map();
  for (const contest of ctx.manifest.contests) {
    if (!Object.prototype.hasOwnProperty.call(selections, contest.id)) {
      throw new InvalidBallot(`no choice given for contest ${contest.id}`);
    }
    const chosen = selections[contest.id];
    if (contest.ranked && !Array.isArray(chosen)) {
      throw new InvalidBallot(`contest ${contest.id} is ranked: give its ranking in order`);
    }
    const list = chosen instanceof Set ? [...chosen] : chosen;
    if (!Array.isArray(list) || !list.every((o) => typeof o === 'string')) {
      throw new InvalidBallot(`contest ${contest.id}: the choice must be a list of option ids`);
    }
    if (contest.ranked) {
      out.set(contest.id, encodeRanking(contest, list));
      continue;
    }
    const set = new Set(list);
    contest.checkSelection(set);
    out.set(contest.id, set);
  }
  return out;
}

/**
 * One contest's ciphertexts: the randomness of each drawn first, in order (Python's
 * ballot.encrypt_contest).
 * @param {ElectionContext} ctx
 * @param {number[]} plaintexts
 * @param {import('./randomness.js').ScalarSource} rng
 */
export function encryptContest(ctx, plaintexts, rng) {
  const rs = plaintexts.map(() => rng.scalar());
  const cts = plaintexts.map((m, i) => encrypt(ctx.publicKey, m, rs[i]));
  return { cts, rs };
}

/**
 * What a contest's ciphertexts encrypt, from the checked choice (Python's
 * ballot.contest_plaintexts): 0 or 1 per option, or a ranked contest's choice numbers.
 * @param {Contest} contest
 * @param {Set<string> | number[]} choice - as {@link checkSelections} returns it
 * @returns {number[]}
 */
export function contestPlaintexts(contest, choice) {
  if (contest.ranked) return /** @type {number[]} */ (choice);
  const chosen = /** @type {Set<string>} */ (choice);
  return contest.options.map((o) => (chosen.has(o.id) ? 1 : 0));
}

/**
 * A contest's proofs over its ciphertexts (Python's ballot.prove_contest): per option (or
 * rank position) that it encrypts an admissible value, then the selection proof; every
 * challenge names `binding` after the base hash (a ballot version 2's statement
 * hash).
 * @param {ElectionContext} ctx
 * @param {Part} binding
 * @param {Contest} contest
 * @param {Ciphertext[]} cts
 * @param {number[]} plaintexts
 * @param {Scalar[]} rs
 * @param {import('./randomness.js').ScalarSource} rng
 * @returns {EncryptedContest}
 */
export function proveContest(ctx, binding, contest, cts, plaintexts, rs, rng) {
  if (contest.ranked) {
    const rankProofs = cts.map((ct, i) =>
      proveEncryptsOneOf(
        RANK_TAG,
        [ctx.baseHash, binding, contest.id, i + 1],
        ctx.publicKey,
        ct,
        rankValues(contest, i + 1),
        plaintexts[i],
        rs[i],
        rng,
      ),
    );
    return {
      contestId: contest.id,
      ciphertexts: cts,
      optionProofs: rankProofs,
      selectionProof: null,
    };
  }
  const optionProofs = contest.options.map((option, i) =>
    proveEncryptsOneOf(
      OPTION_TAG,
      [ctx.baseHash, binding, contest.id, option.id],
      ctx.publicKey,
      cts[i],
      [0, 1],
      plaintexts[i],
      rs[i],
      rng,
    ),
  );
  let totalPlain = 0;
  let totalR = ZERO_SCALAR;
  contest.options.forEach((option, i) => {
    const w = contest.exclusiveWeight(option);
    totalPlain += w * plaintexts[i];
    totalR = totalR.add(Scalar.of(w).mul(rs[i]));
  });
  const selectionProof = proveEncryptsOneOf(
    SELECTION_TAG,
    [ctx.baseHash, binding, contest.id],
    ctx.publicKey,
    selectionCiphertext(contest, cts),
    contest.selectionRange,
    totalPlain,
    totalR,
    rng,
  );
  return { contestId: contest.id, ciphertexts: cts, optionProofs, selectionProof };
}
