// Browser tests of the inspector: a server's whole state (picked with the mouse, a finger or the
// keyboard), what the last step changed, a message's fields, and dropping or duplicating exactly
// that message (recorded, so the digest and the permalink carry it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ROOT } from '../scripts/setup.mjs';
import { start, openPage, loadWidget, onWidget, ARTIFACTS } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

const onEl = onWidget;

/** Open the page paused with a settled leader that has just been sent `x <- 3`, its AppendEntries
 * in flight. */
async function load(query = '?seed=3', viewport) {
  const page = await loadWidget(env.browser, env.url + query, viewport);
  await onEl(page, async (el) => {
    el.pause();
    await el.runUntil(1500);
    await el.act({ type: 'request', server: el.view().leader, command: 'x <- 3' });
    await el.runUntil(1503);
  });
  await frame(page);
  return page;
}

/** Let the widget draw a frame (the panels update on frames). */
const frame = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

const $ = (page, sel) => page.locator(`raft-playground ${sel}`);
const dd = (page, key) => $(page, `.inspector dd[data-k=${key}]`);

/** Where server `id` is on the page. */
function serverAt(page, id) {
  return onEl(page, (el, id) => {
    const p = el.serverPosition(id);
    const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, id);
}

/** Where message `id` is drawn on the page (the canvas's own layout and message path). */
function messageAt(page, id) {
  return page.evaluate(async ([url, id]) => {
    const { layout, messagePoint } = await import(url);
    const el = document.querySelector('raft-playground');
    const c = el.shadowRoot.querySelector('canvas');
    const v = el.view();
    const L = layout(c.clientWidth, c.clientHeight, v.servers.length);
    L.still = matchMedia('(prefers-reduced-motion: reduce)').matches;
    const p = messagePoint(L, v.messages.find((m) => m.id === id), v.time_ms);
    const r = c.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [env.url + 'src/www/render.js', id]);
}

async function audit(page) {
  if (!(await page.evaluate(() => typeof axe !== 'undefined'))) {
    await page.addScriptTag({ content: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
  }
  return page.evaluate(async () => {
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

test('the leader\'s flow-control window: full with eight messages in flight, then freed as the acknowledgements come back (the flow_control scenario)', async () => {
  const page = await loadWidget(env.browser, env.url + '?scenario=flow_control');
  try {
    const state = async (at) => {
      await onEl(page, async (el, at) => {
        el.pause();
        await el.runUntil(at);
      }, at);
      await frame(page);
      const l = await onEl(page, (el) => el.view().leader);
      await $(page, `.insp-pick [data-server="${l}"]`).click();
      await frame(page);
      const rows = await $(page, '.inspector .insp-tab').first().evaluate((t) => [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)));
      const wasm = await onEl(page, (el, l) => el.playground.inspect(l).progress, l);
      return { rows, wasm };
    };
    // 412 ms: twelve requests so far, eight one-entry messages unanswered to each follower.
    const full = await state(412);
    assert.equal(full.rows.length, 2);
    for (const [k, r] of full.rows.entries()) {
      assert.equal(r[3], 'replicate (window full: 8 in flight)', JSON.stringify(full.rows));
      assert.deepEqual([full.wasm[k].in_flight, full.wasm[k].throttled], [8, true]);
    }
    // 431 ms: every one-entry message acknowledged, the batch of twelve answered or on its way.
    const later = await state(431);
    for (const [k, r] of later.rows.entries()) {
      assert.ok(later.wasm[k].in_flight <= 1 && !later.wasm[k].throttled, JSON.stringify(later.wasm));
      assert.equal(r[3], later.wasm[k].in_flight ? 'replicate (1 in flight)' : 'replicate', JSON.stringify(later.rows));
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a server clicked on the canvas shows its whole state: term, vote, commit, log, and the leader\'s nextIndex/matchIndex', async () => {
  const page = await load();
  try {
    const v = await onEl(page, (el) => el.view());
    const l = v.leader;
    const p = await serverAt(page, l);
    await page.mouse.click(p.x, p.y);
    await page.keyboard.press('Escape'); // the menu opened too
    await frame(page);
    const s = v.servers[l - 1];
    assert.equal(await $(page, `.insp-pick [data-server="${l}"]`).getAttribute('aria-pressed'), 'true');
    assert.match(await $(page, '.insp-head').textContent(), new RegExp(`S${l} · leader · term ${s.term}`));
    assert.equal(await dd(page, 'term').textContent(), String(s.term));
    assert.equal(await dd(page, 'vote').textContent(), `S${s.voted_for}`);
    assert.equal(await dd(page, 'commit').textContent(), String(s.commit_index));
    assert.equal(await dd(page, 'applied').textContent(), String(s.last_applied));
    assert.equal(await dd(page, 'log').textContent(), `1–${s.log_last}`);
    assert.match(await dd(page, 'heartbeat').textContent(), /^fires at [\d.]+ ms \(in [\d.]+ ms\)$/);
    // The log: index, term and command of every entry (here: the no-op and the new write).
    const rows = await $(page, '.insp-log .lr').allTextContents();
    assert.equal(rows.length, s.log_last);
    assert.match(rows[0], /^1\s*1\s*no-op/);
    assert.match(rows.at(-1), new RegExp(`^${s.log_last}\\s*${s.term}\\s*x <- 3`));
    // nextIndex[] and matchIndex[]: one row per follower, as the leader has them.
    const table = await $(page, '.inspector .insp-tab').first().evaluate((t) => [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)));
    assert.deepEqual(
      table.map((r) => r.slice(0, 3)),
      v.servers.filter((x) => x.id !== l).map((x) => [`S${x.id}`, String(s.next_index[x.id - 1]), String(s.match_index[x.id - 1])]),
    );
    // A follower: no leader state, an election timer, who it knows leads.
    const f = l === 1 ? 2 : 1;
    await $(page, `.insp-pick [data-server="${f}"]`).click();
    assert.match(await $(page, '.insp-head').textContent(), new RegExp(`S${f} · follower`));
    assert.equal(await dd(page, 'leader').textContent(), `S${l}`);
    assert.match(await dd(page, 'election').textContent(), /^fires at/);
    assert.equal(await $(page, '.inspector .insp-tab').count(), 0, 'no nextIndex/matchIndex table');
    // The canvas marks what is inspected; the wasm side answers for the same server.
    const data = await onEl(page, (el, f) => el.playground.inspect(f), f);
    assert.equal(data.id, f);
    assert.equal(await dd(page, 'term').textContent(), String(data.term));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('by keyboard: the inspector follows the focused server; the menu\'s Inspect moves there; a crashed server shows its disk', async () => {
  const page = await load();
  try {
    await $(page, '.srv[tabindex="0"]').focus();
    await page.keyboard.press('ArrowRight');
    await frame(page);
    assert.equal(await $(page, '.insp-pick [data-server="2"]').getAttribute('aria-pressed'), 'true');
    assert.match(await $(page, '.insp-head').textContent(), /^S2 · /);
    await page.keyboard.press('Enter');
    assert.ok(await $(page, '.menu').isVisible());
    await page.keyboard.press('End');
    const focused = () => page.evaluate(() => {
      const a = document.querySelector('raft-playground').shadowRoot.activeElement;
      return a ? a.dataset.action ?? a.dataset.server ?? a.dataset.id ?? a.tagName : null;
    });
    assert.equal(await focused(), 'inspect', 'Inspect is the last item');
    // Crash it first (from the menu), then inspect it.
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    assert.equal(await onEl(page, (el) => el.view().servers[1].alive), false);
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    assert.equal(await $(page, '.menu').isVisible(), false);
    assert.equal(await focused(), '2', 'the focus is on the inspector, on S2');
    await frame(page);
    const disk = await onEl(page, (el) => el.view().servers[1]);
    assert.match(await $(page, '.insp-head').textContent(), /S2 · crashed/);
    assert.match(await $(page, '.inspector').textContent(), /what survived on disk/);
    assert.match(await $(page, '.inspector').textContent(), /Lost in the crash/);
    assert.equal(await dd(page, 'term').textContent(), String(disk.term));
    assert.equal(await dd(page, 'commit').count(), 0, 'no volatile state');
    assert.equal(await $(page, '.insp-log .lr').count(), disk.log_last);
    // The inspector's own buttons work from the keyboard too.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    assert.match(await $(page, '.insp-head').textContent(), /^S3 · /);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('what the last step changed is highlighted, and only that', async () => {
  const page = await load();
  try {
    const { l, f } = await onEl(page, (el) => {
      const l = el.view().leader;
      return { l, f: l === 1 ? 2 : 1 };
    });
    await $(page, `.insp-pick [data-server="${f}"]`).click();
    await frame(page);
    // Step one event at a time until the follower receives the new entry.
    const before = await onEl(page, (el, f) => el.view().servers[f - 1].log_last, f);
    let after = before;
    for (let k = 0; k < 40 && after === before; k++) {
      after = await onEl(page, async (el, f) => (await el.step(1), el.view().servers[f - 1].log_last), f);
    }
    assert.equal(after, before + 1, 'the AppendEntries arrived');
    await frame(page);
    assert.equal(await $(page, '.insp-log .lr.chg').count(), 1, 'the new entry is highlighted');
    assert.match(await $(page, '.insp-log .lr.chg').textContent(), new RegExp(`^${after}.*x <- 3`));
    assert.equal(await dd(page, 'log').getAttribute('class'), 'chg');
    assert.equal(await dd(page, 'term').getAttribute('class'), null, 'the term did not change');
    assert.equal(await dd(page, 'vote').getAttribute('class'), null);
    // A step that does not touch this server changes nothing here: no highlight.
    for (let k = 0; k < 40; k++) {
      const what = await onEl(page, async (el) => {
        const what = el.playground.step();
        await el.step(0); // (redraws)
        return what;
      });
      if (!what.includes(`S${f}`)) break;
    }
    await frame(page);
    assert.equal(await $(page, '.inspector .chg').count(), 0);
    // On the leader, a follower's acknowledgement shows in matchIndex.
    await $(page, `.insp-pick [data-server="${l}"]`).click();
    let changed = 0;
    for (let k = 0; k < 60 && !changed; k++) {
      await onEl(page, (el) => el.step(1));
      await frame(page);
      changed = await $(page, '.insp-tab td.chg').count();
    }
    assert.ok(changed > 0, 'a matchIndex / nextIndex cell lit up');
    // After a jump (an entry of the event list clicked), what that moment's event changed: the vote.
    const vote = $(page, '.events .ev').filter({ hasText: /votes for S\d in term 1/ }).first();
    const voter = Number((await vote.textContent()).match(/S(\d) votes for/)[1]);
    await vote.click();
    await $(page, `.insp-pick [data-server="${voter}"]`).click();
    await frame(page);
    assert.equal(await dd(page, 'vote').getAttribute('class'), 'chg', 'votedFor changed at that event');
    assert.equal(await dd(page, 'log').getAttribute('class'), null);
    assert.equal(await $(page, '.insp-log .lr.chg').count(), 0);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a message clicked on the canvas shows its fields; Drop and Duplicate act on exactly it, and the permalink reproduces them', async () => {
  const page = await load();
  try {
    const v = await onEl(page, (el) => el.view());
    const ae = v.messages.filter((m) => m.kind === 'AppendEntries' && !m.lost).sort((a, b) => a.id - b.id);
    assert.ok(ae.length >= 4, JSON.stringify(v.messages));
    const m = ae[0];
    const p = await messageAt(page, m.id);
    await page.mouse.click(p.x, p.y);
    await frame(page);
    assert.equal(await $(page, '.menu').isVisible(), false);
    const text = await $(page, '.inspector').textContent();
    assert.match(text, new RegExp(`AppendEntries\\s*message ${m.id}`));
    const fields = await $(page, '.inspector .insp-body dl').first().evaluate((d) => Object.fromEntries([...d.querySelectorAll('dt')].map((t) => [t.textContent, t.nextElementSibling.textContent])));
    const data = await onEl(page, (el, id) => el.playground.message(id), m.id);
    assert.equal(fields['from → to'], `S${m.from} → S${m.to}`);
    assert.equal(fields.term, String(m.term));
    for (const [k, x] of data.fields) assert.equal(fields[k], x, k);
    assert.ok('prevLogIndex' in fields && 'prevLogTerm' in fields && 'leaderCommit' in fields, JSON.stringify(fields));
    assert.match(fields['sent at'], /^[\d.]+ ms$/);
    assert.match(fields['arrives at'], /^[\d.]+ ms \(in [\d.]+ ms\)$/);
    const entry = await $(page, '.inspector .insp-body tbody tr').first().textContent();
    assert.equal(entry, `${Number(fields.prevLogIndex) + 1}${m.term}x <- 3`);
    assert.equal(await $(page, `.insp-list [data-msg="${m.id}"]`).getAttribute('aria-pressed'), 'true');

    // Drop it: it is gone, the run changed, and the record says so.
    const d0 = await onEl(page, (el) => el.digest());
    await $(page, '.insp-acts [data-do=drop_message]').click();
    await frame(page);
    const after = await onEl(page, (el) => ({ ids: el.view().messages.map((x) => x.id), digest: el.digest(), script: el.playground.script() }));
    assert.ok(!after.ids.includes(m.id), 'the message is no longer in flight');
    assert.notEqual(after.digest, d0);
    assert.match(after.script, new RegExp(`^drop-message ${m.id}$`, 'm'));
    assert.match(await $(page, '.inspector').textContent(), new RegExp(`Message ${m.id} was dropped`));
    assert.equal(await $(page, `.insp-list [data-msg="${m.id}"]`).count(), 0);
    const dropped = await onEl(page, async (el, to) => {
      await el.runUntil(1530);
      return el.view().servers[to - 1].log_last;
    }, m.to);
    const other = await onEl(page, (el, to) => el.view().servers[to - 1].log_last, ae[1].to);
    assert.equal(dropped + 1, other, `S${m.to} never got the entry; S${ae[1].to} did`);

    // Duplicate another one, picked from the list with the keyboard.
    await frame(page);
    const dup = await onEl(page, (el) => el.view().messages.find((x) => !x.lost));
    await $(page, `.insp-list [data-msg="${dup.id}"]`).focus();
    await page.keyboard.press('Enter');
    await frame(page);
    const n0 = await onEl(page, (el) => el.view().messages.length);
    await $(page, '.insp-acts [data-do=duplicate_message]').focus();
    await page.keyboard.press('Enter');
    await frame(page);
    const copies = await onEl(page, (el, d) => el.view().messages.filter((x) => x.kind === d.kind && x.from === d.from && x.to === d.to && x.term === d.term), dup);
    assert.equal(copies.length, 2, 'the original and its copy');
    assert.equal(await onEl(page, (el) => el.view().messages.length), n0 + 1);
    const script = await onEl(page, (el) => el.playground.script());
    assert.match(script, new RegExp(`^drop-message ${m.id}\nrun \\d+us\nduplicate-message ${dup.id}$`, 'm'));
    await onEl(page, (el) => el.runUntil(1600));
    const end = await onEl(page, (el) => ({ digest: el.digest(), link: el.permalink() }));
    // The narration tells it.
    const events = await $(page, '.events').textContent();
    assert.match(events, /you: duplicate-message \d+|the network duplicates/);

    // A permalink replays both the branch and its duplicate to the same state.
    const p2 = await loadWidget(env.browser, end.link);
    try {
      assert.equal(await onWidget(p2, (el) => el.digest()), end.digest);
      assert.deepEqual(p2.errors, []);
    } finally {
      await p2.close();
    }
    // An id that is not in flight is refused with a reason and changes nothing.
    const bad = await onEl(page, async (el, id) => {
      const before = el.digest();
      let why = null;
      await el.act({ type: 'drop_message', id }).catch((e) => (why = e.message));
      return { why, same: el.digest() === before };
    }, m.id);
    assert.match(bad.why, new RegExp(`no message ${m.id} is in flight`));
    assert.ok(bad.same);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('while playing the panel keeps up, and the keyboard focus stays where it was', async () => {
  const page = await load();
  try {
    await $(page, '.insp-msgs').click();
    await $(page, '.insp-list button').first().focus();
    const id = await page.evaluate(() => document.querySelector('raft-playground').shadowRoot.activeElement.dataset.msg);
    await onEl(page, (el) => el.play());
    const seen = new Set();
    for (let k = 0; k < 8; k++) {
      await page.waitForTimeout(100);
      seen.add(await $(page, '.insp-msgs small').textContent());
    }
    await onEl(page, (el) => el.pause());
    assert.ok(seen.size > 1, `the count of messages in flight followed the run: ${[...seen]}`);
    const now = await page.evaluate(() => document.querySelector('raft-playground').shadowRoot.activeElement?.dataset.msg);
    const still = await onEl(page, (el, id) => el.view().messages.some((m) => m.id === Number(id)), id);
    if (still) assert.equal(now, id, 'the focused message keeps the focus');
    await $(page, '.insp-pick [data-server="1"]').focus();
    await onEl(page, (el) => el.play());
    await page.waitForTimeout(400);
    await onEl(page, (el) => el.pause());
    assert.equal(await page.evaluate(() => document.querySelector('raft-playground').shadowRoot.activeElement?.dataset.server), '1');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('axe-core finds no serious problem with the inspector open; screenshots at desktop and phone width', async () => {
  for (const [name, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
    const page = await load('?seed=3', viewport);
    try {
      const l = await onEl(page, (el) => el.view().leader);
      const p = await serverAt(page, l);
      await page.mouse.click(p.x, p.y);
      await $(page, '.menu [data-action=inspect]').click();
      await frame(page);
      assert.equal(await $(page, `.insp-pick [data-server="${l}"]`).getAttribute('aria-pressed'), 'true');
      assert.deepEqual(await audit(page), [], `${name}: a server inspected`);
      await page.screenshot({ path: join(ARTIFACTS, `inspector-server-${name}.png`), fullPage: name === 'phone' });
      await $(page, '.insp-msgs').click();
      await $(page, '.insp-list button').first().click();
      await frame(page);
      assert.ok(await $(page, '.insp-acts').isVisible());
      assert.deepEqual(await audit(page), [], `${name}: a message inspected`);
      await page.screenshot({ path: join(ARTIFACTS, `inspector-message-${name}.png`), fullPage: name === 'phone' });
      // Nothing overflows the widget sideways.
      const wide = await onEl(page, (el) => {
        const box = el.shadowRoot.querySelector('.inspector');
        return [box.scrollWidth, box.clientWidth];
      });
      assert.ok(wide[0] <= wide[1] + 1, `the inspector overflows: ${wide}`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  }
});

test('on a touch screen a tap on a server inspects it, and the inspector sits right under the cluster', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  try {
    await page.goto(env.url + '?seed=3');
    await page.waitForSelector('raft-playground[data-ready="1"]');
    await onEl(page, async (el) => (el.pause(), await el.runUntil(1500)));
    await frame(page);
    const p = await serverAt(page, 4);
    await page.touchscreen.tap(p.x, p.y);
    await frame(page);
    assert.equal(await $(page, '.insp-pick [data-server="4"]').getAttribute('aria-pressed'), 'true');
    const [stage, insp, logs] = await onEl(page, (el) => ['.timeline', '.inspector', '.logs'].map((s) => el.shadowRoot.querySelector(s).getBoundingClientRect().top));
    assert.ok(stage < insp && insp < logs, `the inspector comes after the time machine, before the logs: ${[stage, insp, logs]}`);
    const heights = await $(page, '.insp-pick button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height));
    assert.ok(heights.every((h) => h >= 44), `buttons a finger can hit: ${heights}`);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
