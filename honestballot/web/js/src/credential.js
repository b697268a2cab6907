/**
 * The voter's credential (protocol/credential.py): a signing key made on the voter's own
 * device.  The election holds only the public part; the secret signs each ballot and is
 * carried to another device as a code: `HB1-` then the base32 of the 32-byte secret and
 * a 4-byte checksum `SHA-256("honestballot/v1/credential-code" || secret)[:4]`, in groups
 * of five characters.
 *
 * A {@link VoterCredential} never shows its secret: not in `toString`, not in JSON, not in
 * a console; only {@link VoterCredential#toCode} writes it, for the voter to keep.
 */

import { b32decode, b32encode } from './base32.js';
import { concat, equalBytes, pyStrip, utf8 } from './bytes.js';
import { EncodingError } from './errors.js';
import { Point, Scalar, baseMul } from './group.js';
import { plainSha256 } from './hashing.js';

const CODE_PREFIX = 'HB1';
const CHECKSUM_TAG = utf8('honestballot/v1/credential-code');

/** @param {Uint8Array} secretBytes */
const checksum = (secretBytes) => plainSha256(concat(CHECKSUM_TAG, secretBytes)).subarray(0, 4);

export class VoterCredential {
  /** @type {Scalar} */
  #secret;

  /** @param {Scalar} secret - nonzero */
  constructor(secret) {
    if (secret.isZero()) throw new EncodingError('a credential secret cannot be zero');
    this.#secret = secret;
    /** @type {Point} */
    this.public = baseMul(secret);
    Object.freeze(this);
  }

  /** The secret, for signing a ballot inside this bundle only. */
  get secret() {
    return this.#secret;
  }

  /** The printable code that carries the secret (the voter's to keep). */
  toCode() {
    const raw = this.#secret.encode();
    const text = b32encode(concat(raw, checksum(raw))).replace(/=+$/, '');
    const groups = [];
    for (let i = 0; i < text.length; i += 5) groups.push(text.slice(i, i + 5));
    return [CODE_PREFIX, ...groups].join('-');
  }

  /**
   * Read a code as VoterCredential.from_code does (case, spaces and dashes are forgiven;
   * the checksum catches typos).
   * @param {unknown} code
   */
  static fromCode(code) {
    if (typeof code !== 'string') throw new EncodingError('a credential code is a string');
    const parts = pyStrip(code).toUpperCase().replace(/ /g, '').split('-');
    if (parts[0] !== CODE_PREFIX) throw new EncodingError('a credential code starts with HB1-');
    const text = parts.slice(1).join('');
    let raw;
    try {
      raw = b32decode(text + '='.repeat((8 - (text.length % 8)) % 8));
    } catch {
      throw new EncodingError('the credential code has characters outside base32');
    }
    if (raw.length !== 36) throw new EncodingError('the credential code has the wrong length');
    const secretBytes = raw.subarray(0, 32);
    if (!equalBytes(checksum(secretBytes), raw.subarray(32))) {
      throw new EncodingError("the credential code's checksum is wrong (a typo?)");
    }
    return new VoterCredential(Scalar.decode(secretBytes));
  }

  toString() {
    return `VoterCredential(public=${this.public.hex().slice(0, 16)}…, secret=<hidden>)`;
  }

  toJSON() {
    return { public: this.public.hex() };
  }
}

/**
 * A new credential from the given source of randomness (uniform nonzero modulo L).
 * @param {import('./randomness.js').ScalarSource} rng
 */
export function generateCredential(rng) {
  return new VoterCredential(rng.nonzeroScalar());
}
