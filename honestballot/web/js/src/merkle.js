/**
 * The public board's Merkle tree checks: RFC 9162 section 2.1, step for step, as
 * honestballot/crypto/merkle.py.
 *
 *     leaf = SHA-256(0x00 || entry),   node = SHA-256(0x01 || left || right)
 *
 * Sizes and indices are unsigned 64-bit integers, so the bit arithmetic is done on
 * bigints (JS bitwise operators on numbers are 32-bit).  Edge cases as on the server:
 * `(m, m)` needs an empty proof and equal roots; `old_size == 0` is accepted only as
 * `(0, 0)` with both roots the empty root.
 */

import { concat } from './bytes.js';
import { LogError } from './errors.js';
import { plainSha256 } from './hashing.js';

export const HASH_LEN = 32;

/** MTH({}): SHA-256 of the empty string. */
export const EMPTY_ROOT = plainSha256(new Uint8Array(0));

const U64_LIMIT = 1n << 64n;

/**
 * The hash of one log entry: SHA-256(0x00 || data).
 * @param {Uint8Array} data
 */
export function leafHash(data) {
  return plainSha256(concat(Uint8Array.of(0), data));
}

/**
 * The hash of an interior node: SHA-256(0x01 || left || right).
 * @param {Uint8Array} left
 * @param {Uint8Array} right
 */
export function nodeHash(left, right) {
  return plainSha256(concat(Uint8Array.of(1), left, right));
}

/**
 * @param {Uint8Array} value
 * @param {string} what
 */
function checkHash(value, what) {
  if (!(value instanceof Uint8Array) || value.length !== HASH_LEN) {
    throw new LogError(`${what} must be ${HASH_LEN} bytes`);
  }
  return value;
}

/**
 * A tree size or index: a non-negative integer below 2^64 (number, bigint or decimal text).
 * @param {unknown} value
 * @param {string} what
 * @returns {bigint}
 */
export function checkSize(value, what) {
  let v;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else if (typeof value === 'string' && /^(0|[1-9][0-9]*)$/.test(value)) v = BigInt(value);
  else throw new LogError(`${what} must be an integer`);
  if (v < 0n || v >= U64_LIMIT) throw new LogError(`${what} out of range [0, 2^64): ${v}`);
  return v;
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Check an inclusion proof (RFC 9162 section 2.1.3.2); throw {@link LogError} unless
 * `leaf` is the leaf hash at `index` of the tree of `size` leaves whose root is `root`.
 * @param {Uint8Array} leaf
 * @param {bigint | number} index
 * @param {bigint | number} size
 * @param {Uint8Array[]} proof
 * @param {Uint8Array} root
 */
export function verifyInclusion(leaf, index, size, proof, root) {
  checkHash(leaf, 'leaf hash');
  checkHash(root, 'root hash');
  const idx = checkSize(index, 'leaf index');
  const n = checkSize(size, 'tree size');
  proof.forEach((p, i) => checkHash(p, `inclusion proof element ${i}`));
  // 1.
  if (idx >= n) throw new LogError(`leaf index ${idx} is not in a tree of size ${n}`);
  // 2-3.
  let fn = idx;
  let sn = n - 1n;
  let r = leaf;
  // 4.
  for (const p of proof) {
    if (sn === 0n) {
      throw new LogError('inclusion proof is longer than the path for this index and size');
    }
    if (fn & 1n || fn === sn) {
      r = nodeHash(p, r);
      while (fn !== 0n && !(fn & 1n)) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5.
  if (sn !== 0n) {
    throw new LogError('inclusion proof is shorter than the path for this index and size');
  }
  if (!same(r, root)) {
    throw new LogError(`inclusion proof for leaf ${idx} does not lead to the tree root`);
  }
}

/**
 * Check that the tree of `newSize` extends the tree of `oldSize` (RFC 9162 section
 * 2.1.4.2); throw {@link LogError} naming the first thing that fails.
 * @param {bigint | number} oldSize
 * @param {bigint | number} newSize
 * @param {Uint8Array} oldRoot
 * @param {Uint8Array} newRoot
 * @param {Uint8Array[]} proof
 */
export function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  const m = checkSize(oldSize, 'old tree size');
  const n = checkSize(newSize, 'new tree size');
  checkHash(oldRoot, 'old root hash');
  checkHash(newRoot, 'new root hash');
  proof.forEach((c, i) => checkHash(c, `consistency proof element ${i}`));
  if (m > n) throw new LogError(`old tree size ${m} is larger than new tree size ${n}`);
  if (m === 0n) {
    if (n > 0n) {
      throw new LogError('no consistency proof from the empty tree: every tree extends it');
    }
    if (!same(oldRoot, EMPTY_ROOT) || !same(newRoot, EMPTY_ROOT)) {
      throw new LogError('a tree of size 0 must have the empty root');
    }
  }
  if (m === n) {
    if (proof.length) throw new LogError('a consistency proof between equal sizes must be empty');
    if (!same(oldRoot, newRoot)) {
      throw new LogError(`two different roots for the same tree size ${m}`);
    }
    return;
  }
  // 1.
  if (!proof.length) throw new LogError('empty consistency proof between different tree sizes');
  const path = [...proof];
  // 2. An old tree of power-of-two size is itself a node of the new tree.
  if ((m & (m - 1n)) === 0n) path.unshift(oldRoot);
  // 3-4.
  let fn = m - 1n;
  let sn = n - 1n;
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  // 5.
  let fr = path[0];
  let sr = path[0];
  // 6.
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new LogError('consistency proof is longer than needed for these sizes');
    if (fn & 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn !== 0n && !(fn & 1n)) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // 7.
  if (sn !== 0n) throw new LogError('consistency proof is shorter than needed for these sizes');
  if (!same(fr, oldRoot)) {
    throw new LogError(`consistency proof does not reproduce the old root (size ${m})`);
  }
  if (!same(sr, newRoot)) {
    throw new LogError(`consistency proof does not reproduce the new root (size ${n})`);
  }
}
