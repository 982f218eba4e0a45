// Browser tests of the paper's figures as presets: each opens from the Scenario menu with its
// set-up (`log`, `term`, `commit` lines) carried out at time 0 — in the view and in the log table —
// and the figure 7 preset's permalink reproduces its run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, loadWidget, onWidget, ARTIFACTS } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

const load = (query = '', viewport) => loadWidget(env.browser, env.url + query, viewport);
const FIGURES = ['split_vote', 'figure6', 'figure7', 'figure7_no_hint', 'figure8', 'figure8_safe', 'figure11', 'figure12'];

/** What a script's set-up lines say: server → {terms, term, commit}. */
function setUp(text, servers) {
  const want = Array.from({ length: servers }, () => ({ terms: [], term: 0, commit: 0 }));
  for (const line of text.split('\n')) {
    const [word, s, ...rest] = line.split('#')[0].trim().split(/\s+/);
    const w = want[Number(s?.replace('S', '')) - 1];
    if (word === 'log') {
      w.terms = rest.map(Number);
      w.term = Math.max(w.term, w.terms.at(-1) ?? 0);
    } else if (word === 'term') w.term = Number(rest[0]);
    else if (word === 'commit') w.commit = Number(rest[0]);
  }
  return want;
}

/** Pick a scenario from the menu, paused; then the caption, the view and the log table's rows. */
async function open(page, name) {
  await onWidget(page, (el) => el.pause());
  await page.locator('raft-playground [data-cmd=scenario]').selectOption(name);
  await page.waitForTimeout(80); // a frame draws the panels
  return onWidget(page, (el, name) => {
    el.pause();
    const r = el.shadowRoot;
    const rows = [...r.querySelectorAll('.logs table tbody tr')].map((tr) => [...tr.querySelectorAll('td.ent')].map((td) => Number(td.textContent.replace(/\D+$/, ''))));
    return {
      caption: r.querySelector('.scenario-desc').textContent,
      shown: !r.querySelector('.scenario-desc').hidden,
      text: el.scenarios.find((s) => s.name === name).text,
      v: el.view(),
      rows,
    };
  }, name);
}

test('every figure preset opens from the Scenario menu with its set-up drawn at time 0', async () => {
  const page = await load();
  try {
    const menu = await page.locator('raft-playground [data-cmd=scenario] option').evaluateAll((os) => os.map((o) => o.value));
    for (const name of FIGURES) assert.ok(menu.includes(name), `${name} is on the menu`);
    for (const name of FIGURES) {
      const { caption, shown, text, v, rows } = await open(page, name);
      assert.ok(shown && caption.length > 80, `${name}: its caption says what to watch (${caption})`);
      assert.equal(v.time_ms, 0, name);
      const want = setUp(text, v.servers.length);
      for (const [k, s] of v.servers.entries()) {
        assert.deepEqual(s.log.map((e) => e.term), want[k].terms, `${name}: S${k + 1}'s log`);
        assert.equal(s.log_first, 1, `${name}: S${k + 1}'s log starts at index 1`);
        assert.equal(s.term, want[k].term, `${name}: S${k + 1}'s term`);
        assert.equal(s.commit_index, want[k].commit, `${name}: S${k + 1}'s commit index`);
        assert.deepEqual(rows[k], want[k].terms, `${name}: S${k + 1}'s row in the log table`);
      }
      if (name === 'figure7') {
        assert.deepEqual(v.servers.map((s) => s.log.length), [10, 9, 4, 11, 12, 7, 11]);
        await page.locator('raft-playground').screenshot({ path: join(ARTIFACTS, 'figure7.png') });
      }
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the figure 7 preset plays to its repaired logs, and its permalink reproduces the same digest', async () => {
  const page = await load();
  try {
    await open(page, 'figure7');
    const atStart = await onWidget(page, (el) => ({ d: el.digest(), link: el.permalink() }));
    const end = await onWidget(page, async (el) => {
      await el.runUntil(1000);
      const v = el.view();
      return { d: el.digest(), link: el.permalink(), leader: v.leader, term: v.term, logs: v.servers.map((s) => s.log.map((e) => e.term).join(' ')) };
    });
    assert.deepEqual([end.leader, end.term], [1, 8]);
    assert.deepEqual(new Set(end.logs), new Set(['1 1 1 4 4 5 5 6 6 6 8']), 'every follower repaired');
    for (const { d, link } of [atStart, end]) {
      const p2 = await load(link.slice(env.url.length));
      try {
        assert.equal(await onWidget(p2, (el) => el.digest()), d);
        assert.deepEqual(p2.errors, []);
      } finally {
        await p2.close();
      }
    }
    // Going back to the start and forward again: the same run.
    const again = await onWidget(page, async (el) => {
      await el.seek(0);
      const s7 = el.view().servers[6].log.map((e) => e.term).join(' ');
      await el.seek(1000);
      return { s7, d: el.digest() };
    });
    assert.equal(again.s7, '1 1 1 2 2 2 3 3 3 3 3');
    assert.equal(again.d, end.d);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('set-up from the element API works at time 0 only, and the broken figure 8 ends on the violation', async () => {
  const page = await load('?seed=5');
  try {
    const r = await onWidget(page, async (el) => {
      el.pause();
      el.playground.reset();
      await el.act('log S1 1 1 2');
      await el.act({ type: 'term', server: 1, term: 3 });
      const bad = await el.act('log S2 2 1').then(() => 'accepted', (e) => String(e.message ?? e));
      const s1 = el.view().servers[0];
      await el.runUntil(50);
      const late = await el.act('term S2 9').then(() => 'accepted', (e) => String(e.message ?? e));
      return { terms: s1.log.map((e) => e.term), term: s1.term, bad, late, t2: el.view().servers[1].term };
    });
    assert.deepEqual([r.terms, r.term], [[1, 1, 2], 3]);
    assert.match(r.bad, /terms never decrease/);
    assert.match(r.late, /only comes first/);
    assert.notEqual(r.t2, 9);
    await open(page, 'figure8');
    const v = await onWidget(page, async (el) => {
      await el.runUntil(2000);
      return el.view();
    });
    assert.equal(v.violations.length, 1);
    assert.equal(v.violations[0].property, 'Leader Completeness');
    assert.match(v.violations[0].detail, /S5 leads term 5 without the committed entries up to index 2/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
