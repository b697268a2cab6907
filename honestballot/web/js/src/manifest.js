/**
 * The election manifest, read from its JSON form (record/manifest.manifest_to_json) and
 * checked as honestballot/protocol/manifest.py checks it.
 *
 * Encrypted options of a contest, in ballot order: the candidates, then `against-all`
 * when `against_all` is true, then `blank` when `min_selections == 0`; the last two are
 * exclusive.  With S candidates selected and e exclusive options selected, a ballot
 * proves
 *
 *     T = S + max_selections * e   in   [lower, max_selections]
 *     lower = max(min_selections, 1) if the contest has an exclusive option else min_selections
 *
 * A contest's optional `count` says how it is counted: "sum" (absent: a homomorphic sum)
 * or "mix" (the trustees' mix chain, protocol/mix.py).  The ballot is the same either
 * way; only the manifest hash differs (a mixed contest's part gains the text "mix").
 *
 * A **ranked** contest (`"kind": "ranked"` and its `method`, "irv" or "schulze":
 * docs/ranked.md) asks instead for a ranking of up to `max_selections` of its choices
 * (the candidates, then the exclusive ones), encrypted as one choice number per rank
 * position (ballot.js); it is always counted by mixing, and its part of the manifest hash
 * ends with the texts "ranked" and its method.
 */

import { InvalidSelection, RecordFormatError } from './errors.js';
import { hashBytes } from './hashing.js';
import { pyStrip } from './bytes.js';
import { Reader, readVersion } from './reader.js';

export const AGAINST_ALL = 'against-all';
export const BLANK = 'blank';
const RESERVED_IDS = new Set([AGAINST_ALL, BLANK]);
const LANGUAGES = /** @type {const} */ (['ru', 'kk', 'en']);
export const MAX_CONTESTS = 50;
export const MAX_OPTIONS = 200;
const MAX_UNITS = 100000;
/** how a contest is counted (protocol/manifest.COUNT_METHODS) */
export const COUNT_METHODS = /** @type {const} */ (['sum', 'mix']);
/** how a ranked contest's rankings are counted (protocol/manifest.RANKED_METHODS) */
export const RANKED_METHODS = /** @type {const} */ (['irv', 'schulze']);
/** a ranked contest ranks at most this many choices (a privacy cap: docs/ranked.md) */
export const MAX_RANKS = 10;
/** and has at most this many candidates */
const MAX_RANKED_CANDIDATES = 50;
const ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** @typedef {{ru: string, kk: string, en: string}} Label */
/** @typedef {{id: string, label: Label, exclusive: boolean}} Option */

/** @type {Record<string, Label>} */
const EXCLUSIVE_LABELS = {
  [AGAINST_ALL]: { ru: 'Против всех', kk: 'Барлығына қарсы', en: 'Against all' },
  [BLANK]: { ru: 'Пустой бюллетень', kk: 'Бос бюллетень', en: 'Blank vote' },
};

export class Contest {
  /**
   * @param {string} id
   * @param {Label} title
   * @param {Option[]} candidates
   * @param {number} minSelections
   * @param {number} maxSelections
   * @param {boolean} againstAll
   * @param {string} [count] - "sum" (the default) or "mix"
   * @param {string | null} [method] - null for a plural contest; "irv" or "schulze" for a
   *   ranked one, whose `maxSelections` is the number of rank positions
   */
  constructor(
    id, title, candidates, minSelections, maxSelections, againstAll, count = 'sum', method = null,
  ) {
    this.id = id;
    this.title = title;
    this.candidates = candidates;
    this.minSelections = minSelections;
    this.maxSelections = maxSelections;
    this.againstAll = againstAll;
    this.count = count;
    this.method = method;
    /** @type {Option[]} every encrypted option, in ballot order */
    this.options = [...candidates];
    if (againstAll) {
      this.options.push({ id: AGAINST_ALL, label: EXCLUSIVE_LABELS[AGAINST_ALL], exclusive: true });
    }
    if (minSelections === 0) {
      this.options.push({ id: BLANK, label: EXCLUSIVE_LABELS[BLANK], exclusive: true });
    }
    Object.freeze(this.options);
    Object.freeze(this);
  }

  get ranked() {
    return this.method !== null;
  }

  get hasExclusive() {
    return this.againstAll || this.minSelections === 0;
  }

  /** @returns {number[]} the admissible values of T = S + max * e */
  get selectionRange() {
    const lower = this.hasExclusive ? Math.max(this.minSelections, 1) : this.minSelections;
    const out = [];
    for (let v = lower; v <= this.maxSelections; v++) out.push(v);
    return out;
  }

  /**
   * The weight of an option in T: 1 for a candidate, `max` for an exclusive one.
   * @param {Option} option
   */
  exclusiveWeight(option) {
    return option.exclusive ? this.maxSelections : 1;
  }

  /**
   * Throw {@link InvalidSelection} unless `selected` obeys this contest's rules.
   * @param {Set<string>} selected
   */
  checkSelection(selected) {
    const known = new Set(this.options.map((o) => o.id));
    const unknown = [...selected].filter((id) => !known.has(id)).sort();
    if (unknown.length) {
      throw new InvalidSelection(`contest ${this.id}: unknown option(s) ${pyList(unknown)}`);
    }
    const exclusive = this.options.filter((o) => o.exclusive && selected.has(o.id));
    if (exclusive.length && selected.size > 1) {
      throw new InvalidSelection(
        `contest ${this.id}: '${exclusive[0].id}' cannot be combined with other choices`,
      );
    }
    if (exclusive.length) return;
    if (selected.size > this.maxSelections) {
      throw new InvalidSelection(
        `contest ${this.id}: ${selected.size} selections, at most ` +
          `${this.maxSelections} allowed (over-vote)`,
      );
    }
    // min_selections == 0 means an explicit blank option, so one choice is always needed.
    const lower = Math.max(this.minSelections, 1);
    if (selected.size < lower) {
      const hint = this.minSelections === 0 ? " (choose 'blank' to abstain)" : '';
      throw new InvalidSelection(
        `contest ${this.id}: ${selected.size} selections, at least ${lower} required${hint}`,
      );
    }
  }
}

/** @param {string[]} ids - Python's repr of a sorted list of strings (for messages) */
function pyList(ids) {
  return `[${ids.map((i) => `'${i}'`).join(', ')}]`;
}

/**
 * @typedef {object} Manifest
 * @property {string} electionId
 * @property {Label} title
 * @property {Contest[]} contests
 * @property {{id: string, name: Label}[]} units
 * @property {number} minUnitSize
 */

/**
 * @param {unknown} value
 * @param {string} path
 * @returns {Label}
 */
function readLabel(value, path) {
  const r = new Reader(value, path);
  const label = { ru: r.text('ru', 500), kk: r.text('kk', 500), en: r.text('en', 500) };
  r.done();
  for (const lang of LANGUAGES) {
    if (!pyStrip(label[lang])) {
      throw new RecordFormatError(`${path}.${lang}: a label cannot be empty`);
    }
  }
  return label;
}

/**
 * @param {unknown} value
 * @param {string} path
 * @returns {Option}
 */
function readOption(value, path) {
  const r = new Reader(value, path);
  const id = r.text('id', 64);
  const o = { id, label: readLabel(r.raw('label'), `${path}.label`), exclusive: false };
  r.done();
  return o;
}

/**
 * @param {unknown} value
 * @param {string} path
 */
function readContest(value, path) {
  const r = new Reader(value, path);
  /** @type {string | null} */
  let method = null;
  if (r.has('kind')) {
    const kind = r.text('kind', 16);
    if (kind !== 'ranked') {
      throw new RecordFormatError(`${path}.kind: the only contest kind named is 'ranked'`);
    }
    method = r.text('method', 16);
    if (r.has('count')) {
      throw new RecordFormatError(`${path}: a ranked contest is always mixed and has no count`);
    }
  }
  const c = new Contest(
    r.text('id', 64),
    readLabel(r.raw('title'), `${path}.title`),
    r.items('options', readOption, MAX_OPTIONS),
    r.integer('min_selections', 0),
    r.integer('max_selections', 0),
    r.boolean('against_all'),
    method !== null ? 'mix' : r.has('count') ? r.text('count', 16) : 'sum',
    method,
  );
  r.done();
  return c;
}

/**
 * @param {unknown} value
 * @param {string} path
 */
function readUnit(value, path) {
  const r = new Reader(value, path);
  const u = { id: r.text('id', 64), name: readLabel(r.raw('name'), `${path}.name`) };
  r.done();
  return u;
}

/**
 * Parse and validate a manifest JSON object (as manifest_from_json does).
 * @param {unknown} value
 * @param {string} [path]
 * @returns {Manifest}
 */
export function manifestFromJson(value, path = 'manifest') {
  const r = new Reader(value, path);
  readVersion(r, 'manifest', 1);
  const m = {
    electionId: r.text('election_id', 64),
    title: readLabel(r.raw('title'), `${path}.title`),
    contests: r.items('contests', readContest, MAX_CONTESTS),
    units: r.items('units', readUnit, MAX_UNITS),
    minUnitSize: r.integer('min_unit_size', 1),
  };
  r.done();
  validateManifest(m);
  return Object.freeze(m);
}

/**
 * @param {string} value
 * @param {string} what
 */
function checkId(value, what) {
  if (!ID.test(value)) {
    throw new RecordFormatError(
      `${what} '${value}': ids are 1-64 characters of a-z, 0-9, '-' and '_'`,
    );
  }
}

/**
 * @param {string[]} ids
 * @param {string} what
 */
function unique(ids, what) {
  const seen = new Set();
  for (const i of ids) {
    if (seen.has(i)) throw new RecordFormatError(`duplicate ${what} id '${i}'`);
    seen.add(i);
  }
}

/**
 * Throw {@link RecordFormatError} naming the first rule the manifest breaks.
 * @param {Manifest} m
 */
function validateManifest(m) {
  checkId(m.electionId, 'election id');
  if (m.contests.length < 1 || m.contests.length > MAX_CONTESTS) {
    throw new RecordFormatError(`a manifest has 1 to ${MAX_CONTESTS} contests`);
  }
  if (m.units.length < 1 || m.units.length > MAX_UNITS) {
    throw new RecordFormatError(`a manifest has 1 to ${MAX_UNITS} units`);
  }
  unique(m.contests.map((c) => c.id), 'contest');
  unique(m.units.map((u) => u.id), 'unit');
  for (const u of m.units) checkId(u.id, 'unit id');
  for (const c of m.contests) {
    checkId(c.id, 'contest id');
    if (c.candidates.length < 1 || c.candidates.length > MAX_OPTIONS) {
      throw new RecordFormatError(`contest ${c.id}: 1 to ${MAX_OPTIONS} options`);
    }
    unique(c.candidates.map((o) => o.id), `contest ${c.id}: option`);
    for (const o of c.candidates) {
      checkId(o.id, `contest ${c.id}: option id`);
      if (RESERVED_IDS.has(o.id)) {
        throw new RecordFormatError(
          `contest ${c.id}: option id '${o.id}' is reserved; ` +
            "use the contest's against_all flag or min_selections = 0",
        );
      }
    }
    if (c.method !== null) checkRanked(c);
    if (!(/** @type {readonly string[]} */ (COUNT_METHODS).includes(c.count))) {
      throw new RecordFormatError(
        `contest ${c.id}: count is one of ${COUNT_METHODS.join(', ')}, not '${c.count}'`,
      );
    }
    if (!(c.minSelections >= 0 && c.minSelections <= c.maxSelections)) {
      throw new RecordFormatError(`contest ${c.id}: need 0 <= min_selections <= max_selections`);
    }
    if (!(c.maxSelections >= 1 && c.maxSelections <= c.candidates.length)) {
      throw new RecordFormatError(
        `contest ${c.id}: max_selections must be between 1 and the number of options`,
      );
    }
  }
}

/**
 * The rules of a ranked contest (protocol/manifest._check_ranked).
 * @param {Contest} c
 */
function checkRanked(c) {
  if (!(/** @type {readonly (string | null)[]} */ (RANKED_METHODS).includes(c.method))) {
    throw new RecordFormatError(
      `contest ${c.id}: method is one of ${RANKED_METHODS.join(', ')}, not '${c.method}'`,
    );
  }
  if (c.count !== 'mix') {
    throw new RecordFormatError(`contest ${c.id}: a ranked contest is counted by mixing`);
  }
  if (c.candidates.length > MAX_RANKED_CANDIDATES) {
    throw new RecordFormatError(
      `contest ${c.id}: a ranked contest has at most ${MAX_RANKED_CANDIDATES} candidates`,
    );
  }
  if (c.minSelections !== 0 && c.minSelections !== 1) {
    throw new RecordFormatError(
      `contest ${c.id}: a ranked contest has min_selections 0 (with a blank choice) or 1`,
    );
  }
  if (!(c.maxSelections >= 1 && c.maxSelections <= Math.min(MAX_RANKS, c.candidates.length))) {
    throw new RecordFormatError(
      `contest ${c.id}: a ranked contest ranks from 1 to ${MAX_RANKS} candidates ` +
        '(max_selections), and no more than it has',
    );
  }
}

/** @param {Label} label */
const labelParts = (label) => [label.ru, label.kk, label.en];

/**
 * The parts after the sixth of a contest's part of the manifest hash.
 * @param {Contest} c
 * @returns {string[]}
 */
function countParts(c) {
  if (c.method !== null) return ['ranked', c.method];
  return c.count !== 'sum' ? [c.count] : [];
}

/**
 * The manifest hash (protocol/election.manifest_hash): a domain-separated hash of every
 * field, the encrypted options of each contest included.  A mixed contest's part has a
 * seventh element, the text "mix"; a ranked contest's a seventh and an eighth, the text
 * "ranked" and its method; a summed contest's has six, so a manifest without mixed or
 * ranked contests hashes as it did before them (docs/record-format.md §3).
 * @param {Manifest} m
 * @returns {Uint8Array}
 */
export function manifestHash(m) {
  const contests = m.contests.map((c) => [
    c.id,
    labelParts(c.title),
    c.minSelections,
    c.maxSelections,
    c.againstAll ? 1 : 0,
    c.options.map((o) => [o.id, labelParts(o.label), o.exclusive ? 1 : 0]),
    ...countParts(c),
  ]);
  const units = m.units.map((u) => [u.id, labelParts(u.name)]);
  return hashBytes('manifest', m.electionId, labelParts(m.title), contests, units, m.minUnitSize);
}
