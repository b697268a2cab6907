/**
 * The voter's pages: the ballot page (credential, ballot, audit, cast) and the receipt
 * page (the browser checks the ballot's board entry under the signed board).
 *
 * All cryptography is `globalThis.HonestBallot` (honestballot-crypto.js, loaded first).
 * The page talks only to this site's JSON API, `/api/e/<election>/…`, sending the CSRF
 * token of `<meta name="csrf-token">` with every POST.  Words come from the
 * `data-*` attributes of `#voter-texts`, rendered by the server in the page's language.
 *
 * Every election has re-voting protection (docs/coercion.md §2.4–§2.6, §3).  The page
 * keeps in this browser's localStorage, under `honestballot:<election>:credential`, the
 * `HB2-` code of the credential seed this device registered, and nothing else: never the
 * activation code, nor anything derived from it; it is never sent to the server and
 * never logged.  With no seed here the page asks for the activation
 * code, draws a seed, registers it (`/revoting/registration-start`, then
 * `/revoting/registrations`), keeps it and shows its code once; ballots version 2 go to
 * `/revoting/ballots` and `/revoting/audits`.  "Vote with a new credential" registers a
 * fresh seed with the activation code, casts under it, shows that ballot's tracking code
 * once and forgets the seed, the receipt and the code: the stored seed stays the one
 * before.  A device with no seed also takes the `HB2-` code the voter kept from another
 * device (checksum checked here), keeps it (unless the device has kept a code since, say
 * in another tab: then a cast under the typed code is refused here) and votes under it
 * with no registration; a code the service does not know ("not registered") sends the
 * voter back to the codes' card.  The seed itself, its code and the activation code never
 * leave the device (the registration and the ballot's private part carry t and sigma, as
 * the design says).  The receipt of a ballot whose cast row is "included" checks here the
 * row's inclusion proof under the signed and witnessed tree head, and that the row is
 * counted (flag E0, counter proof); an audited one's, after the close, its audit entry.
 */
(function () {
  'use strict';

  const HB = /** @type {any} */ (globalThis).HonestBallot;
  const app = document.getElementById('voter-app');
  if (!app || !HB) return;

  const election = app.dataset.election || '';
  const lang = app.dataset.lang || document.documentElement.lang || 'ru';
  const textsElement = document.getElementById('voter-texts');
  const texts = textsElement ? textsElement.dataset : {};
  const apiBase = `/api/e/${encodeURIComponent(election)}`;
  const storageKey = `honestballot:${election}:credential`;

  // -- small helpers -----------------------------------------------------------------------

  /** @param {string} id @returns {any} */
  const $ = (id) => document.getElementById(id);

  /** @param {string} id @param {boolean} [on] */
  function show(id, on = true) {
    $(id).hidden = !on;
  }

  /** A page text, with `{name}` placeholders filled in. */
  function say(key, values = {}) {
    let text = texts[key] || key;
    for (const [name, value] of Object.entries(values)) {
      text = text.split(`{${name}}`).join(String(value));
    }
    return text;
  }

  /** @param {Record<string, string>} label - `{ru, kk, en}` */
  const inLanguage = (label) => (label && (label[lang] || label.en)) || '';

  /** Let the browser paint (e.g. "Encrypting…") before a long computation. */
  const nextPaint = () => new Promise((resolve) => setTimeout(resolve, 20));

  class ApiError extends Error {
    /** `code` the API's stable error code; `message` in the page's language */
    constructor(status, code, message) {
      super(message);
      this.name = 'ApiError';
      this.status = status;
      this.code = code;
    }
  }

  /**
   * Call the JSON API; resolves to the body (null for 204), rejects with an ApiError.
   * @param {string} method
   * @param {string} path - after `/api/e/<election>`
   * @param {unknown} [body] - sent as JSON
   */
  async function call(method, path, body) {
    const headers = { accept: 'application/json' };
    const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (method !== 'GET') {
      const meta = document.querySelector('meta[name="csrf-token"]');
      headers['x-csrf-token'] = meta ? meta.getAttribute('content') : '';
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    let response;
    try {
      response = await fetch(apiBase + path, init);
    } catch (e) {
      throw new ApiError(0, 'network', say('errorNetwork'));
    }
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      const message = String(error.text || error.message || '');
      throw new ApiError(response.status, error.code || 'http_error', message);
    }
    return data;
  }

  /** Show an error in the element `id`; a lost session sends the voter to sign in. */
  function showError(id, error) {
    if (error instanceof ApiError && error.code === 'not_signed_in') {
      $(id).textContent = say('errorSession');
      show(id);
      setTimeout(() => location.assign(`/e/${encodeURIComponent(election)}/signin`), 1500);
      return;
    }
    $(id).textContent = (error && error.message) || String(error);
    show(id);
  }

  // -- the ballot page ---------------------------------------------------------------------

  const state = {
    context: /** @type {any} */ (null),
    contests: /** @type {any[]} */ ([]),
    /** the current encryption: {ballot, opening, private, tracking_code, tracking_hash} */
    encrypted: /** @type {any} */ (null),
    chosen: /** @type {Record<string, string[]>} */ ({}),
    /** each ranked contest's order so far: option ids, first preference first */
    rankings: /** @type {Record<string, string[]>} */ ({}),
    /** the credential seed this device keeps (hex): ballots version 2 are made under it */
    seed: '',
    /** a kept `HB2-` code typed here, stored once the service accepts a ballot under it */
    typedCode: '',
  };

  function storedCode() {
    try {
      return localStorage.getItem(storageKey);
    } catch (e) {
      return null; // storage blocked: the voter types the code instead
    }
  }

  function storeCode(code) {
    try {
      localStorage.setItem(storageKey, code);
    } catch (e) {
      // storage blocked: the voter keeps the printed code
    }
  }

  /**
   * The base hash recomputed here from the manifest, the election key hash, the key and
   * the board's keys (board key, witnesses and their quorum, organiser's key if any, the
   * service's designated-verifier key W, the batch schedule if any; the bundle checks W's
   * proof wherever it uses the context with its election_key_hash).
   */
  function baseHashOf(context) {
    const witnesses = context.witnesses.map((w) => ({ L: [{ T: w.name }, { P: w.key }] }));
    const boardKeys = HB.primitives.hashBytes('election/board-keys', [
      { P: context.board_key },
      { L: witnesses },
      { I: String(context.witness_quorum) },
      context.organiser_key === undefined ? { B: '' } : { P: context.organiser_key },
      { P: context.verifier_key },
      context.schedule === undefined ? { B: '' } : scheduleParts(context.schedule),
    ]);
    return HB.primitives.hashBytes('election/base', [
      { B: HB.manifestHash(context.manifest) },
      { B: context.election_key_hash },
      { P: context.public_key },
      { B: boardKeys },
    ]);
  }

  /**
   * The batch schedule of an election with re-voting protection, as the hash binds it:
   * its interval, its hours and its cover's K0 and epsilon in thousandths.
   */
  function scheduleParts(schedule) {
    const hours = schedule.hours.map((h) => ({ L: [{ I: String(h[0]) }, { I: String(h[1]) }] }));
    const cover = {
      L: [{ I: String(schedule.cover.k0) }, { I: String(schedule.cover.epsilon_milli) }],
    };
    return { L: [{ I: String(schedule.interval) }, { L: hours }, cover] };
  }

  function checkFingerprint(context) {
    let recomputed = '';
    try {
      recomputed = baseHashOf(context);
    } catch (e) {
      recomputed = ''; // a context missing or mangling a part: not this election
    }
    const fingerprint = String(context.base_hash).slice(0, 16);
    if (
      context.election_id !== election ||
      recomputed !== context.base_hash ||
      fingerprint !== app.dataset.fingerprint
    ) {
      throw new Error(say('fingerprintBad'));
    }
    $('fingerprint').textContent = fingerprint;
  }

  async function votePage() {
    let context;
    try {
      // `/me` checks the session first (a signed-out page goes back to the sign-in)
      [context] = await Promise.all([call('GET', '/context'), call('GET', '/me')]);
      checkFingerprint(context);
    } catch (e) {
      show('loading', false);
      showError('voter-error', e);
      return;
    }
    show('loading', false);
    state.context = context;
    if (context.phase !== 'open') {
      showError('voter-error', new Error(say('notOpen')));
      return;
    }
    renderBallot(context.manifest);
    restoreChoices();
    keepChoicesOnLanguageSwitch();
    bindBallotButtons();
    revotingStart();
  }

  // -- re-voting protection (docs/coercion.md §2.4, §2.5, §3) ---

  /** A fresh credential seed drawn on this device (hex) and its `HB2-` code. */
  function drawSeed() {
    for (let tries = 0; tries < 8; tries += 1) {
      const bytes = new Uint8Array(32);
      crypto.getRandomValues(bytes);
      const seed = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      try {
        return { seed, code: HB.revoting.seed(seed, state.context.base_hash).code };
      } catch (e) {
        // a seed whose signing scalar is zero (odds 2^-252): draw another
      }
    }
    throw new Error('no usable credential seed in 8 draws');
  }

  /**
   * Register a new credential with the activation code `letter` (§2.4): the service's
   * commitment first, then the seed, drawn only now; the registration made and checked
   * here.  Resolves to the new seed, its code and the registration's tracking code.
   */
  async function registerCredential(letter) {
    try {
      HB.revoting.letterFromCode(letter);
    } catch (e) {
      throw new Error(say('letterBadCode'));
    }
    const commitment = await call('POST', '/revoting/registration-start');
    const fresh = drawSeed();
    let made;
    try {
      made = HB.revoting.makeRegistration(state.context, commitment, fresh.seed, letter);
    } catch (e) {
      throw new Error(say('letterBadCommitment'));
    }
    const body = { registration: made.registration, private: made.private };
    const answer = await call('POST', '/revoting/registrations', body);
    if (!answer || answer.tracking_hash !== made.tracking_hash) {
      throw new Error(say('receiptMismatch'));
    }
    return { seed: fresh.seed, code: fresh.code, tracking: made.tracking_code };
  }

  function revotingStart() {
    $('register').addEventListener('click', registerFirst);
    $('registered-continue').addEventListener('click', () => {
      // the code is shown once: off the page before the ballot is shown
      $('credential2-code').textContent = '';
      $('registration-tracking').textContent = '';
      show('registered', false);
      show('ballot-form');
    });
    $('use-seed').addEventListener('click', useKeptCode);
    $('new-cast-open').addEventListener('click', openNewCast);
    $('new-cast-cancel').addEventListener('click', closeNewCast);
    $('new-cast-go').addEventListener('click', castWithNewCredential);
    $('new-cast-hide').addEventListener('click', () => {
      $('new-cast-tracking').textContent = '';
      show('new-cast-done', false);
    });
    const stored = storedCode();
    if (stored) {
      try {
        state.seed = HB.revoting.seedFromCode(stored);
        show('ballot-form');
        return;
      } catch (e) {
        // a damaged code, or none of this kind: register a credential as if there were none
      }
    }
    show('letter');
  }

  /**
   * §2.1, §2.5: the `HB2-` code of a credential kept on another device, typed here: its
   * checksum is checked on this device (a typo is refused in the voter's words) and the
   * ballots go under its seed; the code is kept here, as a registered seed is, once the
   * service accepts a cast or an audit under it (so a code of no registration, e.g. of
   * another election, is not kept).  No registration and nothing of the code is sent.
   */
  function useKeptCode() {
    show('seed-code-error', false);
    show('voter-error', false);
    let seed;
    let code;
    try {
      seed = HB.revoting.seedFromCode($('seed-code').value);
      code = HB.revoting.seed(seed, state.context.base_hash).code;
    } catch (e) {
      showError('seed-code-error', new Error(say('seedBadCode')));
      return;
    }
    $('seed-code').value = '';
    state.typedCode = code;
    state.seed = seed;
    show('letter', false);
    show('ballot-form');
  }

  async function registerFirst() {
    show('letter-error', false);
    show('voter-error', false);
    $('register').disabled = true;
    $('register').textContent = say('registering');
    await nextPaint();
    let made;
    try {
      made = await registerCredential($('letter-code').value);
    } catch (e) {
      $('register').disabled = false;
      $('register').textContent = say('register');
      showError('letter-error', e);
      return;
    }
    // the device never keeps an activation code
    $('letter-code').value = '';
    // kept once registered: a registered seed lost here is simply replaced next time
    storeCode(made.code);
    state.seed = made.seed;
    show('letter', false);
    $('credential2-code').textContent = made.code;
    $('registration-tracking').textContent = made.tracking;
    show('registered');
  }

  function openNewCast() {
    show('ballot-error', false);
    show('voter-error', false);
    try {
      state.chosen = selections();
    } catch (e) {
      showError('ballot-error', e);
      return;
    }
    lockBallot(true);
    show('new-cast-done', false);
    $('new-cast-tracking').textContent = '';
    show('new-cast-error', false);
    $('new-cast-go').disabled = false;
    $('new-cast-go').textContent = say('newCast');
    show('new-cast');
    $('new-letter-code').focus();
  }

  function closeNewCast() {
    $('new-letter-code').value = '';
    show('new-cast', false);
    lockBallot(false);
  }

  /**
   * §2.5: a new credential registered with the letter, the chosen ballot cast under it,
   * its tracking code shown once; the new seed, the receipt and the activation code are
   * held only in this function's variables and dropped when it ends.  The stored seed is
   * not touched.
   */
  async function castWithNewCredential() {
    show('new-cast-error', false);
    show('voter-error', false);
    $('new-cast-go').disabled = true;
    $('new-cast-cancel').disabled = true;
    $('new-cast-go').textContent = say('newCasting');
    await nextPaint();
    const letter = $('new-letter-code').value;
    try {
      const fresh = await registerCredential(letter);
      $('new-letter-code').value = '';
      const mine = HB.revoting.encryptBallot(state.context, state.chosen, fresh.seed);
      const body = { ballot: mine.ballot, private: mine.private };
      const answer = await call('POST', '/revoting/ballots', body);
      if (!answer || answer.tracking_hash !== mine.tracking_hash) {
        throw new Error(say('receiptMismatch'));
      }
      $('new-cast-tracking').textContent = mine.tracking_code;
    } catch (e) {
      $('new-cast-go').disabled = false;
      $('new-cast-cancel').disabled = false;
      $('new-cast-go').textContent = say('newCast');
      showError('new-cast-error', e);
      return;
    }
    $('new-cast-cancel').disabled = false;
    show('new-cast', false);
    lockBallot(false);
    show('new-cast-done');
  }

  // --- the ballot ---

  function ruleText(contest) {
    if (contest.max_selections === 1) return say('chooseOne');
    if (contest.method) return say('rankedRule', { max: contest.max_selections });
    if (contest.min_selections <= 1) return say('chooseUpTo', { max: contest.max_selections });
    return say('chooseRange', { min: contest.min_selections, max: contest.max_selections });
  }

  function renderBallot(manifest) {
    state.contests = HB.contestOptions(manifest);
    const root = $('contests');
    root.replaceChildren();
    for (const contest of state.contests) {
      const fieldset = document.createElement('fieldset');
      fieldset.className = 'contest';
      fieldset.dataset.contest = contest.id;
      const legend = document.createElement('legend');
      legend.textContent = inLanguage(contest.title);
      const rule = document.createElement('p');
      rule.className = 'muted rule';
      rule.textContent = ruleText(contest);
      fieldset.append(legend, rule);
      root.append(fieldset);
      if (contest.method) {
        renderRanked(fieldset, contest);
        continue;
      }
      const single = contest.max_selections === 1;
      for (const option of contest.options) {
        const row = document.createElement('label');
        row.className = option.exclusive ? 'option exclusive' : 'option';
        const input = document.createElement('input');
        input.type = single ? 'radio' : 'checkbox';
        input.name = `contest-${contest.id}`;
        input.value = option.id;
        input.id = `option-${contest.id}-${option.id}`;
        if (option.exclusive) input.dataset.exclusive = '1';
        const text = document.createElement('span');
        text.textContent = inLanguage(option.label);
        row.append(input, text);
        fieldset.append(row);
      }
      if (!single) {
        fieldset.addEventListener('change', (event) => enforceRules(fieldset, contest, event.target));
      }
    }
  }

  // --- a ranked contest (docs/ranked.md) ---
  //
  // The voter's order is state.rankings[contest], drawn again after every change. Every
  // control is a button, so a tap and the keyboard (Tab, then Enter or Space) do the same:
  // a choice goes into the next free place; a placed one moves up or down, or is removed
  // and the places after it close up. So the order never has a gap or a repeat, never
  // more places than the contest has, and "against all" or "blank" stands alone.

  /** @param {string} tag @param {string} className @param {string} [text] */
  function element(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderRanked(fieldset, contest) {
    fieldset.classList.add('ranked');
    fieldset.dataset.method = contest.method;
    state.rankings[contest.id] = [];
    const yours = element('p', 'ranking-title');
    yours.append(element('strong', '', say('rankedYours')));
    const status = element('p', 'muted rank-status');
    status.setAttribute('aria-live', 'polite');
    fieldset.append(
      yours,
      element('ol', 'ranking'),
      element('p', 'muted rank-empty', say('rankedEmpty')),
      status,
      element('p', 'muted rank-hint', say('rankedAdd')),
      element('div', 'rank-pool'),
      element('p', 'muted rank-full', say('rankedFull', { max: contest.max_selections })),
    );
    if (contest.options.some((o) => o.exclusive)) {
      fieldset.append(
        element('p', 'muted rank-instead', say('rankedInstead')),
        element('div', 'rank-pool rank-exclusive'),
      );
    }
    fieldset.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('button[data-act]') : null;
      if (button && !fieldset.disabled) rankAct(contest, button.dataset.act, button.dataset.choice);
    });
    drawRanking(contest);
  }

  /** An order as the rules allow it: known choices, no repeat, an exclusive one alone. */
  function cleanRanking(contest, ids) {
    const out = [];
    for (const id of Array.isArray(ids) ? ids : []) {
      const option = contest.options.find((o) => o.id === id);
      if (!option || out.includes(id)) continue;
      if (option.exclusive) return out.length ? out : [id];
      if (out.length < contest.max_selections) out.push(id);
    }
    return out;
  }

  function rankAct(contest, act, choice) {
    const order = state.rankings[contest.id].slice();
    const option = contest.options.find((o) => o.id === choice);
    if (!option) return;
    const at = order.indexOf(choice);
    let next = order;
    if (act === 'add') {
      if (option.exclusive) next = [choice];
      else if (order.some((id) => contest.options.find((o) => o.id === id).exclusive)) next = [choice];
      else if (at < 0 && order.length < contest.max_selections) next = [...order, choice];
      else return;
    } else if (act === 'up' && at > 0) {
      [next[at - 1], next[at]] = [next[at], next[at - 1]];
    } else if (act === 'down' && at >= 0 && at < order.length - 1) {
      [next[at], next[at + 1]] = [next[at + 1], next[at]];
    } else if (act === 'remove' && at >= 0) {
      next.splice(at, 1);
    } else {
      return;
    }
    state.rankings[contest.id] = next;
    const fieldset = fieldsetOf(contest);
    const pooled = Array.from(fieldset.querySelectorAll('button[data-act="add"]'));
    const from = act === 'add' ? pooled.findIndex((b) => b.dataset.choice === choice) : at;
    const place = next.indexOf(choice) + 1;
    fieldset.querySelector('.rank-status').textContent = place
      ? say('rankedPlaced', { name: inLanguage(option.label), place })
      : say('rankedRemoved', { name: inLanguage(option.label) });
    drawRanking(contest);
    refocus(fieldset, act, choice, from);
  }

  /**
   * Keep the keyboard where the voter was: the same button, or the nearest one.
   * @param {number} at - the place of the choice moved or removed, or the place in the
   *   pool of the button that added it
   */
  function refocus(fieldset, act, choice, at) {
    const enabled = (selector) =>
      Array.from(fieldset.querySelectorAll(selector)).filter((b) => !b.disabled);
    const candidates = [];
    if (act === 'up' || act === 'down') {
      const other = act === 'up' ? 'down' : 'up';
      candidates.push(...enabled(`li[data-choice="${choice}"] button[data-act="${act}"]`));
      candidates.push(...enabled(`li[data-choice="${choice}"] button[data-act="${other}"]`));
    } else if (act === 'remove') {
      const removes = enabled('li button[data-act="remove"]');
      candidates.push(...removes.slice(Math.min(at, removes.length - 1)));
    }
    const adds = enabled('button[data-act="add"]');
    candidates.push(...adds.slice(act === 'add' ? Math.max(0, Math.min(at, adds.length - 1)) : 0));
    candidates.push(...enabled('li button[data-act="remove"]'));
    if (candidates.length) candidates[0].focus();
  }

  function fieldsetOf(contest) {
    return $('contests').querySelector(`fieldset[data-contest="${contest.id}"]`);
  }

  function drawRanking(contest) {
    const fieldset = fieldsetOf(contest);
    const order = state.rankings[contest.id];
    const byId = new Map(contest.options.map((o) => [o.id, o]));
    const exclusiveChosen = order.some((id) => byId.get(id).exclusive);
    const full = !exclusiveChosen && order.length >= contest.max_selections;
    const items = order.map((id, i) => {
      const option = byId.get(id);
      const name = inLanguage(option.label);
      const item = element('li', option.exclusive ? 'exclusive' : '');
      item.dataset.choice = id;
      const moves = element('span', 'moves');
      const control = (act, sign, key, disabled) => {
        const button = element('button', 'secondary small', sign);
        button.type = 'button';
        button.dataset.act = act;
        button.dataset.choice = id;
        button.disabled = disabled;
        button.setAttribute('aria-label', say(key, { name }));
        button.title = say(key, { name });
        return button;
      };
      if (!option.exclusive) {
        moves.append(
          control('up', '\u2191', 'rankedUp', i === 0),
          control('down', '\u2193', 'rankedDown', i === order.length - 1),
        );
      }
      moves.append(control('remove', '\u2715', 'rankedRemove', false));
      const row = element('span', 'row');
      row.append(element('span', 'name', name), moves);
      item.append(row);
      return item;
    });
    fieldset.querySelector('ol.ranking').replaceChildren(...items);
    fieldset.querySelector('.rank-empty').hidden = order.length > 0;
    const pools = fieldset.querySelectorAll('.rank-pool');
    const buttons = (exclusive) =>
      contest.options
        .filter((o) => o.exclusive === exclusive && !order.includes(o.id))
        .map((o) => {
          const button = element('button', 'secondary rank-add', inLanguage(o.label));
          button.type = 'button';
          button.dataset.act = 'add';
          button.dataset.choice = o.id;
          button.disabled = !exclusive && full;
          return button;
        });
    pools[0].replaceChildren(...buttons(false));
    if (pools[1]) pools[1].replaceChildren(...buttons(true));
    const left = contest.options.some((o) => !o.exclusive && !order.includes(o.id));
    fieldset.querySelector('.rank-full').hidden = !(full && left);
    fieldset.querySelector('.rank-hint').hidden = !left || full;
  }

  /** Checkbox contests: an exclusive option clears the others; at most max candidates. */
  function enforceRules(fieldset, contest, changed) {
    const inputs = Array.from(fieldset.querySelectorAll('input'));
    if (changed.checked) {
      for (const input of inputs) {
        const clash = changed.dataset.exclusive ? input !== changed : input.dataset.exclusive;
        if (clash) input.checked = false;
      }
    }
    const chosen = inputs.filter((i) => i.checked && !i.dataset.exclusive).length;
    for (const input of inputs) {
      if (!input.dataset.exclusive) {
        input.disabled = !input.checked && chosen >= contest.max_selections;
      }
    }
  }

  // A language switch reloads the page: the choices made so far are kept for that one
  // reload in this tab's sessionStorage, written when a language link is followed and
  // removed as soon as the page has read them back (never on the server).
  const choicesKey = `honestballot:${election}:choices-across-language-switch`;

  function keepChoicesOnLanguageSwitch() {
    for (const link of document.querySelectorAll('nav.langs a')) {
      link.addEventListener('click', () => {
        const checked = Array.from($('contests').querySelectorAll('input:checked'));
        const kept = { inputs: checked.map((input) => input.id), rankings: state.rankings };
        try {
          sessionStorage.setItem(choicesKey, JSON.stringify(kept));
        } catch (e) {
          // storage blocked: the voter chooses again after the switch
        }
      });
    }
  }

  function restoreChoices() {
    let saved = null;
    try {
      saved = sessionStorage.getItem(choicesKey);
      sessionStorage.removeItem(choicesKey);
    } catch (e) {
      return;
    }
    let kept = null;
    try {
      kept = JSON.parse(saved || 'null');
    } catch (e) {
      return;
    }
    if (!kept || typeof kept !== 'object') return;
    const ids = Array.isArray(kept.inputs) ? kept.inputs : [];
    const rankings = kept.rankings && typeof kept.rankings === 'object' ? kept.rankings : {};
    for (const contest of state.contests) {
      if (!contest.method) continue;
      state.rankings[contest.id] = cleanRanking(contest, rankings[contest.id]);
      drawRanking(contest);
    }
    for (const id of ids) {
      const input = document.getElementById(String(id));
      if (input && $('contests').contains(input)) input.checked = true;
    }
    for (const contest of state.contests) {
      const fieldset = $('contests').querySelector(`fieldset[data-contest="${contest.id}"]`);
      const first = fieldset && fieldset.querySelector('input');
      if (first && contest.max_selections !== 1 && !contest.method) {
        enforceRules(fieldset, contest, { checked: false, dataset: {} });
      }
    }
  }

  /** Every contest id -> the chosen option ids; throws when a contest has no choice. */
  function selections() {
    const chosen = {};
    for (const contest of state.contests) {
      const fieldset = $('contests').querySelector(`fieldset[data-contest="${contest.id}"]`);
      const ids = contest.method
        ? state.rankings[contest.id].slice()
        : Array.from(fieldset.querySelectorAll('input:checked')).map((i) => i.value);
      if (ids.length === 0) throw new Error(say('incomplete', { contest: inLanguage(contest.title) }));
      chosen[contest.id] = ids;
    }
    return chosen;
  }

  function lockBallot(locked) {
    for (const fieldset of $('contests').querySelectorAll('fieldset')) fieldset.disabled = locked;
    $('encrypt').disabled = locked;
    $('encrypt').textContent = say('encrypt');
    show('encrypt', !locked);
    if ($('new-cast-offer')) show('new-cast-offer', !locked);
  }

  function discardEncryption() {
    state.encrypted = null;
    $('tracking-code').textContent = '';
    show('encrypted', false);
    busyBallot(false);
    lockBallot(false);
  }

  async function encrypt(event) {
    event.preventDefault();
    show('ballot-error', false);
    show('voter-error', false);
    $('encrypt').disabled = true;
    $('encrypt').textContent = say('encrypting');
    await nextPaint();
    try {
      const chosen = selections();
      state.encrypted = HB.revoting.encryptBallot(state.context, chosen, state.seed);
      state.chosen = chosen;
    } catch (e) {
      $('encrypt').disabled = false;
      $('encrypt').textContent = say('encrypt');
      showError('ballot-error', e);
      return;
    }
    lockBallot(true);
    show('audit-result', false);
    $('tracking-code').textContent = state.encrypted.tracking_code;
    $('cast').disabled = false;
    $('audit').disabled = false;
    $('cast').textContent = say('cast');
    show('encrypted');
  }

  /** @param {boolean} busy - a cast or an audit is on its way: no button may change it */
  function busyBallot(busy) {
    for (const id of ['cast', 'audit', 'change']) $(id).disabled = busy;
  }

  async function cast() {
    const mine = state.encrypted;
    if (!mine) return;
    if (keptSinceTyped()) {
      showError('voter-error', new Error(say('seedKeptSince')));
      return;
    }
    busyBallot(true);
    $('cast').textContent = say('casting');
    try {
      const receipt = await call('POST', '/revoting/ballots', {
        ballot: mine.ballot,
        private: mine.private,
      });
      // The receipt checked next is the one of the ballot made here, whatever the server
      // names: a server sending the voter to another (included) ballot's receipt while
      // dropping this one must not get a "verified" page.
      if (!receipt || receipt.tracking_hash !== mine.tracking_hash) {
        throw new Error(say('receiptMismatch'));
      }
      keepTypedCode();
      location.assign(`/e/${encodeURIComponent(election)}/receipt/${mine.tracking_hash}`);
    } catch (e) {
      busyBallot(false);
      $('cast').textContent = say('cast');
      if (typedCodeUnknown(e)) {
        backToTypedCode();
        return;
      }
      showError('voter-error', e);
    }
  }

  async function audit() {
    if (!state.encrypted) return;
    const { ballot, opening } = state.encrypted;
    const secret = state.encrypted.private;
    // Once its opening has left this device the encryption is spoiled, whatever the
    // answer: if the audit failed on the way (or a server claimed it did), casting this
    // ballot would give the server a counted ballot whose choices it has read.
    discardEncryption();
    let answer;
    try {
      answer = await call('POST', '/revoting/audits', { ballot, opening, private: secret });
    } catch (e) {
      if (typedCodeUnknown(e)) {
        backToTypedCode();
        return;
      }
      const why = e instanceof Error ? e.message : String(e);
      showError('voter-error', new Error(`${why} ${say('auditFailed')}`));
      return;
    }
    keepTypedCode();
    showAudit(answer);
  }

  /**
   * A typed `HB2-` code under which the service has just accepted a ballot: keep it,
   * unless this device has kept a code since it was typed (another tab or window
   * registered a credential with the letter, or took a code): that one is the device's
   * newer credential and is never overwritten.
   */
  function keepTypedCode() {
    if (!state.typedCode) return;
    const stored = storedCode();
    if (!stored) storeCode(state.typedCode);
    if (!stored || stored === state.typedCode) state.typedCode = '';
  }

  /**
   * The code this device has kept since a code was typed here, if it is another one: a
   * cast under the typed code is then refused here (the voter would expect the device's
   * credential, and a letter's registration in the other tab replaced the typed one).
   */
  function keptSinceTyped() {
    if (!state.typedCode) return '';
    const stored = storedCode();
    return stored && stored !== state.typedCode ? stored : '';
  }

  /**
   * The service's "not registered" (§2.6) for a ballot or an audit under a typed code,
   * told by its stable code (docs/api.md), never by its words.
   */
  const typedCodeUnknown = (e) =>
    Boolean(state.typedCode) && e instanceof ApiError && e.code === 'not_registered';

  /**
   * A typed `HB2-` code of no registration of this voter in this election (another
   * election's or voter's code passes the checksum): back to the card of the letter and
   * the kept code, the choices kept, saying what to do.  Nothing of the code is kept.
   */
  function backToTypedCode() {
    discardEncryption();
    state.typedCode = '';
    state.seed = '';
    show('ballot-form', false);
    show('letter');
    showError('seed-code-error', new Error(say('seedNotRegistered')));
    $('seed-code').focus();
  }

  function showAudit(answer) {
    const list = $('audit-choices');
    list.replaceChildren();
    let same = true;
    for (const contest of state.contests) {
      const found = answer.choices[contest.id] || [];
      const labels = found.map((id) => {
        const option = contest.options.find((o) => o.id === id);
        return option ? inLanguage(option.label) : id;
      });
      const item = document.createElement('li');
      const title = document.createElement('strong');
      title.textContent = `${inLanguage(contest.title)}: `;
      // a ranked contest's choices come in their order, and are compared in it
      const ranked = contest.method && labels.length > 1;
      item.append(title, (ranked ? labels.map((l, i) => `${i + 1}. ${l}`) : labels).join(', '));
      list.append(item);
      const mine = (state.chosen[contest.id] || []).slice();
      const theirs = found.slice();
      if (!contest.method) {
        mine.sort();
        theirs.sort();
      }
      same = same && mine.join('\n') === theirs.join('\n');
    }
    $('audit-check').textContent = same ? say('auditMatch') : say('auditMismatch');
    $('audit-check').className = same ? 'ok' : 'bad';
    $('audit-tracking').textContent = answer.tracking_code;
    show('audit-result');
  }

  function forgetCode() {
    try {
      localStorage.removeItem(storageKey);
    } catch (e) {
      // storage blocked: nothing was kept
    }
  }

  function bindBallotButtons() {
    // signing out also takes the credential code off this browser (a shared device)
    $('signout-form').addEventListener('submit', forgetCode);
    $('ballot-form').addEventListener('submit', encrypt);
    $('cast').addEventListener('click', cast);
    $('audit').addEventListener('click', audit);
    $('change').addEventListener('click', discardEncryption);
  }

  // -- the receipt page --------------------------------------------------------------------

  /**
   * The distinct witnesses the context names among the co-signatures' keys (a server
   * short of the quorum is refused here in the voter's words; HB.verifyWitnessedHead then
   * checks every co-signature).
   */
  function namedSigners(cosignatures, context) {
    const named = new Set(context.witnesses.map((w) => w.key));
    return new Set(cosignatures.map((c) => c && c.witness).filter((key) => named.has(key)));
  }

  /** A receipt check that failed: the voter's words (a text key) and the English detail. */
  class ReceiptProblem extends Error {
    constructor(key, detail, values = {}) {
      super(say(key, values));
      this.detail = detail;
    }
  }

  /** The proof's board entry, parsed: throws unless the proof names the election's board
   * key and the entry is canonical JSON. */
  function boardEntry(proof, context) {
    if (proof.board_key !== context.board_key) {
      throw new ReceiptProblem('receiptBadProof', "the proof's board key is not the election's board key");
    }
    const event = JSON.parse(proof.event_line);
    if (HB.canonicalJson(event) !== proof.event_line) {
      throw new ReceiptProblem('receiptBadProof', 'the board entry is not canonical JSON');
    }
    return event;
  }

  /**
   * The entry's leaf under the proof's tree head, the head signed by the election's board
   * key and co-signed by the witnesses' quorum; resolves to the number of co-signers.
   */
  function checkIncluded(leaf, proof, context) {
    const head = proof.tree_head;
    HB.verifyInclusion(leaf, proof.seq, head.size, proof.inclusion_proof, head.root);
    HB.verifyTreeHead(head, election, context.board_key);
    const cosignatures = Array.isArray(proof.cosignatures) ? proof.cosignatures : [];
    const signers = namedSigners(cosignatures, context).size;
    if (signers < context.witness_quorum) {
      const values = { count: signers, quorum: context.witness_quorum };
      throw new ReceiptProblem('receiptNoQuorum', 'too few co-signatures', values);
    }
    HB.verifyWitnessedHead(head, proof.cosignatures, context);
    return signers;
  }

  /**
   * The board entry is the cast row at `seq` (the
   * place the page shows) of the ballot made on the voter's device (its tracking hash
   * recomputed here from the row), counted (flag E0, counter proof, nothing else in the
   * body), for this election, and included under a signed (and witnessed) tree head; or,
   * for an audited ballot (`kind` "audit", on the board from the close), the audit entry
   * at `seq` holding that ballot and its opening.
   */
  function checkRevotingEntry(proof, context, trackingHash, seq, kind) {
    const event = boardEntry(proof, context);
    const where = event.type === 'event' && event.seq === seq && proof.seq === seq;
    if (!where || event.kind !== proof.kind) {
      throw new ReceiptProblem('receiptOtherBallot', 'the board entry is not the one the proof describes');
    }
    if (event.kind !== kind) {
      const what = kind === 'audit' ? 'an audited ballot' : 'a cast row';
      throw new ReceiptProblem('receiptOtherBallot', `the board entry is not ${what}`);
    }
    // A cast row's body holds the row only; its flag is E0 (a row flagged E1 is padding,
    // never counted) and its counter's proof verifies at the row's place, as the verifier
    // checks them; an audit's body holds the ballot and its opening only (the bundle
    // throws otherwise: "failed").
    const ballotHash =
      kind === 'audit'
        ? HB.revoting.auditEvent(context, event.body)
        : HB.revoting.castRowEvent(context, event.body);
    if (ballotHash !== trackingHash) {
      throw new ReceiptProblem('receiptOtherBallot', 'the board entry holds another ballot');
    }
    const ballot = kind === 'audit' ? event.body.ballot : event.body.row.ballot;
    if (ballot.election !== context.base_hash) {
      throw new ReceiptProblem('receiptOtherElection', 'the context is not the election the ballot was made for');
    }
    if (HB.trackingCode(trackingHash) !== $('tracking-code').textContent.trim()) {
      throw new ReceiptProblem('receiptOtherCode', 'the tracking code does not belong to this ballot');
    }
    const leaf = HB.eventLeafHash(event);
    if (leaf !== proof.leaf_hash) {
      throw new ReceiptProblem('receiptBadProof', "the entry's leaf hash is wrong");
    }
    return checkIncluded(leaf, proof, context);
  }

  /**
   * The badge the verdict goes in, beside the status the receipt shows ("included"),
   * which the check does not change.
   */
  const receiptBadge = () => $('receipt-check-badge');

  /** The verdict of a receipt check that passed. */
  function showVerified(context, proof, signers) {
    const status = receiptBadge();
    status.textContent = say('badgeVerified');
    status.dataset.state = 'verified';
    status.className = 'badge ok';
    const size = proof.tree_head.size;
    $('receipt-message').textContent =
      context.witnesses.length > 0
        ? say('receiptWitnessed', { size, count: signers, quorum: context.witness_quorum })
        : say('receiptVerified', { size });
  }

  /** The verdict of a receipt check that failed, `e` naming why. */
  function showFailed(e) {
    const status = receiptBadge();
    const message = $('receipt-message');
    status.textContent = say('badgeFailed');
    status.dataset.state = 'failed';
    status.className = 'badge bad';
    // our own checks name the problem in the voter's language; a proof the crypto
    // library refuses is named in general, its English detail kept in the tooltip
    const reason =
      e instanceof ReceiptProblem || e instanceof ApiError ? e.message : say('receiptBadProof');
    message.textContent = say('receiptFailed', { reason });
    message.title = e instanceof ReceiptProblem ? e.detail : (e && e.message) || String(e);
  }

  /** Ask `path` again while it answers "pending" (at most ten minutes), showing so. */
  async function untilIncluded(path) {
    let proof = await call('GET', path);
    for (let tries = 0; proof && proof.status === 'pending' && tries < 120; tries += 1) {
      receiptBadge().textContent = say('badgePending');
      receiptBadge().dataset.state = 'pending';
      $('receipt-message').textContent = say('receiptPending');
      await new Promise((resolve) => setTimeout(resolve, 1000 * (proof.retry_after_s || 5)));
      proof = await call('GET', path);
    }
    return proof;
  }

  /**
   * The receipt of a ballot version 2 whose cast row the page shows "included" at `seq`
   * (docs/coercion.md §3): the row's inclusion proof under the latest signed and
   * witnessed tree head (`GET /api/e/<election>/ballots/<tracking hash>`), checked here;
   * likewise the audit entry of an "audited" ballot once the close has put it on the
   * board at `seq`.  A
   * "recorded" ballot, or an audited one before the close, has no entry to check.
   */
  async function revotingReceiptPage() {
    const status = app.dataset.status;
    const onBoard = app.dataset.seq !== undefined;
    if (!onBoard || (status !== 'included' && status !== 'audited')) return;
    const kind = status === 'audited' ? 'audit' : 'cast-row';
    const trackingHash = app.dataset.trackingHash || '';
    const seq = Number(app.dataset.seq);
    try {
      const context = await call('GET', '/context');
      const proof = await untilIncluded(`/ballots/${encodeURIComponent(trackingHash)}`);
      if (proof && proof.status === 'pending') return;
      if (!proof || proof.status !== 'included') throw new Error(say('receiptPending'));
      showVerified(context, proof, checkRevotingEntry(proof, context, trackingHash, seq, kind));
    } catch (e) {
      showFailed(e);
    }
  }

  if (app.dataset.page === 'vote') votePage();
  if (app.dataset.page === 'receipt-v2') revotingReceiptPage();
})();
