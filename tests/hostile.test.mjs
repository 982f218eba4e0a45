// Browser tests of hostile input: attributes and URL parameters that are wrong, unknown or in
// conflict each get a message naming them; values that are not what the API takes (non-strings,
// objects nested too deeply or too large, getters that throw, revoked proxies) are refused with a
// message and leave the widget running; a call that would do too much work stops and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, onWidget } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

/** A page of our own, at host.html with `query`, holding `body` and the widget's module. Resolves
 * once every widget on it is ready. */
async function host(body, query = '') {
  const page = await openPage(env.browser, 'about:blank');
  await page.route('**/host.html*', (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>${body}<script type="module" src="www/embed.js"></script></body></html>`,
    }),
  );
  await page.goto(env.url + 'host.html' + query);
  await page.waitForFunction(() => [...document.querySelectorAll('raft-playground')].every((el) => el.dataset.ready === '1'), null, { timeout: 15000 });
  return page;
}

/** The text of every warning and error a widget shows (its notices). */
const notices = (page, sel = 'raft-playground') =>
  page.evaluate((sel) => [...document.querySelector(sel).shadowRoot.querySelectorAll('.notice')].map((n) => n.textContent.replace(/×$/, '')), sel);

test('autoplay takes "", "true" or "false"; anything else is ignored, and a message says so', async () => {
  const page = await host(
    '<raft-playground id="a" autoplay="yes"></raft-playground><raft-playground id="b" autoplay="false"></raft-playground>' +
      '<raft-playground id="c" autoplay></raft-playground><raft-playground id="d" autoplay="true"></raft-playground>',
  );
  try {
    const paused = await page.evaluate(() => ['a', 'b', 'c', 'd'].map((id) => document.getElementById(id).paused));
    assert.deepEqual(paused, [true, true, false, false]);
    const a = await notices(page, '#a');
    assert.equal(a.length, 1, JSON.stringify(a));
    assert.match(a[0], /autoplay="yes" is not "", "true" or "false": ignored, so the widget starts paused\./);
    for (const id of ['#b', '#c', '#d']) assert.deepEqual(await notices(page, id), [], id);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('url-params: the URL fills in only what the page leaves unset, and says what it ignored', async () => {
  const page = await host('<raft-playground url-params seed="42"></raft-playground>', '?seed=7&servers=3&load=5');
  try {
    const r = await onWidget(page, (el) => ({ seed: el.playground.seed(), servers: el.view().servers.length, load: el.view().config.load }));
    assert.deepEqual(r, { seed: '42', servers: 3, load: 5 });
    const n = await notices(page);
    assert.equal(n.length, 1, JSON.stringify(n));
    assert.match(n[0], /The page sets seed="42", so the URL's \?seed=7 is ignored \(the URL sets only what the page leaves unset\)\./);
    assert.doesNotMatch(n[0], /servers|load/);
  } finally {
    await page.close();
  }
  // Without url-params the URL is not read at all.
  const plain = await host('<raft-playground seed="42"></raft-playground>', '?servers=3&bogus=1');
  try {
    assert.equal(await onWidget(plain, (el) => el.view().servers.length), 5);
    assert.deepEqual(await notices(plain), []);
  } finally {
    await plain.close();
  }
});

test('unknown URL parameters are named (with a guess), the known ones still apply', async () => {
  const page = await host('<raft-playground url-params></raft-playground>', '?sed=5&servers=3&zoom=2');
  try {
    assert.equal(await onWidget(page, (el) => el.view().servers.length), 3);
    const n = await notices(page);
    assert.equal(n.length, 1, JSON.stringify(n));
    assert.match(n[0], /Unknown URL parameters \?sed=5, \?zoom=2 ignored \(did you mean seed\?\)\. The URL may set: seed, servers, scenario, load, run, break\./);
  } finally {
    await page.close();
  }
});

test('a URL parameter given twice says which value is used', async () => {
  const page = await host('<raft-playground url-params></raft-playground>', '?servers=3&servers=7&seed=1');
  try {
    assert.equal(await onWidget(page, (el) => el.view().servers.length), 3);
    const n = await notices(page);
    assert.equal(n.length, 1, JSON.stringify(n));
    assert.match(n[0], /The URL gives \?servers= 2 times \("3", "7"\): the first, "3", is used\./);
  } finally {
    await page.close();
  }
});

test('unknown attributes are named; HTML\'s own (id, class, style, title, data-*, aria-*, on*) are not', async () => {
  const page = await host(
    '<raft-playground id="w" class="k" style="display:block" title="t" lang="en" data-x="1" aria-label="demo" onclick="" hidden-not="1" sever="3" tabindex="0"></raft-playground>',
  );
  try {
    const n = await notices(page);
    assert.equal(n.length, 1, JSON.stringify(n));
    assert.match(n[0], /^2 problems with this widget's attributes:/);
    assert.match(n[0], /Unknown attribute sever="3" ignored \(did you mean servers\?\)\. The widget's attributes: servers, seed, speed,/);
    assert.match(n[0], /Unknown attribute hidden-not="1" ignored\. /);
    for (const known of ['data-x', 'aria-label', 'class=', 'title=', 'onclick', 'id=', 'tabindex', 'lang=']) assert.ok(!n[0].includes(known), known);
    // Ignored: the cluster has the default size.
    assert.equal(await onWidget(page, (el) => el.view().servers.length), 5);
  } finally {
    await page.close();
  }
});

test('a scenario (attribute or URL) plays with its own settings and says which were ignored', async () => {
  const page = await host('<raft-playground scenario="election" seed="42" servers="3" break="vote-twice" load="5"></raft-playground>');
  try {
    const r = await onWidget(page, (el) => {
      const v = el.view();
      return { servers: v.servers.length, seed: el.playground.seed(), brk: v.config.break, load: v.config.load, scheduled: el.playground.scheduled() };
    });
    // election.script: `config servers=5 seed=1`.
    assert.deepEqual(r, { servers: 5, seed: '1', brk: 'none', load: 0, scheduled: r.scheduled });
    const n = await notices(page);
    assert.equal(n.length, 1, JSON.stringify(n));
    assert.match(n[0], /scenario="election" plays with the scenario's own settings: servers="3", seed="42", load="5", break="vote-twice" ignored\./);
  } finally {
    await page.close();
  }
  const url = await host('<raft-playground url-params></raft-playground>', '?scenario=prevote&seed=5&servers=7');
  try {
    assert.equal(await onWidget(url, (el) => el.view().servers.length), 5);
    const n = await notices(url);
    assert.match(n.join(' '), /\?scenario=prevote plays with the scenario's own settings: \?servers=7, \?seed=5 ignored\./);
  } finally {
    await url.close();
  }
  // A permalink beats a scenario; autoplay does not apply to it either.
  const linked = await host('<raft-playground seed="3"></raft-playground>');
  let link;
  try {
    link = await onWidget(linked, async (el) => {
      await el.runUntil(800);
      return el.playground.permalink();
    });
  } finally {
    await linked.close();
  }
  const both = await host(`<raft-playground run="${link}" scenario="election" seed="9" autoplay></raft-playground>`);
  try {
    assert.equal(await onWidget(both, (el) => [el.paused, el.playground.seed(), el.time].join()), 'true,3,800');
    const n = (await notices(both)).join(' ');
    assert.match(n, /run="…" opens a permalink, which carries its own settings: seed="9" ignored\./);
    assert.match(n, /run="…" opens a permalink: scenario="election" ignored\./);
    assert.match(n, /run="…" opens paused at the link's moment: autoplay ignored\./);
  } finally {
    await both.close();
  }
});

test('a damaged ?run= says where it is damaged and starts a default run', async () => {
  const page = await host('<raft-playground url-params></raft-playground>', '?run=AQ.x');
  try {
    const n = (await notices(page)).join(' ');
    assert.match(n, /This link could not be opened: the link has a character that does not belong in it: '\.' at position 3/);
    assert.equal(await onWidget(page, (el) => el.view().servers.length), 5);
  } finally {
    await page.close();
  }
});

test('from_script and run_script refuse what is not a string with a message, not a trap', async () => {
  const page = await host('<raft-playground seed="2"></raft-playground>');
  try {
    const r = await onWidget(page, (el) => {
      const P = el.playground.constructor;
      const out = [];
      for (const [f, v] of [['from_script', 42], ['from_script', undefined], ['run_script', {}], ['run_script', null], ['run_script', ['run 1s']], ['from_permalink', 7]]) {
        try {
          P[f](v);
          out.push('accepted');
        } catch (e) {
          out.push(`${e.constructor.name}: ${e.message}`);
        }
      }
      // A script that asked about a server the cluster does not have used to trap.
      try {
        P.run_script('config servers=5\nrun 300ms\nexpect log S7 1\n');
      } catch (e) {
        out.push(`${e.constructor.name}: ${e.message}`);
      }
      return { out, alive: !el.hasAttribute('data-crashed'), panic: P.last_panic() ?? null };
    });
    assert.deepEqual(r.out, [
      'Error: script: expected a string, got number',
      'Error: script: expected a string, got undefined',
      'Error: script: expected a string, got object',
      'Error: script: expected a string, got null',
      'Error: script: expected a string, got object',
      'Error: link: expected a string, got number',
      'Error: line 3: `expect log S7 1`: no server S7: servers are S1–S5',
    ]);
    assert.equal(r.alive, true);
    assert.equal(r.panic, null);
    await onWidget(page, (el) => el.runUntil(500));
    assert.equal(await onWidget(page, (el) => el.time), 500);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('act() and new Playground() refuse deep, huge and hostile objects with a message; the widget runs on', async () => {
  const page = await host('<raft-playground seed="4"></raft-playground>');
  try {
    const r = await onWidget(page, async (el) => {
      const P = el.playground.constructor;
      await el.runUntil(800);
      let deep = { type: 'heal' };
      for (let k = 0; k < 50; k++) deep = { type: 'options', x: deep };
      const bad = {
        deep,
        wide: { type: 'partition', groups: new Array(100000).fill([1]) },
        long: { type: 'request', server: 1, command: 'x'.repeat(2 << 20) },
        getter: {
          get type() {
            throw new Error('boom');
          },
        },
        revoked: (() => {
          const { proxy, revoke } = Proxy.revocable({}, {});
          revoke();
          return proxy;
        })(),
        trap: new Proxy({}, { ownKeys() { throw new Error('no keys'); } }),
        fn: { type: 'crash', server: () => 1 },
        big: { type: 'crash', server: 10n },
      };
      const acted = {};
      for (const [k, v] of Object.entries(bad)) acted[k] = await el.act(v).then(() => 'accepted', (e) => e.message);
      const made = {};
      for (const [k, v] of Object.entries(bad)) {
        try {
          new P(v).free();
          made[k] = 'accepted';
        } catch (e) {
          made[k] = `${e.constructor.name}: ${e.message}`;
        }
      }
      // Still running: an action and a run go through, nothing crashed.
      await el.act('crash 1');
      await el.runUntil(1500);
      return { acted, made, alive: el.view().servers[0].alive, t: el.time, crashed: el.hasAttribute('data-crashed') };
    });
    assert.match(r.acted.deep, /^action(\.x){8}\.type: the value is nested too deeply \(at most 8 levels\)$/);
    assert.match(r.acted.wide, /^action\.groups: the value is too large \(at most 10000 values and 1024 KB of text in all\)$/);
    assert.match(r.acted.long, /^action\.command: the value is too large/);
    assert.equal(r.acted.getter, 'action.type: reading it threw an exception: boom');
    assert.match(r.acted.revoked, /^action: reading it threw an exception: .*revoked/);
    assert.equal(r.acted.trap, 'action: reading it threw an exception: no keys');
    assert.equal(r.acted.fn, 'action.server: expected plain data (numbers, strings, booleans, arrays, objects), got a function');
    assert.equal(r.acted.big, 'action.server: expected plain data (numbers, strings, booleans, arrays, objects), got a BigInt');
    assert.match(r.made.deep, /^Error: config(\.x){8}\.type: the value is nested too deeply/);
    assert.match(r.made.getter, /^Error: config\.type: reading it threw an exception: boom$/);
    assert.match(r.made.wide, /^Error: config\.groups: the value is too large/);
    assert.ok(Object.values(r.made).every((m) => m.startsWith('Error: ')), JSON.stringify(r.made));
    assert.deepEqual([r.alive, r.t, r.crashed], [false, 1500, false]);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a call that would do too much work stops where it got to and says so; the widget goes on', async () => {
  const page = await host('<raft-playground servers="51" load="10000" seed="1"></raft-playground>');
  try {
    const r = await onWidget(page, async (el) => {
      const P = el.playground.constructor;
      const before = el.time;
      const msg = await el.runUntil(3600000).then(() => 'accepted', (e) => e.message);
      const t = el.time;
      let bench = [];
      for (const args of [[5, 1000, 0], [51, 4e9, 1], [5, 4e9, 1000]]) {
        try {
          P.bench(...args);
          bench.push('accepted');
        } catch (e) {
          bench.push(`${e.constructor.name}: ${e.message}`);
        }
      }
      // It goes on from where it stopped.
      await el.runUntil(t + 20);
      return { before, msg, t, after: el.time, bench, crashed: el.hasAttribute('data-crashed') };
    });
    assert.match(r.msg, /^run_until: stopped at [\d.]+ ms, short of 3600000\.000 ms, after \d+ units of work \(events, entries sent and written\), the most one call may do; call again to go on$/);
    assert.ok(r.t > r.before && r.t < 3600000, `${r.before} → ${r.t}`);
    assert.equal(r.after, r.t + 20);
    assert.deepEqual(r.bench, [
      'Error: write_every_us = 0: at least 100 (10,000 writes per simulated second, the most `load` allows)',
      'Error: write_every_us = 1: at least 100 (10,000 writes per simulated second, the most `load` allows)',
      'Error: sim_ms = 4000000000: at most an hour (3600000)',
    ]);
    assert.equal(r.crashed, false);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
