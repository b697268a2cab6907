/**
 * Encrypted ballots, as honestballot/protocol/ballot.py: encryption on the voter's
 * device, proofs, signature, checks.
 *
 * A ballot holds, per contest, one ElGamal ciphertext per encrypted option, a
 * disjunctive proof per option that it encrypts 0 or 1, and one disjunctive proof that
 * `T = S + max*e` lies in the contest's admissible range.  Every challenge binds the
 * election's base hash, the voter's public credential, the contest and option ids.  The
 * ballot is signed with the credential key over its content hash; the tracking hash is a
 * hash of two halves: the hash of the ciphertexts, and the seal (a hash of the content hash
 * and the signature), so that an audited ballot can be published without its credential.
 */

import { b32encode } from './base32.js';
import { equalBytes } from './bytes.js';
import { Ciphertext, aggregate, encrypt } from './elgamal.js';
import { InvalidBallot, InvalidProof, InvalidSelection } from './errors.js';
import { Point, Scalar, ZERO_SCALAR } from './group.js';
import { hashBytes } from './hashing.js';
import { proveEncryptsOneOf, verifyEncryptsOneOf } from './proofs.js';
import { sign, verifySignature } from './schnorr.js';

export const OPTION_TAG = 'ballot/option';
export const SELECTION_TAG = 'ballot/selection';
export const SIGNATURE_TAG = 'ballot/signature';
export const RANK_TAG = 'ballot/rank';

/** @typedef {import('./context.js').ElectionContext} ElectionContext */
/** @typedef {import('./manifest.js').Contest} Contest */
/** @typedef {import('./proofs.js').DisjunctiveProof} DisjunctiveProof */
/** @typedef {import('./schnorr.js').SchnorrProof} SchnorrProof */
/** @typedef {import('./hashing.js').Part} Part */

/**
 * @typedef {object} EncryptedContest
 * @property {string} contestId
 * @property {Ciphertext[]} ciphertexts
 * @property {DisjunctiveProof[]} optionProofs - one per option, or per rank position
 * @property {DisjunctiveProof | null} selectionProof - null for a ranked contest
 */

/**
 * @typedef {object} EncryptedBallot
 * @property {Uint8Array} electionHash
 * @property {Point} credential
 * @property {EncryptedContest[]} contests
 * @property {SchnorrProof} signature
 */

/**
 * @typedef {object} ContestOpening - plaintexts and randomness (revealed only by an audit)
 * @property {string} contestId
 * @property {number[]} plaintexts
 * @property {Scalar[]} randomness
 */

/** @param {DisjunctiveProof} p @returns {Part} */
const proofParts = (p) => [p.challenges, p.responses];

/**
 * `hash_bytes("ballot/content", base_hash, credential, contests)`.
 * @param {Uint8Array} electionHash
 * @param {Point} credential
 * @param {EncryptedContest[]} contests
 * @returns {Uint8Array}
 */
export function ballotContentHash(electionHash, credential, contests) {
  const parts = contests.map((ec) => [
    ec.contestId,
    ec.ciphertexts.map((ct) => [ct.alpha, ct.beta]),
    ec.optionProofs.map(proofParts),
    // a ranked contest's item has three parts: it has no selection proof
    ...(ec.selectionProof !== null ? [proofParts(ec.selectionProof)] : []),
  ]);
  return hashBytes('ballot/content', electionHash, credential, parts);
}

/**
 * The first half of the tracking hash: `hash_bytes("ballot/ciphertexts", base_hash,
 * ((contest_id, ((alpha, beta), …)), …))`.  An audited ballot is published with its
 * ciphertexts, so its tracking hash can be checked without its credential.
 * @param {Uint8Array} electionHash
 * @param {{contestId: string, ciphertexts: Ciphertext[]}[]} contests
 */
export function ciphertextsHash(electionHash, contests) {
  const parts = contests.map((c) => [c.contestId, c.ciphertexts.map((ct) => [ct.alpha, ct.beta])]);
  return hashBytes('ballot/ciphertexts', electionHash, parts);
}

/**
 * The second half: the seal, `hash_bytes("ballot/seal", content_hash, c, s)`, which stands
 * for what an audited ballot's publication leaves out (credential, proofs, signature).
 * @param {EncryptedBallot} b
 */
export function ballotSeal(b) {
  const content = ballotContentHash(b.electionHash, b.credential, b.contests);
  return hashBytes('ballot/seal', content, b.signature.challenge, b.signature.response);
}

/**
 * `hash_bytes("ballot/tracking", ciphertexts_hash, seal)`.
 * @param {Uint8Array} electionHash
 * @param {{contestId: string, ciphertexts: Ciphertext[]}[]} contests
 * @param {Uint8Array} seal
 */
export function trackingHashOfParts(electionHash, contests, seal) {
  return hashBytes('ballot/tracking', ciphertextsHash(electionHash, contests), seal);
}

/** @param {EncryptedBallot} b */
export function trackingHash(b) {
  return trackingHashOfParts(b.electionHash, b.contests, ballotSeal(b));
}

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
 * challenge names `binding` after the base hash (a version 1 ballot's credential, a
 * version 2 ballot's statement hash).
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

/**
 * Encrypt a voter's choices.  Draws from `rng` in Python's order: per contest, one
 * randomness per option, then each option proof's scalars, then the selection proof's
 * (a ranked contest: one randomness per rank position, then each rank proof's scalars);
 * finally the signature nonce.
 * @param {ElectionContext} ctx
 * @param {import('./credential.js').VoterCredential} credential
 * @param {Record<string, string[] | Set<string>>} selections
 * @param {import('./randomness.js').ScalarSource} rng
 * @returns {{ballot: EncryptedBallot, opening: ContestOpening[]}}
 */
export function encryptBallot(ctx, credential, selections, rng) {
  const choices = checkSelections(ctx, selections);
  const pub = credential.public;
  /** @type {EncryptedContest[]} */
  const contests = [];
  /** @type {ContestOpening[]} */
  const opening = [];
  for (const contest of ctx.manifest.contests) {
    const plaintexts = contestPlaintexts(contest, /** @type {any} */ (choices.get(contest.id)));
    const { cts, rs } = encryptContest(ctx, plaintexts, rng);
    contests.push(proveContest(ctx, pub, contest, cts, plaintexts, rs, rng));
    opening.push({ contestId: contest.id, plaintexts, randomness: rs });
  }
  const content = ballotContentHash(ctx.baseHash, pub, contests);
  const signature = sign(SIGNATURE_TAG, [ctx.baseHash, pub], content, credential.secret, rng);
  return { ballot: { electionHash: ctx.baseHash, credential: pub, contests, signature }, opening };
}

/**
 * Check a ballot completely; throw {@link InvalidBallot} naming what is wrong.
 * @param {ElectionContext} ctx
 * @param {EncryptedBallot} ballot
 */
export function verifyBallot(ctx, ballot) {
  if (!equalBytes(ballot.electionHash, ctx.baseHash)) {
    throw new InvalidBallot('the ballot was made for another election (base hash differs)');
  }
  if (ballot.credential.isIdentity()) {
    throw new InvalidBallot("the ballot's credential is the identity");
  }
  const contests = ctx.manifest.contests;
  const got = ballot.contests.map((c) => c.contestId);
  const expected = contests.map((c) => c.id);
  if (got.length !== expected.length || got.some((id, i) => id !== expected[i])) {
    throw new InvalidBallot(
      "the ballot's contests do not match the manifest: " +
        `got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`,
    );
  }
  try {
    verifySignature(
      SIGNATURE_TAG,
      [ctx.baseHash, ballot.credential],
      ballotContentHash(ballot.electionHash, ballot.credential, ballot.contests),
      ballot.credential,
      ballot.signature,
      'ballot signature',
    );
    contests.forEach((contest, i) => {
      verifyContest(ctx, ballot.credential, contest, ballot.contests[i]);
    });
  } catch (e) {
    if (e instanceof InvalidProof) throw new InvalidBallot(e.message);
    throw e;
  }
}

/**
 * @param {ElectionContext} ctx
 * @param {Part} credential - what every challenge names (see proveContest)
 * @param {Contest} contest
 * @param {EncryptedContest} ec
 */
export function verifyContest(ctx, credential, contest, ec) {
  if (contest.ranked) {
    verifyRanked(ctx, credential, contest, ec);
    return;
  }
  const { selectionProof } = ec;
  if (selectionProof === null) {
    throw new InvalidBallot(`contest ${contest.id}: the selection proof is missing`);
  }
  const n = contest.options.length;
  if (ec.ciphertexts.length !== n || ec.optionProofs.length !== n) {
    throw new InvalidBallot(
      `contest ${contest.id}: ${ec.ciphertexts.length} ciphertexts and ` +
        `${ec.optionProofs.length} proofs for ${n} options`,
    );
  }
  contest.options.forEach((option, i) => {
    const ct = ec.ciphertexts[i];
    if (ct.alpha.isIdentity()) {
      throw new InvalidBallot(`contest ${contest.id}, option ${option.id}: alpha is the identity`);
    }
    verifyEncryptsOneOf(
      OPTION_TAG,
      [ctx.baseHash, credential, contest.id, option.id],
      ctx.publicKey,
      ct,
      [0, 1],
      ec.optionProofs[i],
      `contest ${contest.id}, option ${option.id}: not an encryption of 0 or 1`,
    );
  });
  verifyEncryptsOneOf(
    SELECTION_TAG,
    [ctx.baseHash, credential, contest.id],
    ctx.publicKey,
    selectionCiphertext(contest, ec.ciphertexts),
    contest.selectionRange,
    selectionProof,
    `contest ${contest.id}: number of selections outside ` +
      `[${contest.minSelections}, ${contest.maxSelections}] or exclusive option combined`,
  );
}

/**
 * @param {ElectionContext} ctx
 * @param {Part} credential - what every challenge names (see proveContest)
 * @param {Contest} contest
 * @param {EncryptedContest} ec
 */
function verifyRanked(ctx, credential, contest, ec) {
  const r = contest.maxSelections;
  if (ec.ciphertexts.length !== r || ec.optionProofs.length !== r || ec.selectionProof !== null) {
    throw new InvalidBallot(
      `contest ${contest.id}: a ranked contest has one ciphertext and one proof per rank ` +
        `position (${r}) and no selection proof`,
    );
  }
  ec.ciphertexts.forEach((ct, i) => {
    const position = i + 1;
    if (ct.alpha.isIdentity()) {
      throw new InvalidBallot(`contest ${contest.id}, position ${position}: alpha is the identity`);
    }
    verifyEncryptsOneOf(
      RANK_TAG,
      [ctx.baseHash, credential, contest.id, position],
      ctx.publicKey,
      ct,
      rankValues(contest, position),
      ec.optionProofs[i],
      `contest ${contest.id}, position ${position}: not an encryption of a choice number`,
    );
  });
}
