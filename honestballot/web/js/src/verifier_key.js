/**
 * The service's designated-verifier key W and its proof of knowledge of w
 * (protocol/verifier_key.py, docs/coercion.md §7).  The setup names W (the base hash binds
 * it as the last part of `election/board-keys`) with a Schnorr proof bound to the base hash:
 *
 *     R = s*G - e*W,  accept iff e == hash_to_scalar("verifier-key", B base hash, P W, P R)
 *
 * and W is never the identity.  The device takes W only from a context it verified this
 * way: the designated-verifier proofs it makes are no receipt only because the holder of
 * w could have made them for any point.
 */

import { InvalidProof } from './errors.js';
import { verifyDlog } from './schnorr.js';

export const VERIFIER_KEY_TAG = 'verifier-key';

/**
 * @param {Uint8Array} baseHash
 * @param {import('./group.js').Point} verifierKey
 * @param {import('./schnorr.js').SchnorrProof} proof
 */
export function verifyVerifierKey(baseHash, verifierKey, proof) {
  const what = "the service's designated-verifier key W";
  if (verifierKey.isIdentity()) throw new InvalidProof(`${what} is the identity`);
  verifyDlog(
    VERIFIER_KEY_TAG,
    [baseHash],
    verifierKey,
    proof,
    `${what}: its proof of knowledge of w`,
  );
}
