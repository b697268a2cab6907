/**
 * Byte and text helpers: strict lowercase hex (the record format's only hex), big-endian
 * integers, UTF-8, Python's notion of white space, and the browser's CSPRNG.
 */

import { EncodingError } from './errors.js';

const HEX_DIGITS = '0123456789abcdef';
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;

/**
 * Lowercase hex of bytes.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15];
  return out;
}

/**
 * Decode lowercase hex strictly (as record/codec.decode_hex does).
 * @param {unknown} value
 * @param {string} path - names the field in the error message
 * @param {number} [length] - the required number of bytes
 * @returns {Uint8Array}
 */
export function fromHex(value, path, length) {
  if (typeof value !== 'string') throw new EncodingError(`${path}: expected a hex string`);
  if (!LOWER_HEX.test(value)) {
    throw new EncodingError(`${path}: hex must be lowercase 0-9a-f with no spaces`);
  }
  const out = new Uint8Array(value.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
  if (length !== undefined && out.length !== length) {
    throw new EncodingError(`${path}: expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

/**
 * @param {...Uint8Array} arrays
 * @returns {Uint8Array}
 */
export function concat(...arrays) {
  let n = 0;
  for (const a of arrays) n += a.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const a of arrays) {
    out.set(a, off);
    off += a.length;
  }
  return out;
}

/**
 * A non-negative integer as `width` big-endian bytes.
 * @param {bigint | number} value
 * @param {number} width
 * @returns {Uint8Array}
 */
export function uintBE(value, width) {
  let v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(8 * width)) {
    throw new RangeError(`${value} does not fit in ${width} bytes`);
  }
  const out = new Uint8Array(width);
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * UTF-8 bytes of a string; a lone surrogate is an error (Python refuses to encode it).
 * @param {string} text
 * @returns {Uint8Array}
 */
export function utf8(text) {
  if (!isWellFormed(text)) throw new EncodingError('text contains a lone UTF-16 surrogate');
  return new TextEncoder().encode(text);
}

/**
 * @param {string} text
 * @returns {boolean}
 */
export function isWellFormed(text) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

// Python's str.isspace() characters, so that stripping agrees with the server.
const PY_SPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004' +
  '\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

/**
 * Python's `str.strip()`: remove leading and trailing white space.
 * @param {string} text
 * @returns {string}
 */
export function pyStrip(text) {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE.includes(text[start])) start++;
  while (end > start && PY_SPACE.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {boolean}
 */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * `n` bytes from the platform CSPRNG (window.crypto / globalThis.crypto).
 * @param {number} n
 * @returns {Uint8Array}
 */
export function systemRandomBytes(n) {
  const c = globalThis.crypto;
  if (!c || typeof c.getRandomValues !== 'function') {
    throw new Error('this browser has no crypto.getRandomValues: cannot make secrets safely');
  }
  const out = new Uint8Array(n);
  c.getRandomValues(out);
  return out;
}
