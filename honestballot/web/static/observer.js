/**
 * Observer pages: live turnout and the tree-head consistency check.
 *
 * The Content-Security-Policy forbids inline code, so every page marks the element this
 * script drives with `data-observer-page` and passes values and translated words in
 * `data-*` attributes.  The page's text is set with `textContent` only, never as HTML.
 *
 * `globalThis.HonestBallotObserver.checkTreeHead` is the consistency check without the
 * page around it (tests run it under Node with the crypto bundle).
 */
(() => {
  'use strict';

  const STORAGE_PREFIX = 'honestballot.tree-head.';
  const TURNOUT_INTERVAL_MS = 5000;
  const TREE_HEAD_INTERVAL_MS = 60000;

  /** The log does not extend what this browser saw before: a loud failure. */
  class InconsistentLog extends Error {
    constructor(message, saved, latest) {
      super(message);
      this.name = 'InconsistentLog';
      this.saved = saved;
      this.latest = latest;
    }
  }

  /** The server could not be asked (network or HTTP error): nothing learned either way. */
  class Unreachable extends Error {
    constructor(message, status, code) {
      super(message);
      this.name = 'Unreachable';
      this.status = status;
      this.code = code;
    }
  }

  async function getJson(url) {
    let response;
    try {
      response = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
    } catch (err) {
      throw new Unreachable(String(err), 0, 'network');
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) {
      const error = body && body.error ? body.error : {};
      throw new Unreachable(error.text || error.message || `HTTP ${response.status}`, response.status, error.code);
    }
    return body;
  }

  /**
   * Check the latest signed tree head against the one saved earlier in `storage`, and save
   * the latest if it checks out.
   *
   * Resolves to `{state: 'first' | 'consistent', latest, saved}`; rejects with
   * InconsistentLog (the log does not extend the saved head, a head is older than the
   * saved one, a head is not signed by the board key, or the board key changed) or
   * Unreachable (nothing could be checked).
   */
  async function checkTreeHead({ electionId, boardKey, storage, fetchJson = getJson, hb }) {
    const crypto = hb || globalThis.HonestBallot;
    const base = `/api/e/${encodeURIComponent(electionId)}`;
    const latest = await fetchJson(`${base}/tree-heads/latest`);
    try {
      crypto.verifyTreeHead(latest, electionId, boardKey);
    } catch (err) {
      throw new InconsistentLog(`the latest tree head does not verify: ${err.message}`, null, latest);
    }
    const key = STORAGE_PREFIX + electionId;
    let saved = null;
    const savedText = storage ? storage.getItem(key) : null;
    if (savedText !== null) {
      let record = null;
      try {
        record = JSON.parse(savedText);
      } catch {
        record = null; // a damaged local copy: start again from the latest head
      }
      if (record && record.head) {
        saved = record.head;
        if (record.board_key !== boardKey) {
          throw new InconsistentLog(
            `the board key changed from ${record.board_key} to ${boardKey}`, saved, latest);
        }
        try {
          crypto.verifyTreeHead(saved, electionId, boardKey);
        } catch (err) {
          throw new InconsistentLog(`the saved tree head does not verify: ${err.message}`, saved, latest);
        }
        if (saved.size > latest.size) {
          throw new InconsistentLog(
            `the log shrank: the saved head covers ${saved.size} entries, the latest only ${latest.size}`,
            saved, latest);
        }
        if (latest.timestamp_ms < saved.timestamp_ms) {
          throw new InconsistentLog(
            `a tree head went back in time: ${saved.timestamp_ms} -> ${latest.timestamp_ms}`,
            saved, latest);
        }
        let proof;
        try {
          proof = await fetchJson(`${base}/consistency?old=${saved.size}&new=${latest.size}`);
        } catch (err) {
          if (err instanceof Unreachable && err.status >= 400 && err.status < 500) {
            throw new InconsistentLog(`the server gives no consistency proof: ${err.message}`, saved, latest);
          }
          throw err;
        }
        if (proof.old_size !== saved.size || proof.new_size !== latest.size) {
          throw new InconsistentLog('the consistency proof is for other tree sizes', saved, latest);
        }
        try {
          crypto.verifyConsistency(saved.size, latest.size, saved.root, latest.root, proof.proof);
        } catch (err) {
          throw new InconsistentLog(err.message, saved, latest);
        }
      }
    }
    if (storage) storage.setItem(key, JSON.stringify({ board_key: boardKey, head: latest }));
    return { state: saved ? 'consistent' : 'first', latest, saved };
  }

  function utc(ms) {
    return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  }

  function treeHeadsPage(root) {
    const msg = root.dataset;
    const verdict = root.querySelector('[data-verdict]');
    const detail = root.querySelector('[data-detail]');
    const evidence = root.querySelector('[data-evidence]');
    let storage = null;
    let storageNote = '';
    try {
      storage = globalThis.localStorage;
      storage.getItem(STORAGE_PREFIX);
    } catch {
      storage = null;
      storageNote = msg.msgNoStorage;
    }

    function showHead(head) {
      const dl = root.querySelector('[data-latest]');
      dl.querySelector('[data-k="size"]').textContent = String(head.size);
      dl.querySelector('[data-k="time"]').textContent = utc(head.timestamp_ms);
      dl.querySelector('[data-k="root"]').textContent = head.root;
    }

    function say(text, cls, more) {
      verdict.textContent = text;
      verdict.className = `verdict ${cls}`;
      detail.textContent = more || '';
      detail.classList.toggle('hidden', !more);
    }

    async function run() {
      say(msg.msgChecking, 'muted');
      try {
        const outcome = await checkTreeHead({
          electionId: msg.election, boardKey: msg.boardKey, storage,
        });
        showHead(outcome.latest);
        evidence.classList.add('hidden');
        if (outcome.state === 'consistent') say(msg.msgConsistent, 'ok', storageNote);
        else say(storage ? msg.msgFirst : msg.msgNoStorage, 'ok');
      } catch (err) {
        if (err instanceof InconsistentLog) {
          say(msg.msgInconsistent, 'alarm', err.message);
          if (err.latest) showHead(err.latest);
          evidence.querySelector('[data-saved-json]').textContent = JSON.stringify(err.saved, null, 1);
          evidence.querySelector('[data-latest-json]').textContent = JSON.stringify(err.latest, null, 1);
          evidence.classList.remove('hidden');
        } else {
          say(msg.msgUnreachable, 'muted', err.message);
        }
      }
    }

    root.querySelector('[data-check-again]').addEventListener('click', run);
    run();
    setInterval(run, TREE_HEAD_INTERVAL_MS);
  }

  /**
   * The witnesses' section of the tree-heads page: check, in this browser, the latest
   * witnessed head's board signature and co-signatures against the election's context
   * (whose base hash, recomputed, binds the witnesses and the quorum).
   */
  async function witnessesSection(section) {
    const verdictEl = section.querySelector('[data-witnessed-verdict]');
    const data = section.querySelector('[data-witnessed-json]');
    if (!verdictEl || !data) return;
    const detailEl = section.querySelector('[data-witnessed-detail]');
    const msg = section.dataset;
    try {
      const witnessed = JSON.parse(data.textContent);
      const context = await getJson(`/api/e/${encodeURIComponent(msg.election)}/context`);
      globalThis.HonestBallot.verifyWitnessedHead(
        witnessed.tree_head, witnessed.cosignatures, context);
      verdictEl.textContent = msg.msgOk;
      verdictEl.className = 'verdict ok';
    } catch (err) {
      verdictEl.textContent = msg.msgBad;
      verdictEl.className = 'verdict alarm';
      detailEl.textContent = (err && err.message) || String(err);
      detailEl.classList.remove('hidden');
    }
  }

  const TURNOUT_KEYS = ['voters_on_roll', 'credentials', 'voted'];

  function turnoutPage(root) {
    const msg = root.dataset;
    const lang = msg.lang || 'ru';
    const number = new Intl.NumberFormat(lang);
    const percent = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    const status = root.querySelector('[data-status]');
    const body = root.querySelector('tbody');
    const rows = new Map();
    root.querySelectorAll('tr[data-unit]').forEach((tr) => rows.set(tr.dataset.unit, tr));
    // the total row's columns (with re-voting protection: the roll alone)
    const columns = Array.from(root.querySelectorAll('tr[data-total] [data-k]'), (td) => td.dataset.k);

    function rowFor(unit) {
      let tr = rows.get(unit);
      if (!tr) { // a unit the page did not know (the roll names one outside the manifest)
        tr = document.createElement('tr');
        const name = document.createElement('td');
        name.textContent = unit;
        tr.append(name);
        for (const k of columns) {
          const td = document.createElement('td');
          td.className = 'num';
          td.dataset.k = k;
          tr.append(td);
        }
        body.append(tr);
        rows.set(unit, tr);
      }
      return tr;
    }

    // only the cells the page has: with re-voting protection, the roll alone
    function fill(tr, counts) {
      for (const k of TURNOUT_KEYS) {
        const cell = tr.querySelector(`[data-k="${k}"]`);
        if (cell) cell.textContent = number.format(Number(counts[k]) || 0);
      }
      const cell = tr.querySelector('[data-k="percent"]');
      const roll = Number(counts.voters_on_roll) || 0;
      if (cell) cell.textContent = roll > 0 ? percent.format((100 * (Number(counts.voted) || 0)) / roll) : '—';
    }

    /** Re-voting protection: the batches posted against the schedule, never voted counts.
     *  From the close on (or past the listed hours' batches) posted alone; a next time
     *  a whole interval past is said to be late. */
    function showBatches(batches, phase) {
      const posted = root.querySelector('[data-batches-posted]');
      const next = root.querySelector('[data-batches-next]');
      if (!batches || !posted) return;
      const closed = ['closed', 'tallied', 'done'].includes(phase);
      const n = Number(batches.posted) || 0;
      const of = Number(batches.scheduled) || 0;
      posted.textContent = (closed || n > of ? msg.msgPostedOnly : msg.msgPosted)
        .replace('{posted}', number.format(n))
        .replace('{scheduled}', number.format(of));
      if (!next) return;
      if (closed) next.textContent = msg.msgClosed;
      else if (batches.next_ms) {
        // late once a whole interval past: not while the snapshot is merely not yet rewritten
        const late = Number(batches.next_ms) + 1000 * (Number(batches.interval_s) || 0) < Date.now();
        next.textContent = (late ? msg.msgLate : msg.msgNext).replace('{time}', utc(batches.next_ms));
      } else next.textContent = '';
    }

    async function tick() {
      try {
        const snapshot = await getJson(msg.snapshot);
        for (const unit of snapshot.units || []) fill(rowFor(String(unit.unit)), unit);
        fill(root.querySelector('tr[data-total]'), snapshot.total || {});
        if (snapshot.protected) showBatches(snapshot.batches, snapshot.phase);
        status.textContent = `${msg.msgUpdated}: ${new Date(snapshot.generated_ms).toLocaleTimeString(lang)}`;
        status.className = 'muted';
      } catch {
        status.textContent = msg.msgStale;
        status.className = 'error';
      }
    }

    tick();
    setInterval(tick, TURNOUT_INTERVAL_MS);
  }

  const PAGES = { 'tree-heads': treeHeadsPage, turnout: turnoutPage };

  function start() {
    document.querySelectorAll('[data-observer-page]').forEach((root) => {
      const page = PAGES[root.dataset.observerPage];
      if (page) page(root);
    });
    document.querySelectorAll('[data-witnesses]').forEach(witnessesSection);
  }

  globalThis.HonestBallotObserver = Object.freeze({ checkTreeHead, InconsistentLog, Unreachable });

  if (typeof document !== 'undefined') {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  }
})();
