/**
 * A strict walker over one parsed JSON object, as record/codec.Reader: exactly the
 * documented keys, the right types, and the path of the offending field in every error.
 */

import { RecordFormatError } from './errors.js';
import { fromHex } from './bytes.js';
import { Point, Scalar } from './group.js';

/**
 * @param {unknown} value
 * @returns {string}
 */
function typeName(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

export class Reader {
  /**
   * @param {unknown} obj
   * @param {string} path
   */
  constructor(obj, path) {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new RecordFormatError(`${path}: expected an object, got ${typeName(obj)}`);
    }
    /** @type {Record<string, unknown>} */
    this.obj = /** @type {Record<string, unknown>} */ (obj);
    this.path = path;
    /** @type {Set<string>} */
    this.seen = new Set();
  }

  /** @param {string} key */
  has(key) {
    return Object.prototype.hasOwnProperty.call(this.obj, key);
  }

  /** @param {string} key */
  raw(key) {
    if (!this.has(key)) {
      throw new RecordFormatError(`${this.path}: missing field '${key}'`);
    }
    this.seen.add(key);
    return this.obj[key];
  }

  /**
   * @param {string} key
   * @param {number} [maxLen]
   * @returns {string}
   */
  text(key, maxLen = 10000) {
    const v = this.raw(key);
    if (typeof v !== 'string') {
      throw new RecordFormatError(`${this.path}.${key}: expected a string`);
    }
    // Python counts code points.
    if (Array.from(v).length > maxLen) {
      throw new RecordFormatError(`${this.path}.${key}: longer than ${maxLen} characters`);
    }
    return v;
  }

  /**
   * @param {string} key
   * @param {number} [minimum]
   * @returns {number}
   */
  integer(key, minimum) {
    const v = this.raw(key);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      throw new RecordFormatError(`${this.path}.${key}: expected an integer`);
    }
    if (minimum !== undefined && v < minimum) {
      throw new RecordFormatError(`${this.path}.${key}: ${v} is below the minimum ${minimum}`);
    }
    return v;
  }

  /** @param {string} key */
  boolean(key) {
    const v = this.raw(key);
    if (typeof v !== 'boolean') {
      throw new RecordFormatError(`${this.path}.${key}: expected true or false`);
    }
    return v;
  }

  /**
   * @param {string} key
   * @param {{allowIdentity?: boolean}} [opts]
   */
  point(key, opts = {}) {
    return decodePoint(this.raw(key), `${this.path}.${key}`, opts);
  }

  /** @param {string} key */
  scalar(key) {
    return decodeScalar(this.raw(key), `${this.path}.${key}`);
  }

  /**
   * @param {string} key
   * @param {number} [length]
   */
  hexbytes(key, length) {
    return recordHex(this.raw(key), `${this.path}.${key}`, length);
  }

  /**
   * @param {string} key
   * @param {number} [maxItems]
   * @returns {unknown[]}
   */
  array(key, maxItems = 100000) {
    const v = this.raw(key);
    if (!Array.isArray(v)) throw new RecordFormatError(`${this.path}.${key}: expected a list`);
    if (v.length > maxItems) {
      throw new RecordFormatError(`${this.path}.${key}: more than ${maxItems} items`);
    }
    return v;
  }

  /**
   * Parse each element of the list `key` with `parse(value, path)`.
   * @template T
   * @param {string} key
   * @param {(value: unknown, path: string) => T} parse
   * @param {number} [maxItems]
   * @returns {T[]}
   */
  items(key, parse, maxItems) {
    return this.array(key, maxItems).map((item, i) => parse(item, `${this.path}.${key}[${i}]`));
  }

  /** Reject any key that was not read. */
  done() {
    const extra = Object.keys(this.obj)
      .filter((k) => !this.seen.has(k))
      .sort();
    if (extra.length) {
      throw new RecordFormatError(`${this.path}: unexpected field(s) ${extra.join(', ')}`);
    }
  }
}

/**
 * @param {unknown} value
 * @param {string} path
 * @param {number} [length]
 */
export function recordHex(value, path, length) {
  try {
    return fromHex(value, path, length);
  } catch (e) {
    throw new RecordFormatError(/** @type {Error} */ (e).message);
  }
}

/**
 * @param {unknown} value
 * @param {string} path
 * @param {{allowIdentity?: boolean}} [opts]
 */
export function decodePoint(value, path, opts = {}) {
  try {
    return Point.fromHex(value, path, opts);
  } catch (e) {
    throw new RecordFormatError(/** @type {Error} */ (e).message);
  }
}

/**
 * @param {unknown} value
 * @param {string} path
 */
export function decodeScalar(value, path) {
  try {
    return Scalar.fromHex(value, path);
  } catch (e) {
    throw new RecordFormatError(/** @type {Error} */ (e).message);
  }
}

/**
 * Check an object's `type` and `version` (every top-level record carries both).
 * @param {Reader} r
 * @param {string} kind
 * @param {number} supported
 */
export function readVersion(r, kind, supported) {
  const t = r.text('type', 64);
  if (t !== kind) throw new RecordFormatError(`${r.path}: expected a '${kind}' object, got '${t}'`);
  const v = r.integer('version');
  if (v !== supported) {
    throw new RecordFormatError(
      `${r.path}: unsupported ${kind} version ${v} (supported: ${supported})`,
    );
  }
}

/**
 * Accept a parsed JSON value or JSON text.
 * @param {unknown} value
 * @param {string} what
 */
export function parsed(value, what) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (e) {
    throw new RecordFormatError(`${what} is not valid JSON: ${/** @type {Error} */ (e).message}`);
  }
}
