/**
 * The ristretto255 group (RFC 9496) through @noble/curves, mirroring
 * honestballot/crypto/group.py.
 *
 * Two immutable value types: {@link Scalar}, an integer modulo the group order L, and
 * {@link Point}, a group element held with its canonical 32-byte encoding.  Decoding is
 * strict: non-canonical encodings, scalars >= L and (unless allowed) the identity are
 * refused with an {@link EncodingError}.
 */

import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { EncodingError } from './errors.js';
import { fromHex, toHex } from './bytes.js';

const RistrettoPoint = ristretto255.Point;

/** The prime order of ristretto255: 2^252 + 27742317777372353535851937790883648493. */
export const L = (1n << 252n) + 27742317777372353535851937790883648493n;

const mod = (/** @type {bigint} */ v) => ((v % L) + L) % L;

/** An element of Z/LZ.  Construct with {@link Scalar.of} (reduces) or {@link Scalar.decode}. */
export class Scalar {
  /** @param {bigint} value - already in [0, L) */
  constructor(value) {
    if (typeof value !== 'bigint' || value < 0n || value >= L) {
      throw new EncodingError('scalar out of range [0, L)');
    }
    /** @type {bigint} */
    this.value = value;
    Object.freeze(this);
  }

  /**
   * The scalar congruent to `value` modulo L (negative values allowed).
   * @param {bigint | number} value
   */
  static of(value) {
    return new Scalar(mod(BigInt(value)));
  }

  /**
   * Strictly decode 32 little-endian bytes; values >= L are rejected.
   * @param {Uint8Array} bytes
   */
  static decode(bytes) {
    if (bytes.length !== 32) throw new EncodingError(`a scalar is 32 bytes, got ${bytes.length}`);
    const value = leToBigInt(bytes);
    if (value >= L) throw new EncodingError('non-canonical scalar encoding (value >= L)');
    return new Scalar(value);
  }

  /**
   * @param {unknown} hex
   * @param {string} [path]
   */
  static fromHex(hex, path = 'scalar') {
    const bytes = fromHex(hex, path, 32);
    try {
      return Scalar.decode(bytes);
    } catch (e) {
      throw new EncodingError(`${path}: ${/** @type {Error} */ (e).message}`);
    }
  }

  /**
   * Reduce 64 uniform bytes modulo L (the wide reduction of RFC 9496 section 4.4).
   * @param {Uint8Array} bytes
   */
  static fromUniformBytes(bytes) {
    if (bytes.length !== 64) throw new EncodingError('wide scalar reduction needs 64 bytes');
    return new Scalar(leToBigInt(bytes) % L);
  }

  /** @returns {Uint8Array} 32 little-endian bytes */
  encode() {
    const out = new Uint8Array(32);
    let v = this.value;
    for (let i = 0; i < 32; i++) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return out;
  }

  hex() {
    return toHex(this.encode());
  }

  /** @param {Scalar} other */
  add(other) {
    return new Scalar((this.value + other.value) % L);
  }

  /** @param {Scalar} other */
  sub(other) {
    return new Scalar(mod(this.value - other.value));
  }

  /** @param {Scalar} other */
  mul(other) {
    return new Scalar((this.value * other.value) % L);
  }

  neg() {
    return new Scalar(mod(-this.value));
  }

  isZero() {
    return this.value === 0n;
  }

  /** @param {Scalar} other */
  equals(other) {
    return other instanceof Scalar && this.value === other.value;
  }

  toString() {
    return 'Scalar(<hidden>)';
  }
}

export const ZERO_SCALAR = new Scalar(0n);

/** @param {Uint8Array} bytes */
function leToBigInt(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/**
 * A ristretto255 group element.  Obtain one with {@link Point.decode},
 * {@link Point.fromHex} or group operations.  Its canonical encoding is computed once,
 * when first needed (encoding costs an inverse square root).
 */
export class Point {
  /** @type {InstanceType<typeof RistrettoPoint>} */
  #inner;

  /** @type {Uint8Array | undefined} */
  #data;

  /**
   * @param {InstanceType<typeof RistrettoPoint>} inner
   * @param {Uint8Array} [bytes] - its canonical encoding, when already known
   */
  constructor(inner, bytes) {
    this.#inner = inner;
    this.#data = bytes;
    Object.freeze(this);
  }

  /**
   * Decode a canonical encoding; reject anything else.  The identity (32 zero bytes)
   * is rejected unless `allowIdentity`.
   * @param {Uint8Array} bytes
   * @param {{allowIdentity?: boolean}} [opts]
   */
  static decode(bytes, { allowIdentity = false } = {}) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
      throw new EncodingError('a group element is 32 bytes');
    }
    if (bytes.every((b) => b === 0)) {
      if (allowIdentity) return IDENTITY;
      throw new EncodingError('the identity element is not allowed here');
    }
    let inner;
    try {
      // noble rejects bit 255, non-canonical field elements and invalid encodings.
      inner = RistrettoPoint.fromBytes(bytes);
    } catch {
      throw new EncodingError('not a canonical ristretto255 encoding');
    }
    return new Point(inner, Uint8Array.from(bytes));
  }

  /**
   * @param {unknown} hex
   * @param {string} [path]
   * @param {{allowIdentity?: boolean}} [opts]
   */
  static fromHex(hex, path = 'point', opts = {}) {
    const bytes = fromHex(hex, path, 32);
    try {
      return Point.decode(bytes, opts);
    } catch (e) {
      throw new EncodingError(`${path}: ${/** @type {Error} */ (e).message}`);
    }
  }

  /**
   * The one-way map of RFC 9496 section 4.3.4 applied to 64 uniform bytes.
   * @param {Uint8Array} bytes
   */
  static fromUniformBytes(bytes) {
    if (bytes.length !== 64) throw new EncodingError('the ristretto255 one-way map needs 64 bytes');
    if (!ristretto255_hasher.deriveToCurve) {
      throw new Error('the bundled curve library has no RFC 9496 one-way map');
    }
    return new Point(ristretto255_hasher.deriveToCurve(bytes));
  }

  /** @returns {Uint8Array} the canonical 32-byte encoding */
  get data() {
    if (this.#data === undefined) this.#data = this.#inner.toBytes();
    return this.#data;
  }

  encode() {
    return this.data;
  }

  hex() {
    return toHex(this.data);
  }

  isIdentity() {
    return this.#inner.equals(RistrettoPoint.ZERO);
  }

  /** @param {Point} other */
  add(other) {
    return new Point(this.#inner.add(other.#inner));
  }

  /** @param {Point} other */
  sub(other) {
    return new Point(this.#inner.subtract(other.#inner));
  }

  neg() {
    return new Point(this.#inner.negate());
  }

  /**
   * `scalar * this` in constant time (for secret scalars: randomness, keys, nonces).
   * @param {Scalar} scalar
   */
  mul(scalar) {
    if (scalar.value === 0n || this.isIdentity()) return IDENTITY;
    return new Point(this.#inner.multiply(scalar.value));
  }

  /**
   * `scalar * this` in variable time (only for public values, e.g. when verifying).
   * @param {Scalar} scalar
   */
  mulPublic(scalar) {
    if (scalar.value === 0n || this.isIdentity()) return IDENTITY;
    return new Point(this.#inner.multiplyUnsafe(scalar.value));
  }

  /**
   * Build a fixed-window table for this point (about 10 ms) so later multiplications
   * by it are several times faster: worth it for a key used in every ciphertext.
   * @returns {Point} this point
   */
  withTable() {
    this.#inner.precompute(6, false);
    return this;
  }

  /** @param {Point} other - group equality (equal canonical encodings) */
  equals(other) {
    return other instanceof Point && this.#inner.equals(other.#inner);
  }

  toString() {
    return `Point(${this.hex()})`;
  }
}

export const IDENTITY = new Point(RistrettoPoint.ZERO, new Uint8Array(32));

/** The canonical generator B of RFC 9496 section 4.4. */
export const GENERATOR = new Point(RistrettoPoint.BASE);

if (GENERATOR.hex() !== 'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76') {
  throw new Error('ristretto255 generator mismatch: the bundled curve library is wrong');
}

/**
 * `scalar * B` (constant time).
 * @param {Scalar} scalar
 */
export function baseMul(scalar) {
  return GENERATOR.mul(scalar);
}

/** @type {Map<number, Point>} */
const smallMultiples = new Map();

/**
 * `m * B` for a small (possibly negative) integer `m`, cached (ballots reuse 1*B, 2*B...).
 * @param {number} m
 */
export function smallMultiple(m) {
  let p = smallMultiples.get(m);
  if (p === undefined) {
    p = GENERATOR.mulPublic(Scalar.of(m));
    if (smallMultiples.size < 4096) smallMultiples.set(m, p);
  }
  return p;
}
