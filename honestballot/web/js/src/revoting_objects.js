/**
 * Registrations and ballots version 2 on the voter's device (docs/coercion.md §2.4, §3),
 * byte for byte as honestballot/protocol/registration.py and protocol/ballot_v2.py, with
 * their JSON as honestballot/record/revoting.py writes it.
 *
 * A registration encrypts the credential's voting point sigma, its tag point tau, the
 * voter's handle V and activation point A, and proves knowledge of sigma's credential
 * (representation, base P), of the randomness of Enc(tau) and Enc(V), and of A's
 * activation scalar (representation, base P_act), every challenge bound to the
 * statement hash `registration/statement`.  A ballot version 2 encrypts sigma and tau
 * beside its contests, proves the credential and Enc(tau)'s randomness, and its contest
 * proofs name the statement hash `ballot/statement` where version 1 names the credential.
 * Beside each, the device proves privately to the service (designated verifier W) what
 * each credential ciphertext encrypts.
 */

import {
  checkSelections,
  contestPlaintexts,
  encryptContest,
  proveContest,
  trackingCode,
} from './ballot.js';
import { toHex } from './bytes.js';
import { Ciphertext } from './elgamal.js';
import { InvalidProof } from './errors.js';
import { baseMul } from './group.js';
import { hashBytes, hashToScalar } from './hashing.js';
import {
  activationBase,
  credentialBase,
  letterDerivations,
  proveDesignatedPlaintext,
  seedDerivations,
} from './revoting.js';

/** @typedef {import('./group.js').Point} Point */
/** @typedef {import('./group.js').Scalar} Scalar */
/** @typedef {import('./hashing.js').Part} Part */
/** @typedef {import('./randomness.js').ScalarSource} ScalarSource */
/** @typedef {import('./context.js').ElectionContext} ElectionContext */

export const REGISTRATION_PURPOSES = [
  'registration/tag',
  'registration/credential',
  'registration/handle',
  'registration/activation',
];
export const BALLOT_PURPOSES = ['ballot/credential', 'ballot/tag'];

/** `(r*G, r*H + M)` @param {Point} h @param {Point} m @param {Scalar} r */
export const encryptPoint = (h, m, r) => new Ciphertext(baseMul(r), h.mul(r).add(m));

/** `ct(E) = L(P alpha, P beta)` @param {Ciphertext} ct @returns {Part} */
const ctPart = (ct) => [ct.alpha, ct.beta];

/**
 * Proof of knowledge of a ciphertext's randomness at a place (crypto/plaintext_awareness.py):
 * one draw `w`, `R = w*G`, `e = H("randomness-proof", place..., H, alpha, beta, R)`.
 * @param {Part[]} place @param {Point} h @param {Ciphertext} ct @param {Scalar} r
 * @param {ScalarSource} rng
 */
export function proveRandomness(place, h, ct, r, rng) {
  const w = rng.scalar();
  const e = hashToScalar('randomness-proof', ...place, h, ct.alpha, ct.beta, baseMul(w));
  return { challenge: e, response: w.add(e.mul(r)) };
}

/**
 * Throws {@link InvalidProof} naming `what` unless `proof` shows knowledge of the
 * randomness of `ct` at `place` (crypto/plaintext_awareness.verify_randomness):
 * `R = s*G - e*alpha`, accepted iff `e = H("randomness-proof", place..., H, alpha, beta, R)`.
 * @param {Part[]} place @param {Point} h @param {Ciphertext} ct
 * @param {{challenge: Scalar, response: Scalar}} proof @param {string} what
 */
export function verifyRandomness(place, h, ct, proof, what) {
  if (ct.alpha.isIdentity()) throw new InvalidProof(`${what}: the ciphertext has randomness zero`);
  const r = baseMul(proof.response).sub(ct.alpha.mulPublic(proof.challenge));
  const e = hashToScalar('randomness-proof', ...place, h, ct.alpha, ct.beta, r);
  if (!e.equals(proof.challenge)) {
    throw new InvalidProof(`${what}: proof of randomness does not verify`);
  }
}

/**
 * Proof of knowledge of `(s, m)` with `ct = (s*G, s*H + m*base)` (crypto/representation.py):
 * draws `w_s`, `w_m`; `e = H(tag, context..., H, base, alpha, beta, A1, A2)`.
 * @param {string} tag @param {Part[]} context @param {Point} h @param {Point} base
 * @param {Ciphertext} ct @param {Scalar} s @param {Scalar} m @param {ScalarSource} rng
 */
export function proveRepresentation(tag, context, h, base, ct, s, m, rng) {
  const ws = rng.scalar();
  const wm = rng.scalar();
  const a1 = baseMul(ws);
  const a2 = h.mul(ws).add(base.mul(wm));
  const e = hashToScalar(tag, ...context, h, base, ct.alpha, ct.beta, a1, a2);
  return { challenge: e, responseRandomness: ws.add(e.mul(s)), responseSecond: wm.add(e.mul(m)) };
}

/** @param {{challenge: Scalar, response: Scalar}} p */
const randomnessJson = (p) => ({ c: p.challenge.hex(), s: p.response.hex() });
/**
 * @param {{challenge: Scalar, responseRandomness: Scalar, responseSecond: Scalar}} p
 * @param {string} second
 */
const representationJson = (p, second) => ({
  c: p.challenge.hex(),
  s_randomness: p.responseRandomness.hex(),
  [`s_${second}`]: p.responseSecond.hex(),
});
/** @param {Ciphertext} ct */
const ctJson = (ct) => ({ alpha: ct.alpha.hex(), beta: ct.beta.hex() });
/** @param {{e1: Scalar, e2: Scalar, z1: Scalar, z2: Scalar}} p */
const dvJson = (p) => ({ e1: p.e1.hex(), e2: p.e2.hex(), z1: p.z1.hex(), z2: p.z2.hex() });

/**
 * @typedef {object} Commitment - the service's commitment to what a registration revokes
 * @property {Uint8Array} nonce
 * @property {Ciphertext} revokes
 * @property {{challenge: Scalar, response: Scalar}} proof
 */

/**
 * Throws {@link InvalidProof} unless the service's proof of Enc(R) verifies (the device
 * checks it before it registers).
 * @param {Uint8Array} base @param {Point} h @param {Commitment} c
 */
export function verifyCommitment(base, h, c) {
  const what = "the service's commitment, revokes";
  if (c.nonce.length !== 32) throw new InvalidProof(`${what}: the nonce is not 32 bytes`);
  verifyRandomness([base, 'registration-nonce', c.nonce, 'revokes', 0], h, c.revokes, c.proof, what);
}

/**
 * The device's registration (protocol/registration.make_registration), its JSON, its
 * tracking hash and code, and the private part for the service.  Draws, in order: the
 * randomness of Enc(sigma), Enc(tau), Enc(V), Enc(A) (nonzero); the credential proof's
 * two; the tag proof's; the handle proof's; the activation proof's two; each
 * designated-verifier proof's three (tag, credential, handle, activation).
 * @param {Uint8Array} base @param {Point} h @param {Point} w - the service's key
 * @param {Commitment} commitment @param {Uint8Array} seed @param {Uint8Array} letter
 * @param {ScalarSource} rng
 */
export function makeRegistration(base, h, w, commitment, seed, letter, rng) {
  verifyCommitment(base, h, commitment);
  const cred = seedDerivations(seed, base);
  const l = letterDerivations(letter, base);
  const [rSigma, rTau, rV, rA] = [0, 1, 2, 3].map(() => rng.nonzeroScalar());
  const credential = encryptPoint(h, cred.votingPoint, rSigma);
  const tag = encryptPoint(h, cred.tagPoint, rTau);
  const handle = encryptPoint(h, l.handle, rV);
  const activation = encryptPoint(h, l.activationPoint, rA);
  const p = credentialBase(base);
  const pAct = activationBase(base);
  const st = hashBytes(
    'registration/statement', base, h, p, pAct, commitment.nonce, ctPart(credential),
    ctPart(tag), ctPart(handle), ctPart(activation), ctPart(commitment.revokes),
    [commitment.proof.challenge, commitment.proof.response],
  );
  const context = [base, 'registration', st];
  const credentialProof = proveRepresentation(
    'credential-proof', context, h, p, credential, rSigma, cred.signingScalar, rng,
  );
  const tagProof = proveRandomness([base, 'registration', st, 'tag', 0], h, tag, rTau, rng);
  const handleProof = proveRandomness([base, 'registration', st, 'handle', 0], h, handle, rV, rng);
  const activationProof = proveRepresentation(
    'activation-proof', context, h, pAct, activation, rA, l.activationScalar, rng,
  );
  const messages = [cred.tagPoint, cred.votingPoint, l.handle, l.activationPoint];
  const cts = [tag, credential, handle, activation];
  const rs = [rTau, rSigma, rV, rA];
  const dv = REGISTRATION_PURPOSES.map((purpose, i) =>
    proveDesignatedPlaintext(
      base, purpose, st, h, w, messages[i], cts[i], rs[i], rng,
    ),
  );
  const scalars = [
    credentialProof.challenge, credentialProof.responseRandomness, credentialProof.responseSecond,
    tagProof.challenge, tagProof.response, handleProof.challenge, handleProof.response,
    activationProof.challenge, activationProof.responseRandomness, activationProof.responseSecond,
  ];
  const tracking = hashBytes('registration/tracking', st, scalars);
  return {
    registration: {
      type: 'registration',
      version: 1,
      election: toHex(base),
      nonce: toHex(commitment.nonce),
      credential: ctJson(credential),
      tag: ctJson(tag),
      handle: ctJson(handle),
      activation: ctJson(activation),
      revokes: ctJson(commitment.revokes),
      revokes_proof: randomnessJson(commitment.proof),
      credential_proof: representationJson(credentialProof, 'credential'),
      tag_proof: randomnessJson(tagProof),
      handle_proof: randomnessJson(handleProof),
      activation_proof: representationJson(activationProof, 'activation'),
    },
    private: {
      tag_secret: toHex(cred.tagSecret),
      voting_point: cred.votingPoint.hex(),
      proofs: {
        tag: dvJson(dv[0]),
        credential: dvJson(dv[1]),
        handle: dvJson(dv[2]),
        activation: dvJson(dv[3]),
      },
    },
    statement_hash: toHex(st),
    tracking_hash: toHex(tracking),
    tracking_code: trackingCode(tracking),
  };
}

/**
 * A ballot version 2 (protocol/ballot_v2.encrypt_ballot_v2), its opening (the contests
 * only), the private part for the service, its statement and tracking hashes and code.
 * Draws, in order: the randomness of Enc(sigma), Enc(tau) (nonzero); each contest's
 * ciphertexts' randomness; the credential proof's two; the tag proof's; each contest's
 * proofs; the two designated-verifier proofs' three each (credential, then tag).
 * @param {ElectionContext} ctx
 * @param {Uint8Array} seed
 * @param {Point} w - the service's key
 * @param {Record<string, string[] | Set<string>>} selections
 * @param {ScalarSource} rng
 */
export function encryptBallotV2(ctx, seed, w, selections, rng) {
  const choices = checkSelections(ctx, selections);
  const base = ctx.baseHash;
  const h = ctx.publicKey;
  const cred = seedDerivations(seed, base);
  const rSigma = rng.nonzeroScalar();
  const rTau = rng.nonzeroScalar();
  const credential = encryptPoint(h, cred.votingPoint, rSigma);
  const tag = encryptPoint(h, cred.tagPoint, rTau);
  const contests = ctx.manifest.contests;
  const plain = contests.map((c) => contestPlaintexts(c, /** @type {any} */ (choices.get(c.id))));
  const encrypted = plain.map((m) => encryptContest(ctx, m, rng));
  const p = credentialBase(base);
  const st = hashBytes(
    'ballot/statement', base, h, p, ctPart(credential), ctPart(tag),
    contests.map((c, i) => [c.id, encrypted[i].cts.map(ctPart)]),
  );
  const credentialProof = proveRepresentation(
    'credential-proof', [base, 'ballot', st], h, p, credential, rSigma, cred.signingScalar, rng,
  );
  const tagProof = proveRandomness([base, 'ballot', st, 'tag', 0], h, tag, rTau, rng);
  const proven = contests.map((c, i) =>
    proveContest(ctx, st, c, encrypted[i].cts, plain[i], encrypted[i].rs, rng),
  );
  const dvCredential = proveDesignatedPlaintext(
    base, BALLOT_PURPOSES[0], st, h, w, cred.votingPoint, credential, rSigma, rng,
  );
  const dvTag = proveDesignatedPlaintext(
    base, BALLOT_PURPOSES[1], st, h, w, cred.tagPoint, tag, rTau, rng,
  );
  /** @type {Scalar[]} */
  const scalars = [];
  for (const ec of proven) {
    const proofs =
      ec.selectionProof === null ? ec.optionProofs : [...ec.optionProofs, ec.selectionProof];
    for (const pr of proofs) scalars.push(...pr.challenges, ...pr.responses);
  }
  scalars.push(
    credentialProof.challenge, credentialProof.responseRandomness, credentialProof.responseSecond,
    tagProof.challenge, tagProof.response,
  );
  const tracking = hashBytes('ballot/tracking', st, scalars);
  return {
    ballot: {
      type: 'ballot',
      version: 2,
      election: toHex(base),
      credential: ctJson(credential),
      tag: ctJson(tag),
      contests: proven.map((ec) => ({
        id: ec.contestId,
        ciphertexts: ec.ciphertexts.map(ctJson),
        option_proofs: ec.optionProofs.map((pr) => ({
          c: pr.challenges.map((x) => x.hex()),
          s: pr.responses.map((x) => x.hex()),
        })),
        ...(ec.selectionProof !== null
          ? {
              selection_proof: {
                c: ec.selectionProof.challenges.map((x) => x.hex()),
                s: ec.selectionProof.responses.map((x) => x.hex()),
              },
            }
          : {}),
      })),
      credential_proof: representationJson(credentialProof, 'credential'),
      tag_proof: randomnessJson(tagProof),
    },
    opening: {
      type: 'ballot-opening',
      version: 1,
      contests: contests.map((c, i) => ({
        id: c.id,
        plaintexts: [...plain[i]],
        randomness: encrypted[i].rs.map((r) => r.hex()),
      })),
    },
    private: {
      tag_secret: toHex(cred.tagSecret),
      voting_point: cred.votingPoint.hex(),
      proofs: { credential: dvJson(dvCredential), tag: dvJson(dvTag) },
    },
    statement_hash: toHex(st),
    tracking_hash: toHex(tracking),
    tracking_code: trackingCode(tracking),
  };
}

