/**
 * Exponential ElGamal over ristretto255 (honestballot/crypto/elgamal.py).
 *
 *     alpha = r*G,   beta = r*H + m*G
 *
 * Ciphertexts add component-wise, which adds the plaintexts.
 */

import { IDENTITY, Point, Scalar, baseMul, smallMultiple } from './group.js';

export class Ciphertext {
  /**
   * @param {Point} alpha
   * @param {Point} beta
   */
  constructor(alpha, beta) {
    this.alpha = alpha;
    this.beta = beta;
    Object.freeze(this);
  }

  /** @param {Ciphertext} other */
  add(other) {
    return new Ciphertext(this.alpha.add(other.alpha), this.beta.add(other.beta));
  }

  /**
   * The encryption of `k*m` (the same randomness scaled by k); public values only.
   * @param {Scalar} k
   */
  scale(k) {
    return new Ciphertext(this.alpha.mulPublic(k), this.beta.mulPublic(k));
  }

  /** @param {Ciphertext} other */
  equals(other) {
    return this.alpha.equals(other.alpha) && this.beta.equals(other.beta);
  }
}

export const ZERO_CIPHERTEXT = new Ciphertext(IDENTITY, IDENTITY);

/**
 * Encrypt the small integer `message` under `publicKey` with `randomness`.
 * @param {Point} publicKey
 * @param {number} message
 * @param {Scalar} randomness
 */
export function encrypt(publicKey, message, randomness) {
  const alpha = baseMul(randomness);
  let beta = publicKey.mul(randomness);
  if (message) beta = beta.add(smallMultiple(message));
  return new Ciphertext(alpha, beta);
}

/**
 * The homomorphic sum of ciphertexts (the encryption of the sum of plaintexts).
 * @param {Iterable<Ciphertext>} ciphertexts
 */
export function aggregate(ciphertexts) {
  let acc = ZERO_CIPHERTEXT;
  for (const ct of ciphertexts) acc = acc.add(ct);
  return acc;
}
