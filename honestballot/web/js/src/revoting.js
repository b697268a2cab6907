/**
 * Re-voting protection on the voter's device (docs/coercion.md §2.1, §2.2, §2.6), byte
 * for byte as honestballot/protocol/credential_seed.py, protocol/letters.py and
 * crypto/designated_verifier.py:
 *
 *     c   = hash_to_scalar("credential-scalar", B base, B seed)    sigma = c*P
 *     t   = hash_bytes("tag-secret", B seed)                        tau = hash_to_point("tag-point", B base, B t)
 *     V   = hash_to_point("voter-handle", B base, B letter)         a = hash_to_scalar("activation", B base, B letter)
 *     A   = a*P_act                                                 R0 = hash_to_point("none", B base, P V)
 *
 * with P = hash_to_point("credential-base", B base), P_act = hash_to_point("activation-base",
 * B base).  Codes: `HB2-` (a 32-byte seed) and `HBL-` (a 16-byte letter secret), the base32
 * of the secret and the first 4 bytes of hash_bytes("credential-code" | "letter-code", B
 * secret), in groups of five.  The designated-verifier proof convinces the service, and
 * nobody else, that a ciphertext encrypts a named point.
 */

import { b32decode, b32encode } from './base32.js';
import { concat, equalBytes, pyStrip } from './bytes.js';
import { EncodingError, InvalidProof } from './errors.js';
import { baseMul } from './group.js';
import { hashBytes, hashToPoint, hashToScalar } from './hashing.js';

/** @typedef {import('./group.js').Point} Point */
/** @typedef {import('./group.js').Scalar} Scalar */

/** @param {string} prefix @param {Uint8Array} secret @param {string} tag */
function encodeCode(prefix, secret, tag) {
  const check = hashBytes(tag, secret).subarray(0, 4);
  const text = b32encode(concat(secret, check)).replace(/=+$/, '');
  const groups = [];
  for (let i = 0; i < text.length; i += 5) groups.push(text.slice(i, i + 5));
  return [prefix, ...groups].join('-');
}

/**
 * Cyrillic capitals that look like Latin ones, read as their Latin twins in a typed code
 * (docs/coercion.md §2.1; protocol/credential_seed.LOOKALIKES); lower case is upper-cased
 * first.
 */
const LOOKALIKES = new Map(Array.from('АВЕКМНОРСТХ', (c, i) => [c, 'ABEKMHOPCTX'[i]]));

/**
 * Spaces, dashes and case do not matter, and a Cyrillic look-alike is read as its Latin twin.
 * @param {unknown} code @param {string} prefix @param {number} length @param {string} tag
 * @param {string} what
 */
function decodeCode(code, prefix, length, tag, what) {
  if (typeof code !== 'string') throw new EncodingError(`${what} is a string`);
  const upper = Array.from(pyStrip(code).toUpperCase(), (c) => LOOKALIKES.get(c) ?? c).join('');
  const text = upper.replace(/ /g, '').replace(/-/g, '');
  if (!text.startsWith(prefix)) throw new EncodingError(`${what} starts with ${prefix}-`);
  const body = text.slice(prefix.length);
  let raw;
  try {
    raw = b32decode(body + '='.repeat((8 - (body.length % 8)) % 8));
  } catch {
    throw new EncodingError(`${what} has characters outside base32`);
  }
  if (raw.length !== length + 4) throw new EncodingError(`${what} has the wrong length`);
  const secret = raw.subarray(0, length);
  if (!equalBytes(hashBytes(tag, secret).subarray(0, 4), raw.subarray(length))) {
    throw new EncodingError(`${what}'s checksum is wrong (a typo?)`);
  }
  return Uint8Array.from(secret);
}

/** @param {Uint8Array} base */
export const credentialBase = (base) => hashToPoint('credential-base', base);
/** @param {Uint8Array} base */
export const activationBase = (base) => hashToPoint('activation-base', base);

/**
 * What a credential seed gives, in an election with base hash `base`.
 * @param {Uint8Array} seed - 32 bytes
 * @param {Uint8Array} base
 */
export function seedDerivations(seed, base) {
  if (seed.length !== 32) throw new EncodingError('a credential seed is 32 bytes');
  const c = hashToScalar('credential-scalar', base, seed);
  if (c.isZero()) throw new EncodingError("this seed's signing scalar is zero: draw another seed");
  const t = hashBytes('tag-secret', seed);
  return {
    signingScalar: c,
    votingPoint: credentialBase(base).mul(c),
    tagSecret: t,
    tagPoint: hashToPoint('tag-point', base, t),
    code: encodeCode('HB2', seed, 'credential-code'),
  };
}

/** @param {unknown} code @returns {Uint8Array} the seed of an `HB2-` code */
export function seedFromCode(code) {
  if (typeof code === 'string' && pyStrip(code).toUpperCase().startsWith('HB1')) {
    throw new EncodingError(
      'an HB1- code is a credential of an election without re-voting protection',
    );
  }
  return decodeCode(code, 'HB2', 32, 'credential-code', 'a credential code');
}

/**
 * What an activation letter's secret gives.
 * @param {Uint8Array} secret - 16 bytes
 * @param {Uint8Array} base
 */
export function letterDerivations(secret, base) {
  if (secret.length !== 16) throw new EncodingError('a letter secret is 16 bytes');
  const a = hashToScalar('activation', base, secret);
  if (a.isZero()) throw new EncodingError("this letter's activation scalar is zero");
  const handle = hashToPoint('voter-handle', base, secret);
  return {
    handle,
    activationScalar: a,
    activationPoint: activationBase(base).mul(a),
    nonePoint: hashToPoint('none', base, handle),
    code: encodeCode('HBL', secret, 'letter-code'),
  };
}

/** @param {unknown} code @returns {Uint8Array} the secret of an `HBL-` code */
export function letterFromCode(code) {
  return decodeCode(code, 'HBL', 16, 'letter-code', 'an activation code');
}

/**
 * @param {Uint8Array} base @param {string} purpose @param {Uint8Array} nonce
 * @param {Point} h @param {Point} w @param {Point} m
 * @param {{alpha: Point, beta: Point}} ct
 * @param {Point} r1 @param {Point} r2 @param {Point} r3
 */
const dvChallenge = (base, purpose, nonce, h, w, m, ct, r1, r2, r3) =>
  hashToScalar('designated-plaintext', base, purpose, nonce, h, w, m, ct.alpha, ct.beta, r1, r2, r3);

/**
 * The device's designated-verifier proof that `ct = (r*G, r*H + m)`; draws u, e2, z2 from
 * `rng` in that order (as Python does).
 * @param {Uint8Array} base @param {string} purpose @param {Uint8Array} nonce
 * @param {Point} h @param {Point} w @param {Point} m
 * @param {{alpha: Point, beta: Point}} ct @param {Scalar} r
 * @param {import('./randomness.js').ScalarSource} rng
 */
export function proveDesignatedPlaintext(base, purpose, nonce, h, w, m, ct, r, rng) {
  const u = rng.scalar();
  const e2 = rng.scalar();
  const z2 = rng.scalar();
  const r1 = baseMul(u);
  const r2 = h.mul(u);
  const r3 = baseMul(z2).sub(w.mul(e2));
  const e = dvChallenge(base, purpose, nonce, h, w, m, ct, r1, r2, r3);
  const e1 = e.sub(e2);
  return { e1, e2, z1: u.add(e1.mul(r)), z2 };
}

/**
 * Throws {@link InvalidProof} unless the proof verifies (what the service checks).
 * @param {Uint8Array} base @param {string} purpose @param {Uint8Array} nonce
 * @param {Point} h @param {Point} w @param {Point} m
 * @param {{alpha: Point, beta: Point}} ct
 * @param {{e1: Scalar, e2: Scalar, z1: Scalar, z2: Scalar}} proof
 */
export function verifyDesignatedPlaintext(base, purpose, nonce, h, w, m, ct, proof) {
  const r1 = baseMul(proof.z1).sub(ct.alpha.mulPublic(proof.e1));
  const r2 = h.mulPublic(proof.z1).sub(ct.beta.sub(m).mulPublic(proof.e1));
  const r3 = baseMul(proof.z2).sub(w.mulPublic(proof.e2));
  const e = dvChallenge(base, purpose, nonce, h, w, m, ct, r1, r2, r3);
  if (!proof.e1.add(proof.e2).equals(e)) {
    throw new InvalidProof(`${purpose}: the ciphertext does not encrypt the point named`);
  }
  return true;
}
