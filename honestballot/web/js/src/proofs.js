/**
 * Disjunctive Chaum-Pedersen proofs (after Cramer-Damgard-Schoenmakers), as
 * honestballot/crypto/chaum_pedersen.py: a ciphertext `(alpha, beta)` under key `H`
 * encrypts one of the integers `values`.  For each branch i:
 *
 *     A_i = s_i*G - c_i*alpha,   B_i = s_i*H - c_i*(beta - v_i*G)
 *     sum_i c_i == H(tag, ctx..., H, alpha, beta, values, (A_0, B_0, ..., A_k, B_k))
 *
 * The prover simulates every branch but the true one.  The hash binds the public key, the
 * ciphertext, the admissible values and the caller's context (base hash, credential,
 * contest and option ids), which defeats the "weak Fiat-Shamir" forgeries.
 */

import { Ciphertext } from './elgamal.js';
import { InvalidProof } from './errors.js';
import { GENERATOR, Point, Scalar, ZERO_SCALAR, baseMul, smallMultiple } from './group.js';
import { hashToScalar } from './hashing.js';

/** @typedef {import('./hashing.js').Part} Part */
/** @typedef {import('./randomness.js').ScalarSource} ScalarSource */

/**
 * @typedef {object} DisjunctiveProof
 * @property {Scalar[]} challenges - one per admissible value, in the order of `values`
 * @property {Scalar[]} responses
 */

/**
 * Prove that `ct` encrypts one of `values` (the true one is `plaintext`).  Draws from
 * `rng` in Python's order: w, then (c_i, s_i) for each simulated branch in order.
 * @param {string} tag
 * @param {Part[]} context
 * @param {Point} publicKey
 * @param {Ciphertext} ct
 * @param {number[]} values
 * @param {number} plaintext
 * @param {Scalar} randomness
 * @param {ScalarSource} rng
 * @returns {DisjunctiveProof}
 */
export function proveEncryptsOneOf(
  tag, context, publicKey, ct, values, plaintext, randomness, rng,
) {
  const real = values.indexOf(plaintext);
  if (real < 0) throw new RangeError('the plaintext is not among the admissible values');
  /** @type {Point[]} */
  const commitments = [];
  /** @type {Scalar[]} */
  const challenges = [];
  /** @type {Scalar[]} */
  const responses = [];
  const w = rng.scalar();
  values.forEach((v, i) => {
    if (i === real) {
      commitments.push(baseMul(w), publicKey.mul(w));
      challenges.push(ZERO_SCALAR);
      responses.push(ZERO_SCALAR);
    } else {
      const c = rng.scalar();
      const s = rng.scalar();
      const shifted = v ? ct.beta.sub(smallMultiple(v)) : ct.beta;
      commitments.push(baseMul(s).sub(ct.alpha.mul(c)), publicKey.mul(s).sub(shifted.mul(c)));
      challenges.push(c);
      responses.push(s);
    }
  });
  const total = hashToScalar(tag, ...context, publicKey, ct.alpha, ct.beta, values, commitments);
  let cReal = total;
  challenges.forEach((c, i) => {
    if (i !== real) cReal = cReal.sub(c);
  });
  challenges[real] = cReal;
  responses[real] = w.add(cReal.mul(randomness));
  return { challenges, responses };
}

/**
 * Throw {@link InvalidProof} naming `what` unless `proof` shows `ct` encrypts one of
 * `values`.
 * @param {string} tag
 * @param {Part[]} context
 * @param {Point} publicKey
 * @param {Ciphertext} ct
 * @param {number[]} values
 * @param {DisjunctiveProof} proof
 * @param {string} what
 */
export function verifyEncryptsOneOf(tag, context, publicKey, ct, values, proof, what) {
  if (proof.challenges.length !== values.length || proof.responses.length !== values.length) {
    throw new InvalidProof(
      `${what}: proof has ${proof.challenges.length} branches, expected ${values.length}`,
    );
  }
  /** @type {Point[]} */
  const commitments = [];
  let total = ZERO_SCALAR;
  values.forEach((v, i) => {
    const c = proof.challenges[i];
    const s = proof.responses[i];
    const shifted = v ? ct.beta.sub(smallMultiple(v)) : ct.beta;
    commitments.push(
      GENERATOR.mulPublic(s).sub(ct.alpha.mulPublic(c)),
      publicKey.mulPublic(s).sub(shifted.mulPublic(c)),
    );
    total = total.add(c);
  });
  const expected = hashToScalar(tag, ...context, publicKey, ct.alpha, ct.beta, values, commitments);
  if (!expected.equals(total)) {
    throw new InvalidProof(`${what}: disjunctive Chaum-Pedersen proof does not verify`);
  }
}
