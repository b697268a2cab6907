/**
 * RFC 4648 base32, behaving exactly as Python's `base64.b32encode` / `b32decode` (the
 * server's credential-code and tracking-code functions use them), including what Python
 * tolerates: unused low bits of the last character are ignored on decoding.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Base32 with `=` padding to a multiple of 8 characters (as b32encode).
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function b32encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const chunk = bytes.subarray(i, i + 5);
    let acc = 0n;
    for (let j = 0; j < 5; j++) acc = (acc << 8n) | BigInt(chunk[j] ?? 0);
    const chars = [0, 2, 4, 5, 7, 8][chunk.length];
    for (let j = 0; j < 8; j++) {
      out += j < chars ? ALPHABET[Number((acc >> BigInt(35 - 5 * j)) & 31n)] : '=';
    }
  }
  return out;
}

/**
 * Decode padded base32 as Python's b32decode does; throw `Error` on what it refuses.
 * @param {string} text - already padded to a multiple of 8
 * @returns {Uint8Array}
 */
export function b32decode(text) {
  if (text.length % 8) throw new Error('Incorrect padding');
  const stripped = text.replace(/=+$/, '');
  const padchars = text.length - stripped.length;
  /** @type {number[]} */
  const out = [];
  for (let i = 0; i < stripped.length; i += 8) {
    const quantum = stripped.slice(i, i + 8);
    let acc = 0n;
    for (const ch of quantum) {
      const v = ALPHABET.indexOf(ch);
      if (v < 0) throw new Error('Non-base32 digit found');
      acc = (acc << 5n) | BigInt(v);
    }
    acc <<= BigInt(5 * (8 - quantum.length));
    for (let j = 4; j >= 0; j--) out.push(Number((acc >> BigInt(8 * j)) & 0xffn));
  }
  if (![0, 1, 3, 4, 6].includes(padchars)) throw new Error('Incorrect padding');
  if (padchars && out.length) {
    const leftover = Math.floor((43 - 5 * padchars) / 8);
    out.length -= 5 - leftover;
  }
  return Uint8Array.from(out);
}
