/**
 * Signed tree heads of the board (crypto/merkle.TreeHead and record/events.SignedTreeHead).
 *
 * The board key signs, with a Schnorr signature under tag `board/tree-head` and context
 * `(board_key,)`, the message
 *
 *     u8 len(TAG) || TAG || u16 len(log_id) || log_id || u64 size || u64 timestamp_ms || root
 *     TAG = "honestballot/v1/tree-head",  log_id = "honestballot:" || election_id
 */

import { concat, uintBE, utf8 } from './bytes.js';
import { LogError, RecordFormatError } from './errors.js';
import { Point } from './group.js';
import { EMPTY_ROOT, checkSize } from './merkle.js';
import { Reader, parsed } from './reader.js';
import { schnorrFromJson } from './ballot_record.js';
import { verifySignature } from './schnorr.js';

const TREE_HEAD_TAG = utf8('honestballot/v1/tree-head');
const SIGNATURE_TAG = 'board/tree-head';

/**
 * @typedef {object} TreeHead
 * @property {bigint} size
 * @property {Uint8Array} root
 * @property {bigint} timestampMs
 */

/** @param {string} electionId */
export function logId(electionId) {
  return utf8(`honestballot:${electionId}`);
}

/**
 * The exact message a tree-head signature covers (TreeHead.signing_bytes).
 * @param {TreeHead} head
 * @param {Uint8Array} log
 */
export function signingBytes(head, log) {
  if (log.length < 1 || log.length > 0xffff) throw new LogError('log id must be 1 to 65535 bytes');
  return concat(
    uintBE(TREE_HEAD_TAG.length, 1),
    TREE_HEAD_TAG,
    uintBE(log.length, 2),
    log,
    uintBE(head.size, 8),
    uintBE(head.timestampMs, 8),
    head.root,
  );
}

/**
 * Parse a tree-head line strictly (record/events.tree_head_from_json).
 * @param {unknown} value
 * @param {string} [path]
 */
export function treeHeadFromJson(value, path = 'tree_head') {
  const r = new Reader(value, path);
  if (r.text('type', 16) !== 'tree-head') {
    throw new RecordFormatError(`${path}: expected a tree-head`);
  }
  /** @type {TreeHead} */
  const head = {
    size: checkSize(r.integer('size', 0), 'tree head size'),
    root: r.hexbytes('root', 32),
    timestampMs: checkSize(r.integer('timestamp_ms', 0), 'tree head timestamp'),
  };
  const signature = schnorrFromJson(r.raw('signature'), `${path}.signature`);
  r.done();
  if (head.size === 0n && !head.root.every((b, i) => b === EMPTY_ROOT[i])) {
    throw new LogError('a tree head of size 0 must carry the empty root');
  }
  return { head, signature };
}

/**
 * Check a signed tree head against the board key of an election (SignedTreeHead.verify);
 * throws naming what failed.
 * @param {unknown} signedTreeHead - the tree-head line, parsed or as JSON text
 * @param {string} electionId
 * @param {Point} boardKey
 * @returns {TreeHead} the head it signs
 */
export function verifyTreeHead(signedTreeHead, electionId, boardKey) {
  if (typeof electionId !== 'string') throw new TypeError('the election id is a string');
  const { head, signature } = treeHeadFromJson(parsed(signedTreeHead, 'tree head'));
  verifySignature(
    SIGNATURE_TAG,
    [boardKey],
    signingBytes(head, logId(electionId)),
    boardKey,
    signature,
    `tree head of size ${head.size}`,
  );
  return head;
}
