/**
 * Schnorr signatures, as honestballot/crypto/schnorr.py (a proof of knowledge of the
 * signing key with the message in the context), and the bare proof of knowledge:
 *
 *     sign:    w random nonzero, R = w*G, c = H(tag, ctx..., message, X, R), s = w + c*x
 *     verify:  R' = s*G - c*X, accept iff c == H(tag, ctx..., message, X, R')
 */

import { InvalidProof } from './errors.js';
import { GENERATOR, Point, Scalar, baseMul } from './group.js';
import { hashToScalar } from './hashing.js';

/** @typedef {import('./hashing.js').Part} Part */
/** @typedef {import('./randomness.js').ScalarSource} ScalarSource */

/**
 * @typedef {object} SchnorrProof
 * @property {Scalar} challenge
 * @property {Scalar} response
 */

/**
 * A Schnorr signature on `message` by the key `secret` (one nonzero draw from `rng`).
 * @param {string} tag
 * @param {Part[]} context
 * @param {Uint8Array} message
 * @param {Scalar} secret
 * @param {ScalarSource} rng
 * @returns {SchnorrProof}
 */
export function sign(tag, context, message, secret, rng) {
  const pub = baseMul(secret);
  const w = rng.nonzeroScalar();
  const commitment = baseMul(w);
  const c = hashToScalar(tag, ...context, message, pub, commitment);
  return { challenge: c, response: w.add(c.mul(secret)) };
}

/**
 * Throw {@link InvalidProof} naming `what` unless `signature` is `public`'s on `message`.
 * @param {string} tag
 * @param {Part[]} context
 * @param {Uint8Array} message
 * @param {Point} pub
 * @param {SchnorrProof} signature
 * @param {string} what
 */
export function verifySignature(tag, context, message, pub, signature, what) {
  verifyDlog(tag, [...context, message], pub, signature, what);
}

/**
 * Throw {@link InvalidProof} naming `what` unless `proof` shows knowledge of the discrete
 * log of `pub` (crypto/schnorr.verify_dlog): R' = s*G - c*X, c == H(tag, ctx..., X, R').
 * @param {string} tag
 * @param {Part[]} context
 * @param {Point} pub
 * @param {SchnorrProof} proof
 * @param {string} what
 */
export function verifyDlog(tag, context, pub, proof, what) {
  if (pub.isIdentity()) throw new InvalidProof(`${what}: the public key is the identity`);
  const commitment = GENERATOR.mulPublic(proof.response).sub(pub.mulPublic(proof.challenge));
  if (!hashToScalar(tag, ...context, pub, commitment).equals(proof.challenge)) {
    throw new InvalidProof(`${what}: Schnorr proof does not verify`);
  }
}
