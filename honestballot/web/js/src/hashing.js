/**
 * Domain-separated hashing, byte for byte as honestballot/crypto/hashing.py.
 *
 *     H(tag, parts) = HASH( u64be(len(T)) || T || enc(p1) || enc(p2) || ... )
 *     T = "honestballot/v1/" || tag
 *
 * `enc` of one part is a one-byte type code, an 8-byte big-endian length, the bytes:
 * P {@link Point} (32 bytes), S {@link Scalar} (32 bytes little-endian), B Uint8Array,
 * T string (UTF-8), I integer (a JS integer number or bigint: signed decimal ASCII),
 * L array (its length is the number of items, followed by the items).
 *
 * Fiat-Shamir challenges ({@link hashToScalar}) carry the election's base hash and the
 * whole statement, never only the commitments.
 */

import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { Point, Scalar } from './group.js';
import { utf8, uintBE } from './bytes.js';

/** The versioned prefix of every tag. */
export const PROTOCOL_PREFIX = utf8('honestballot/v1');

/**
 * @typedef {Point | Scalar | Uint8Array | string | number | bigint | readonly unknown[]} Part
 * (list items are parts in turn)
 */

const code = (/** @type {string} */ c) => Uint8Array.of(c.charCodeAt(0));

/**
 * @param {{update(data: Uint8Array): unknown}} h
 * @param {Part} part
 */
function absorb(h, part) {
  if (part instanceof Point) {
    h.update(code('P'));
    h.update(uintBE(32, 8));
    h.update(part.data);
  } else if (part instanceof Scalar) {
    h.update(code('S'));
    h.update(uintBE(32, 8));
    h.update(part.encode());
  } else if (part instanceof Uint8Array) {
    h.update(code('B'));
    h.update(uintBE(part.length, 8));
    h.update(part);
  } else if (typeof part === 'string') {
    const raw = utf8(part);
    h.update(code('T'));
    h.update(uintBE(raw.length, 8));
    h.update(raw);
  } else if (typeof part === 'boolean') {
    throw new TypeError('booleans are not hashed; use an integer');
  } else if (typeof part === 'bigint' || (typeof part === 'number' && Number.isSafeInteger(part))) {
    const raw = utf8(BigInt(part).toString(10));
    h.update(code('I'));
    h.update(uintBE(raw.length, 8));
    h.update(raw);
  } else if (Array.isArray(part)) {
    h.update(code('L'));
    h.update(uintBE(part.length, 8));
    for (const item of part) absorb(h, item);
  } else {
    throw new TypeError(`cannot hash ${typeof part === 'number' ? 'a non-integer' : typeof part}`);
  }
}

/**
 * @param {typeof sha256 | typeof sha512} algorithm
 * @param {string} tag
 * @param {Part[]} parts
 */
function tagged(algorithm, tag, parts) {
  if (!/^[\x20-\x7e]*$/.test(tag)) throw new TypeError('a hash tag is printable ASCII');
  const h = algorithm.create();
  const rawTag = utf8(`honestballot/v1/${tag}`);
  h.update(uintBE(rawTag.length, 8));
  h.update(rawTag);
  for (const part of parts) absorb(h, part);
  return h.digest();
}

/**
 * A 32-byte SHA-256 digest of `parts` under `tag`.
 * @param {string} tag
 * @param {...Part} parts
 * @returns {Uint8Array}
 */
export function hashBytes(tag, ...parts) {
  return tagged(sha256, tag, parts);
}

/**
 * A uniform scalar: SHA-512 of the tagged parts, reduced modulo L.
 * @param {string} tag
 * @param {...Part} parts
 * @returns {Scalar}
 */
export function hashToScalar(tag, ...parts) {
  return Scalar.fromUniformBytes(tagged(sha512, tag, parts));
}

/**
 * A group element with unknown discrete log: SHA-512 then the RFC 9496 one-way map.
 * @param {string} tag
 * @param {...Part} parts
 * @returns {Point}
 */
export function hashToPoint(tag, ...parts) {
  return Point.fromUniformBytes(tagged(sha512, tag, parts));
}

/**
 * Plain SHA-256 (RFC 9162 Merkle hashing and the credential checksum use it undecorated).
 * @param {Uint8Array} data
 * @returns {Uint8Array}
 */
export function plainSha256(data) {
  return sha256(data);
}
