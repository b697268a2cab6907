/**
 * honestballot's in-browser cryptography: the public surface, `globalThis.HonestBallot`.
 *
 * Everything crosses this boundary as JSON-ready values (hex strings, plain objects in
 * the record format of docs/record-format.md); the typed values stay inside.  Every check
 * returns `true` or throws an Error (a subclass of `HonestBallot.errors.HonestBallotError`
 * for a deliberate refusal) whose message names what failed.  A credential's seed
 * leaves only as the `HB2-` code the voter keeps; it is never logged.
 */

import { trackingCode as codeOf } from './ballot.js';
import { fromHex, toHex, utf8 } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { readContext } from './context.js';
import * as errors from './errors.js';
import { Point, Scalar } from './group.js';
import { hashBytes, hashToPoint, hashToScalar } from './hashing.js';
import { manifestFromJson, manifestHash as hashManifest } from './manifest.js';
import * as merkle from './merkle.js';
import { SYSTEM_RANDOMNESS, fixedRandomness } from './randomness.js';
import { Reader, parsed } from './reader.js';
import {
  letterDerivations,
  letterFromCode,
  proveDesignatedPlaintext,
  seedDerivations,
  seedFromCode,
  verifyDesignatedPlaintext,
} from './revoting.js';
import { encryptBallotV2, makeRegistration } from './revoting_objects.js';
import {
  ballotV2FromJson,
  ballotV2TrackingHash,
  castRowFromJson,
  verifyCastRowService,
} from './revoting_record.js';
import { verifyTreeHead as verifyHead } from './tree_head.js';
import {
  MAX_WITNESSES,
  boardKeysFromReader,
  boardKeysHash as hashBoardKeys,
  cosignatureFromJson,
  verifyCosignature as verifyCosig,
  verifyQuorum,
} from './witness.js';

/**
 * @param {string} trackingHashHex - a 32-byte tracking hash
 * @returns {string} `ABCD-EFGH-IJKL-MNOP`
 */
function trackingCode(trackingHashHex) {
  return codeOf(fromHex(trackingHashHex, 'tracking hash', 32));
}

/**
 * RFC 9162 leaf hash of an entry given as bytes or as hex.
 * @param {Uint8Array | string} data
 * @returns {string} hex
 */
function leafHash(data) {
  const bytes = typeof data === 'string' ? fromHex(data, 'leaf data') : data;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('leafHash needs bytes or hex');
  return toHex(merkle.leafHash(bytes));
}

/**
 * The leaf hash of a board event line: `SHA-256(0x00 || canonical JSON of the line)`.
 * @param {object} eventLine
 * @returns {string} hex
 */
function eventLeafHash(eventLine) {
  return toHex(merkle.leafHash(utf8(canonicalJson(eventLine))));
}

/** @param {unknown} list @param {string} what */
function hashList(list, what) {
  if (!Array.isArray(list)) throw new TypeError(`${what} must be an array of hex hashes`);
  return list.map((h, i) => fromHex(h, `${what}[${i}]`, 32));
}

/**
 * @param {string} leafHashHex
 * @param {number | bigint} index
 * @param {number | bigint} treeSize
 * @param {string[]} proofHexArray
 * @param {string} rootHex
 * @returns {true}
 */
function verifyInclusion(leafHashHex, index, treeSize, proofHexArray, rootHex) {
  merkle.verifyInclusion(
    fromHex(leafHashHex, 'leaf hash', 32),
    index,
    treeSize,
    hashList(proofHexArray, 'inclusion proof'),
    fromHex(rootHex, 'root hash', 32),
  );
  return true;
}

/**
 * @param {number | bigint} oldSize
 * @param {number | bigint} newSize
 * @param {string} oldRootHex
 * @param {string} newRootHex
 * @param {string[]} proofHexArray
 * @returns {true}
 */
function verifyConsistency(oldSize, newSize, oldRootHex, newRootHex, proofHexArray) {
  merkle.verifyConsistency(
    oldSize,
    newSize,
    fromHex(oldRootHex, 'old root hash', 32),
    fromHex(newRootHex, 'new root hash', 32),
    hashList(proofHexArray, 'consistency proof'),
  );
  return true;
}

/**
 * @param {object | string} signedTreeHeadJson - a `tree-head` line
 * @param {string} electionId
 * @param {string} boardKeyHex
 * @returns {true}
 */
function verifyTreeHead(signedTreeHeadJson, electionId, boardKeyHex) {
  verifyHead(signedTreeHeadJson, electionId, Point.fromHex(boardKeyHex, 'board key'));
  return true;
}

/**
 * An election context whose board keys are bound by its base hash (it carries
 * `election_key_hash`, so readContext recomputed the base hash from them and checked the
 * proof of the service's designated-verifier key W).
 * @param {object | string} context
 */
function boundContext(context) {
  const ctx = readContext(context);
  if (ctx.boardKeys === null || ctx.verifierKey === null) {
    throw new errors.RecordFormatError(
      "context: without election_key_hash the board's keys cannot be checked against the " +
        'base hash',
    );
  }
  return { ...ctx, boardKeys: ctx.boardKeys, verifierKey: ctx.verifierKey };
}

/**
 * @param {unknown} list
 */
function cosignatureList(list) {
  const items = parsed(list, 'co-signatures');
  if (!Array.isArray(items)) throw new errors.RecordFormatError('co-signatures: expected a list');
  if (items.length > MAX_WITNESSES) {
    throw new errors.RecordFormatError(`co-signatures: more than ${MAX_WITNESSES} items`);
  }
  return items.map((c, i) => cosignatureFromJson(parsed(c, 'co-signature'), `cosignatures[${i}]`));
}

/**
 * The hash the base hash binds of the board's keys (protocol/witnesses.board_keys_hash).
 * @param {object | string} boardKeysJson - `{board_key, witnesses: [{name, key}],
 *   witness_quorum}` and, if there is one, `organiser_key` (as the setup body has them)
 * @returns {string} hex
 */
function boardKeysHash(boardKeysJson) {
  const r = new Reader(parsed(boardKeysJson, 'board keys'), 'board keys');
  const keys = boardKeysFromReader(r);
  r.done();
  return toHex(hashBoardKeys(keys));
}

/**
 * Check one co-signature: by a witness the context names, of the head it states, under
 * the context's base hash (record/witness.Cosignature.verify).
 * @param {object | string} cosignatureJson - a `cosignature` line
 * @param {object | string} context - with `election_key_hash` and the board's keys
 * @returns {true}
 */
function verifyCosignature(cosignatureJson, context) {
  const ctx = boundContext(context);
  const cosig = cosignatureFromJson(parsed(cosignatureJson, 'co-signature'));
  verifyCosig(cosig, ctx.baseHash, ctx.electionId, ctx.boardKeys);
  return true;
}

/**
 * Check a tree head the board shows as final: signed by the board key the context names
 * and witnessed, i.e. every co-signature given is for exactly this head (size, root,
 * time), by a distinct witness the context names, with a valid signature, and there are
 * at least the context's `witness_quorum` of them (with no witnesses named: none).
 * @param {object | string} signedTreeHeadJson - a `tree-head` line
 * @param {object[] | string} cosignaturesJson - `cosignature` lines
 * @param {object | string} context - with `election_key_hash` and the board's keys
 * @returns {true}
 */
function verifyWitnessedHead(signedTreeHeadJson, cosignaturesJson, context) {
  const ctx = boundContext(context);
  const head = verifyHead(signedTreeHeadJson, ctx.electionId, ctx.boardKeys.boardKey);
  const cosignatures = cosignatureList(cosignaturesJson);
  verifyQuorum(head, cosignatures, ctx.baseHash, ctx.electionId, ctx.boardKeys);
  return true;
}

/**
 * The encrypted options of every contest, in ballot order, with the labels of the
 * exclusive `against-all` and `blank` options the manifest JSON does not spell out, and
 * each contest's `method` (null, or "irv" / "schulze" for a ranked contest, whose
 * `max_selections` is its number of rank positions).
 * @param {object | string} manifest - the manifest JSON
 */
function contestOptions(manifest) {
  const m = manifestFromJson(parsed(manifest, 'manifest'));
  return m.contests.map((c) => ({
    id: c.id,
    title: { ...c.title },
    method: c.method,
    min_selections: c.minSelections,
    max_selections: c.maxSelections,
    options: c.options.map((o) => ({ id: o.id, label: { ...o.label }, exclusive: o.exclusive })),
  }));
}

/**
 * @param {object | string} manifest - the manifest JSON
 * @returns {string} hex of protocol/election.manifest_hash
 */
function manifestHash(manifest) {
  return toHex(hashManifest(manifestFromJson(parsed(manifest, 'manifest'))));
}

/**
 * Typed hash parts from JSON: `{P: hex}`, `{S: hex}`, `{B: hex}`, `{T: text}`,
 * `{I: decimal}`, `{L: [parts]}` (for known-answer tests of the hashing layout).
 * @param {unknown} spec
 * @returns {import('./hashing.js').Part}
 */
function typedPart(spec) {
  const [[kind, value]] = Object.entries(/** @type {object} */ (spec));
  switch (kind) {
    case 'P':
      return Point.fromHex(value, 'P', { allowIdentity: true });
    case 'S':
      return Scalar.fromHex(value, 'S');
    case 'B':
      return fromHex(value, 'B');
    case 'T':
      return String(value);
    case 'I':
      return BigInt(value);
    case 'L':
      return /** @type {unknown[]} */ (value).map(typedPart);
    default:
      throw new TypeError(`unknown part type ${kind}`);
  }
}

/** Hash primitives over typed JSON parts, hex out (for known-answer tests and tools). */
const primitives = Object.freeze({
  /** @param {string} tag @param {unknown[]} parts */
  hashBytes: (tag, parts) => toHex(hashBytes(tag, ...parts.map(typedPart))),
  /** @param {string} tag @param {unknown[]} parts */
  hashToScalar: (tag, parts) => hashToScalar(tag, ...parts.map(typedPart)).hex(),
  /** @param {string} tag @param {unknown[]} parts */
  hashToPoint: (tag, parts) => hashToPoint(tag, ...parts.map(typedPart)).hex(),
});

/** @param {unknown} value @param {string} path */
const pointOf = (value, path) => Point.fromHex(value, path);

/** @param {any} ct */
const ciphertextOf = (ct) => ({
  alpha: Point.fromHex(ct?.alpha, 'ciphertext.alpha'),
  beta: Point.fromHex(ct?.beta, 'ciphertext.beta', { allowIdentity: true }),
});

/**
 * Re-voting protection (docs/coercion.md §2): credential seeds, activation letters and the
 * designated-verifier proof, hex in and out.
 */
const revoting = Object.freeze({
  /** @param {string} seedHex @param {string} baseHex */
  seed: (seedHex, baseHex) => {
    const d = seedDerivations(fromHex(seedHex, 'seed', 32), fromHex(baseHex, 'base hash', 32));
    return {
      signing_scalar: d.signingScalar.hex(),
      voting_point: d.votingPoint.hex(),
      tag_secret: toHex(d.tagSecret),
      tag_point: d.tagPoint.hex(),
      code: d.code,
    };
  },
  /** @param {string} code @returns {string} the seed (hex) */
  seedFromCode: (code) => toHex(seedFromCode(code)),
  /** @param {string} secretHex @param {string} baseHex */
  letter: (secretHex, baseHex) => {
    const d = letterDerivations(fromHex(secretHex, 'letter', 16), fromHex(baseHex, 'base hash', 32));
    return {
      handle: d.handle.hex(),
      activation_scalar: d.activationScalar.hex(),
      activation_point: d.activationPoint.hex(),
      none_point: d.nonePoint.hex(),
      code: d.code,
    };
  },
  /** @param {string} code @returns {string} the letter secret (hex) */
  letterFromCode: (code) => toHex(letterFromCode(code)),
  /**
   * @param {{base: string, purpose: string, nonce: string, public_key: string,
   *   verifier_key: string, message: string, ciphertext: object, randomness: string}} s
   * @param {string[]} [randomScalars] - replayed in order (known-answer tests); else the CSPRNG
   */
  proveDesignatedPlaintext: (s, randomScalars) => {
    const rng = randomScalars ? fixedRandomness(randomScalars) : SYSTEM_RANDOMNESS;
    const p = proveDesignatedPlaintext(
      fromHex(s.base, 'base', 32), String(s.purpose), fromHex(s.nonce, 'nonce'),
      pointOf(s.public_key, 'public_key'), pointOf(s.verifier_key, 'verifier_key'),
      pointOf(s.message, 'message'), ciphertextOf(s.ciphertext),
      Scalar.fromHex(s.randomness, 'randomness'), rng,
    );
    return { e1: p.e1.hex(), e2: p.e2.hex(), z1: p.z1.hex(), z2: p.z2.hex() };
  },
  /**
   * @param {{base: string, purpose: string, nonce: string, public_key: string,
   *   verifier_key: string, message: string, ciphertext: object}} s
   * @param {{e1: string, e2: string, z1: string, z2: string}} proof
   */
  verifyDesignatedPlaintext: (s, proof) =>
    verifyDesignatedPlaintext(
      fromHex(s.base, 'base', 32), String(s.purpose), fromHex(s.nonce, 'nonce'),
      pointOf(s.public_key, 'public_key'), pointOf(s.verifier_key, 'verifier_key'),
      pointOf(s.message, 'message'), ciphertextOf(s.ciphertext),
      {
        e1: Scalar.fromHex(proof.e1, 'e1'), e2: Scalar.fromHex(proof.e2, 'e2'),
        z1: Scalar.fromHex(proof.z1, 'z1'), z2: Scalar.fromHex(proof.z2, 'z2'),
      },
    ),
  /**
   * The device's registration (docs/coercion.md §2.4) on the service's commitment, which
   * it checks first: `{registration, private, statement_hash, tracking_hash,
   * tracking_code}`; `registration` is the board's JSON, `private` goes to the service
   * only (t, sigma and the four designated-verifier proofs).  The election, its key and
   * the service's designated-verifier key W come only from `context`, the setup as the
   * page verified it (with `election_key_hash`, the board's keys, `verifier_key` and
   * `verifier_key_proof`: the base hash is recomputed and W's proof checked here), never
   * from any other answer of the service (docs/coercion.md §7).
   * @param {object | string} context - as for {@link verifyWitnessedHead}, with W
   * @param {{nonce: string, revokes: object, revokes_proof: {c: string, s: string}}}
   *   commitment - the service's commitment for this session
   * @param {string} seedHex - the new credential's seed (32 bytes)
   * @param {string} letterCode - the activation code (`HBL-…`)
   * @param {string[]} [randomScalars] - replayed in order (known-answer tests); else the CSPRNG
   */
  makeRegistration: (context, commitment, seedHex, letterCode, randomScalars) => {
    const ctx = boundContext(context);
    const rng = randomScalars ? fixedRandomness(randomScalars) : SYSTEM_RANDOMNESS;
    return makeRegistration(
      ctx.baseHash, ctx.publicKey, ctx.verifierKey,
      {
        nonce: fromHex(commitment.nonce, 'nonce', 32),
        revokes: ciphertextOf(commitment.revokes),
        proof: {
          challenge: Scalar.fromHex(commitment.revokes_proof?.c, 'revokes_proof.c'),
          response: Scalar.fromHex(commitment.revokes_proof?.s, 'revokes_proof.s'),
        },
      },
      fromHex(seedHex, 'seed', 32), letterFromCode(letterCode), rng,
    );
  },
  /**
   * A ballot version 2 (docs/coercion.md §3) under the credential `seedHex`:
   * `{ballot, opening, private, statement_hash, tracking_hash, tracking_code}`; the
   * opening covers the contests only; `private` goes to the service only, proven to the
   * service's designated-verifier key W of `context` (and of no other source).
   * @param {object | string} context - as for {@link makeRegistration}
   * @param {Record<string, string[]>} selections
   * @param {string} seedHex
   * @param {string[]} [randomScalars] - replayed in order (known-answer tests); else the CSPRNG
   */
  encryptBallot: (context, selections, seedHex, randomScalars) => {
    const ctx = boundContext(context);
    const rng = randomScalars ? fixedRandomness(randomScalars) : SYSTEM_RANDOMNESS;
    return encryptBallotV2(ctx, fromHex(seedHex, 'seed', 32), ctx.verifierKey, selections, rng);
  },
  /**
   * The tracking hash (hex) of the ballot of a cast row as the board shows it (a
   * `cast-row` event's `body.row`), read strictly (record/revoting.cast_row_from_json):
   * the receipt page recomputes it from the board entry it is shown.  The election key
   * comes from `context`; the row's ballot names its election (the base hash) itself.
   * @param {object | string} context - `{public_key, …}` as the page has it
   * @param {object | string} row - the cast row
   * @returns {string}
   */
  castRowTrackingHash: (context, row) => {
    const ctx = readContext(context);
    const r = castRowFromJson(parsed(row, 'cast row'));
    return toHex(ballotV2TrackingHash(r.ballot, ctx.publicKey));
  },
  /**
   * The body of a `cast-row` event as the board shows it, checked as the verifier checks
   * the service's part of it (verify/verifier.py, protocol/ballot_v2.verify_cast_row):
   * the body holds `row` and nothing else, the row reads strictly, its flag is exactly
   * `E0` (a row flagged `E1` is padding, not counted) and its counter's proof of
   * randomness verifies at its place under the context's base hash and election key.
   * Returns the tracking hash (hex) of the row's ballot; throws RecordFormatError or
   * InvalidProof.  (The ballot's own proofs are not checked here: the receipt page
   * compares the tracking hash, which covers every proof scalar, with the ballot made on
   * the device.)
   * @param {object | string} context - as the page has it, with `election_key_hash`
   * @param {object | string} body - the event's body
   * @returns {string}
   */
  castRowEvent: (context, body) => {
    const ctx = boundContext(context);
    const r = new Reader(parsed(body, 'cast-row body'), 'cast-row body');
    const row = castRowFromJson(r.raw('row'), 'cast-row body.row');
    r.done();
    return toHex(verifyCastRowService(row, ctx.baseHash, ctx.publicKey));
  },
  /**
   * The body of an `audit` event of a ballot version 2 as the board shows it (posted at
   * the close): `ballot` and `opening` and nothing else, the ballot read strictly
   * (record/revoting.ballot_v2_from_json).  Returns its tracking hash (hex) under the
   * context's election key; the receipt page compares it with the ballot made on the
   * device.  (The opening is not read here: the page checks which ballot the entry
   * holds.)
   * @param {object | string} context - as the page has it, with `election_key_hash`
   * @param {object | string} body - the event's body
   * @returns {string}
   */
  auditEvent: (context, body) => {
    const ctx = boundContext(context);
    const r = new Reader(parsed(body, 'audit body'), 'audit body');
    const ballot = ballotV2FromJson(r.raw('ballot'), 'audit body.ballot');
    r.raw('opening');
    r.done();
    return toHex(ballotV2TrackingHash(ballot, ctx.publicKey));
  },
});

const HonestBallot = Object.freeze({
  protocol: 'honestballot/v1',
  trackingCode,
  leafHash,
  eventLeafHash,
  verifyInclusion,
  verifyConsistency,
  verifyTreeHead,
  verifyCosignature,
  verifyWitnessedHead,
  boardKeysHash,
  canonicalJson,
  contestOptions,
  manifestHash,
  primitives,
  revoting,
  errors: Object.freeze({ ...errors }),
});

/** @type {any} */ (globalThis).HonestBallot = HonestBallot;
