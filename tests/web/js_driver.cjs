// Runs calls against the BUILT browser bundle, for tests/web/test_js_crypto.py.
//
// stdin:  {"bundle": "<path to honestballot-crypto.js>",
//          "calls": [{"fn": "encryptBallot" | "primitives.hashBytes" | ..., "args": [...]}]}
// stdout: {"results": [{"ok": <return value>} | {"error": {"name", "message"}}],
//          "console": [<anything the bundle wrote to the console>]}
//
// The bundle is evaluated as a classic script in this realm, as a browser would run it,
// and must set globalThis.HonestBallot.
'use strict';

const fs = require('node:fs');
const vm = require('node:vm');

const input = JSON.parse(fs.readFileSync(0, 'utf8'));

const logged = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
  console[level] = (...args) => logged.push([level, ...args.map(String)]);
}

vm.runInThisContext(fs.readFileSync(input.bundle, 'utf8'), { filename: input.bundle });
const api = globalThis.HonestBallot;
if (!api) {
  process.stderr.write('the bundle did not set globalThis.HonestBallot\n');
  process.exit(2);
}

function lookup(name) {
  let target = api;
  for (const key of name.split('.')) {
    target = target?.[key];
  }
  if (typeof target !== 'function') throw new TypeError(`HonestBallot.${name} is not a function`);
  return target;
}

const results = input.calls.map(({ fn, args }) => {
  try {
    return { ok: lookup(fn)(...args) };
  } catch (e) {
    return { error: { name: e?.name ?? typeof e, message: e?.message ?? String(e) } };
  }
});

process.stdout.write(JSON.stringify({ results, console: logged }));
