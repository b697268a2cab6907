/**
 * Canonical JSON, as Python's
 * `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`:
 * keys sorted by code point, no white space, non-ASCII characters written as themselves,
 * only `"`, `\` and control characters escaped.  Records hold no floats, so a number that
 * is not a safe integer is refused rather than written in a form Python would not produce.
 */

import { isWellFormed } from './bytes.js';

const SHORT_ESCAPES = /** @type {Record<string, string>} */ ({
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
});

/** @param {string} s */
function quote(s) {
  if (!isWellFormed(s)) throw new TypeError('a JSON string contains a lone UTF-16 surrogate');
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/["\\\x00-\x1f]/g, (c) => {
    const short = SHORT_ESCAPES[c];
    return short ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  })}"`;
}

/**
 * Compare strings by Unicode code point (Python's order), not by UTF-16 code unit.
 * @param {string} a
 * @param {string} b
 */
function byCodePoint(a, b) {
  const x = Array.from(a);
  const y = Array.from(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = Number(x[i].codePointAt(0)) - Number(y[i].codePointAt(0));
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * @param {unknown} value
 * @returns {string}
 */
export function canonicalJson(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`${value} is not an integer a record may hold (no floats)`);
    }
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (typeof value === 'bigint') return value.toString(10);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(/** @type {object} */ (value)).sort(byCodePoint);
    const obj = /** @type {Record<string, unknown>} */ (value);
    return `{${keys.map((k) => `${quote(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`cannot write a ${typeof value} as JSON`);
}
