/**
 * Randomness enters the crypto code only through a {@link ScalarSource}, mirroring
 * honestballot/crypto/randomness.py: the real source reads the browser's CSPRNG, and a
 * fixed source replays scalars (known-answer tests against the Python implementation
 * consume them in exactly the order Python's `encrypt_ballot` draws from its rng).
 */

import { Scalar } from './group.js';
import { systemRandomBytes } from './bytes.js';

/**
 * @typedef {object} ScalarSource
 * @property {() => Scalar} scalar - a uniform scalar (Python `random_scalar`)
 * @property {() => Scalar} nonzeroScalar - a uniform nonzero scalar (`random_nonzero_scalar`)
 */

/** @returns {Scalar} 64 random bytes reduced modulo L (bias below 2^-250). */
function systemScalar() {
  return Scalar.fromUniformBytes(systemRandomBytes(64));
}

/**
 * Rejection sampling, as Python's `random_nonzero_scalar`: draw until nonzero.
 * @param {() => Scalar} draw
 */
function nonzero(draw) {
  for (;;) {
    const s = draw();
    if (!s.isZero()) return s;
  }
}

/** @type {ScalarSource} */
export const SYSTEM_RANDOMNESS = Object.freeze({
  scalar: systemScalar,
  nonzeroScalar: () => nonzero(systemScalar),
});

/**
 * A source that hands out the given scalars in order and throws when they run out.
 * @param {unknown} hexScalars - an array of 64-hex scalar encodings
 * @returns {ScalarSource}
 */
export function fixedRandomness(hexScalars) {
  if (!Array.isArray(hexScalars)) throw new TypeError('randomScalars must be an array of hex');
  const scalars = hexScalars.map((h, i) => Scalar.fromHex(h, `randomScalars[${i}]`));
  let next = 0;
  const draw = () => {
    if (next >= scalars.length) {
      throw new RangeError(`randomScalars ran out after ${scalars.length} scalars`);
    }
    return scalars[next++];
  };
  return { scalar: draw, nonzeroScalar: () => nonzero(draw) };
}
