/**
 * Who vouches for the board (protocol/witnesses.py): the board key, the witnesses with
 * their quorum and the organiser's key the setup names, and the witnesses' co-signatures
 * of tree heads (record/witness.py).
 *
 * The base hash binds the board's keys through
 *
 *     board_keys_hash = H("election/board-keys", board_key, [[name, key], ...], quorum,
 *                         organiser_key or b"", verifier_key, schedule or b"")
 * (the schedule with its cover: L(I interval, L(hours), L(I k0, I epsilon_milli)))
 *
 * (`verifier_key` is the service's designated-verifier key W, docs/coercion.md §7.)
 *
 * A co-signature is a Schnorr signature by the witness's key under tag `board/cosignature`
 * with context `(base_hash, witness_key)` over
 *
 *     signing_bytes(tree head, log_id) || u64 witnessed_ms
 *
 * A tree head is *witnessed* when at least `quorum` distinct witnesses named in the setup
 * co-signed exactly it.
 */

import { concat, equalBytes, pyStrip, uintBE } from './bytes.js';
import { InvalidProof, RecordFormatError } from './errors.js';
import { Point } from './group.js';
import { hashBytes } from './hashing.js';
import { checkSize } from './merkle.js';
import { Reader } from './reader.js';
import { schnorrFromJson } from './ballot_record.js';
import { verifySignature } from './schnorr.js';
import { logId, signingBytes } from './tree_head.js';

export const COSIGNATURE_TAG = 'board/cosignature';
export const MAX_WITNESSES = 32;
export const MAX_WITNESS_NAME = 100;

/** @typedef {import('./tree_head.js').TreeHead} TreeHead */

/**
 * @typedef {object} Witness
 * @property {string} name
 * @property {Point} key
 */

/**
 * @typedef {object} Schedule
 * @property {number} interval - seconds between batches
 * @property {ReadonlyArray<readonly [number, number]>} hours - [rows, registrations] a batch
 * @property {Cover} cover - the cover replacements' public parameters
 */

/**
 * @typedef {object} Cover
 * @property {number} k0 - K0, the cover replacements' number before noise
 * @property {number} epsilonMilli - epsilon of the noise, in thousandths
 */

/**
 * @typedef {object} BoardKeys
 * @property {Point} boardKey
 * @property {readonly Witness[]} witnesses
 * @property {number} quorum
 * @property {Point | null} organiserKey
 * @property {Point} verifierKey - the service's designated-verifier key W
 * @property {Schedule | null} schedule - the batch schedule of an election with re-voting
 *   protection (docs/coercion.md §4), null for one without
 */

/**
 * @typedef {object} Cosignature
 * @property {TreeHead} head
 * @property {Point} witness
 * @property {bigint} witnessedMs
 * @property {import('./schnorr.js').SchnorrProof} signature
 */

/**
 * @param {unknown} value
 * @param {string} path
 * @returns {Witness}
 */
function witnessFromJson(value, path) {
  const r = new Reader(value, path);
  const w = { name: r.text('name', MAX_WITNESS_NAME), key: r.point('key') };
  r.done();
  return Object.freeze(w);
}

/**
 * Check the rules of BoardKeys.check; throws RecordFormatError prefixed with `path`.
 * @param {BoardKeys} keys
 * @param {string} path
 */
function checkBoardKeys(keys, path) {
  const fail = (/** @type {string} */ why) => {
    throw new RecordFormatError(`${path}: ${why}`);
  };
  /** @type {Set<string>} */
  const keysSeen = new Set([keys.boardKey.hex()]);
  if (keys.organiserKey !== null) {
    if (keys.organiserKey.equals(keys.boardKey)) {
      fail("the organiser's key must differ from the board key");
    }
    keysSeen.add(keys.organiserKey.hex());
  }
  if (keysSeen.has(keys.verifierKey.hex())) {
    fail(
      "the service's designated-verifier key W must be its own (not the board key or the " +
        "organiser's)",
    );
  }
  keysSeen.add(keys.verifierKey.hex());
  /** @type {Set<string>} */
  const names = new Set();
  for (const w of keys.witnesses) {
    if (!pyStrip(w.name)) fail(`a witness's name is 1 to ${MAX_WITNESS_NAME} characters`);
    if (names.has(w.name)) fail(`two witnesses are named ${JSON.stringify(w.name)}`);
    if (keysSeen.has(w.key.hex())) {
      fail(
        `witness ${JSON.stringify(w.name)}: its key must be its own (not the board's, ` +
          "the organiser's, the service's verifier key or another witness's)",
      );
    }
    names.add(w.name);
    keysSeen.add(w.key.hex());
  }
  if (keys.quorum > keys.witnesses.length) {
    fail(
      `the witness quorum must be between 0 and the ${keys.witnesses.length} witnesses ` +
        `named, not ${keys.quorum}`,
    );
  }
  if (keys.witnesses.length > 0 && 2 * keys.quorum <= keys.witnesses.length) {
    fail(
      `the witness quorum must be more than half of the ${keys.witnesses.length} witnesses, ` +
        `not ${keys.quorum}`,
    );
  }
}

/**
 * Read the board's keys from an object's reader (a setup body or an election context):
 * `board_key`, `witnesses`, `witness_quorum`, if there is one, `organiser_key`, and
 * `verifier_key` (W; its proof is checked with the base hash, context.js).
 * Identity keys are refused as points; the caller calls `done` if it must.
 * @param {Reader} r
 * @returns {BoardKeys}
 */
export function boardKeysFromReader(r) {
  const boardKey = r.point('board_key');
  const witnesses = Object.freeze(r.items('witnesses', witnessFromJson, MAX_WITNESSES));
  const quorum = r.integer('witness_quorum', 0);
  if (quorum > MAX_WITNESSES) {
    throw new RecordFormatError(
      `${r.path}.witness_quorum: ${quorum} is above the maximum ${MAX_WITNESSES}`,
    );
  }
  const organiserKey = r.has('organiser_key') ? r.point('organiser_key') : null;
  const verifierKey = r.point('verifier_key');
  const schedule = r.has('schedule')
    ? scheduleFromJson(r.raw('schedule'), `${r.path}.schedule`)
    : null;
  /** @type {BoardKeys} */
  const keys = Object.freeze({ boardKey, witnesses, quorum, organiserKey, verifierKey, schedule });
  checkBoardKeys(keys, r.path);
  return keys;
}

/**
 * The setup's batch schedule (record/witness.schedule_from_json; its rules are
 * protocol/schedule.py's: the base hash binds it, and the service and `verify` check it).
 * @param {unknown} value
 * @param {string} path
 * @returns {Schedule}
 */
function scheduleFromJson(value, path) {
  const r = new Reader(value, path);
  const interval = r.integer('interval', 10);
  if (interval > 3600 || 3600 % interval !== 0) {
    throw new RecordFormatError(
      `${path}.interval: a batch interval is 10 to 3600 seconds and divides the hour`,
    );
  }
  const listed = r.array('hours', 744);
  if (listed.length === 0) {
    throw new RecordFormatError(`${path}.hours: a schedule lists 1 to 744 hours`);
  }
  const hours = listed.map((hour, h) => {
    const counts = (v) => Number.isSafeInteger(v) && v >= 1 && v <= 5000;
    if (!Array.isArray(hour) || hour.length !== 2 || !hour.every(counts)) {
      throw new RecordFormatError(
        `${path}.hours[${h}]: an hour of the schedule is [rows, registrations]`,
      );
    }
    return Object.freeze([hour[0], hour[1]]);
  });
  const cover = coverFromJson(r.raw('cover'), `${path}.cover`, interval, hours);
  r.done();
  return Object.freeze({ interval, hours: Object.freeze(hours), cover });
}

/**
 * The schedule's cover: the cover replacements' K0 and epsilon in thousandths
 * (record/witness.cover_from_json and protocol/schedule.py's rules: K0 0 to 100,000 and
 * at most the listed hours' row slots and half their registration slots; epsilon_milli
 * 10 to 1,000,000).
 * @param {unknown} value
 * @param {string} path
 * @param {number} interval
 * @param {ReadonlyArray<readonly [number, number]>} hours
 * @returns {Cover}
 */
function coverFromJson(value, path, interval, hours) {
  const r = new Reader(value, path);
  const k0 = r.integer('k0', 0);
  const epsilonMilli = r.integer('epsilon_milli', 10);
  r.done();
  if (epsilonMilli > 1_000_000) {
    throw new RecordFormatError(`${path}.epsilon_milli: ${epsilonMilli} is above 1000000`);
  }
  const perHour = 3600 / interval;
  const rows = perHour * hours.reduce((sum, h) => sum + h[0], 0);
  const registrations = perHour * hours.reduce((sum, h) => sum + h[1], 0);
  const room = Math.min(100_000, rows, Math.floor(registrations / 2));
  if (k0 > room) {
    throw new RecordFormatError(`${path}.k0: the cover's K0 (${k0}) does not fit: at most ${room}`);
  }
  return Object.freeze({ k0, epsilonMilli });
}

/**
 * What the base hash binds of the board's keys (protocol/witnesses.board_keys_hash).
 * @param {BoardKeys} keys
 * @returns {Uint8Array}
 */
export function boardKeysHash(keys) {
  return hashBytes(
    'election/board-keys',
    keys.boardKey,
    keys.witnesses.map((w) => [w.name, w.key]),
    keys.quorum,
    keys.organiserKey ?? new Uint8Array(0),
    keys.verifierKey,
    keys.schedule
      ? [
          keys.schedule.interval,
          keys.schedule.hours.map((h) => [h[0], h[1]]),
          [keys.schedule.cover.k0, keys.schedule.cover.epsilonMilli],
        ]
      : new Uint8Array(0),
  );
}

/**
 * Parse a co-signature line strictly (record/witness.cosignature_from_json).
 * @param {unknown} value
 * @param {string} [path]
 * @returns {Cosignature}
 */
export function cosignatureFromJson(value, path = 'cosignature') {
  const r = new Reader(value, path);
  if (r.text('type', 16) !== 'cosignature') {
    throw new RecordFormatError(`${path}: expected a cosignature`);
  }
  /** @type {TreeHead} */
  const head = {
    size: checkSize(r.integer('size', 0), 'co-signed head size'),
    root: r.hexbytes('root', 32),
    timestampMs: checkSize(r.integer('timestamp_ms', 0), 'co-signed head timestamp'),
  };
  const witness = r.point('witness');
  const witnessedMs = checkSize(r.integer('witnessed_ms', 0), 'co-signature time');
  const signature = schnorrFromJson(r.raw('signature'), `${path}.signature`);
  r.done();
  return { head, witness, witnessedMs, signature };
}

/**
 * The exact message a co-signature covers (protocol/witnesses.cosignature_message).
 * @param {TreeHead} head
 * @param {Uint8Array} log
 * @param {bigint} witnessedMs
 */
export function cosignatureMessage(head, log, witnessedMs) {
  return concat(signingBytes(head, log), uintBE(witnessedMs, 8));
}

/**
 * The witness the setup names with `key`; throws if none.
 * @param {BoardKeys} keys
 * @param {Point} key
 * @returns {Witness}
 */
export function namedWitness(keys, key) {
  const found = keys.witnesses.find((w) => w.key.equals(key));
  if (!found) {
    throw new InvalidProof(`${key.hex()} is not the key of a witness of this election`);
  }
  return found;
}

/**
 * Check that a witness the setup names made this co-signature (Cosignature.verify).
 * @param {Cosignature} cosig
 * @param {Uint8Array} baseHash
 * @param {string} electionId
 * @param {BoardKeys} keys
 * @returns {Witness} the witness who co-signed
 */
export function verifyCosignature(cosig, baseHash, electionId, keys) {
  if (typeof electionId !== 'string') throw new TypeError('the election id is a string');
  const witness = namedWitness(keys, cosig.witness);
  verifySignature(
    COSIGNATURE_TAG,
    [baseHash, cosig.witness],
    cosignatureMessage(cosig.head, logId(electionId), cosig.witnessedMs),
    cosig.witness,
    cosig.signature,
    `co-signature by witness ${JSON.stringify(witness.name)} of the tree head of size ` +
      `${cosig.head.size}`,
  );
  return witness;
}

/**
 * @param {TreeHead} a
 * @param {TreeHead} b
 */
function sameHead(a, b) {
  return a.size === b.size && a.timestampMs === b.timestampMs && equalBytes(a.root, b.root);
}

/**
 * Check that `head` is witnessed: every co-signature given is for exactly this head (size,
 * root and time), by a distinct witness the setup names, with a valid signature, and there
 * are at least `quorum` of them.  Throws naming the first failure.
 * @param {TreeHead} head
 * @param {readonly Cosignature[]} cosignatures
 * @param {Uint8Array} baseHash
 * @param {string} electionId
 * @param {BoardKeys} keys
 * @returns {Witness[]} the witnesses who co-signed, in the order given
 */
export function verifyQuorum(head, cosignatures, baseHash, electionId, keys) {
  /** @type {Set<string>} */
  const seen = new Set();
  /** @type {Witness[]} */
  const signers = [];
  for (const cosig of cosignatures) {
    if (!sameHead(cosig.head, head)) {
      throw new InvalidProof(
        `a co-signature is for another tree head (size ${cosig.head.size}) than the one ` +
          `of size ${head.size}`,
      );
    }
    const witness = verifyCosignature(cosig, baseHash, electionId, keys);
    if (seen.has(witness.key.hex())) {
      throw new InvalidProof(
        `witness ${JSON.stringify(witness.name)} co-signed the tree head of size ` +
          `${head.size} twice`,
      );
    }
    seen.add(witness.key.hex());
    signers.push(witness);
  }
  if (signers.length < keys.quorum) {
    throw new InvalidProof(
      `tree head of size ${head.size}: co-signed by ${signers.length} of the witnesses, ` +
        `the setup asks for ${keys.quorum}`,
    );
  }
  return signers;
}
