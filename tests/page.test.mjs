// Browser tests of the page (index.html + www/embed.js): they drive the widget the way a user does
// (clicks on the canvas, menu items, the keyboard) and check the outcome through the view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { start, openPage, ARTIFACTS } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

async function load(query = '', viewport) {
  const page = await openPage(env.browser, env.url + query, viewport);
  await page.waitForSelector('raft-playground[data-ready="1"]', { timeout: 15000 });
  return page;
}

/** Run `fn(el, arg)` in the page with the (first) widget. */
function onEl(page, fn, arg) {
  return page.evaluate(
    ([src, a]) => {
      const el = document.querySelector('raft-playground');
      return new Function('el', 'a', `return (${src})(el, a)`)(el, a);
    },
    [fn.toString(), arg],
  );
}

/** Pause, then advance simulated time in small steps until there is a leader. */
async function settle(page, ms = 2000) {
  return onEl(
    page,
    (el, ms) => {
      el.pause();
      for (let t = 0; t < ms && el.view().leader == null; t += 20) el.playground.advance(20);
      return el.view().leader;
    },
    ms,
  );
}

/** Click server `id` on the canvas and wait for its menu. */
async function clickServer(page, id) {
  const { x, y } = await onEl(
    page,
    (el, id) => {
      const p = el.serverPosition(id);
      const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    },
    id,
  );
  await page.mouse.click(x, y);
  await page.locator('raft-playground .menu').waitFor({ state: 'visible', timeout: 2000 });
  assert.equal(await page.locator('raft-playground .menu').getAttribute('data-server'), String(id));
}

const menuItem = (page, action) => page.locator(`raft-playground .menu [data-action=${action}]`);

test('the page loads without console errors, runs, and elects a leader', async () => {
  const page = await load();
  try {
    const info = await onEl(page, (el) => ({
      n: el.view().servers.length,
      paused: el.paused,
      speed: el.speed,
      label: el.shadowRoot.querySelector('.speed output').textContent,
      rootReady: el.shadowRoot.querySelector('.root').dataset.ready,
    }));
    assert.equal(info.n, 5);
    assert.equal(info.paused, false, 'index.html autoplays');
    assert.ok(Math.abs(info.speed - 1 / 50) < 1e-9, 'default speed is 1/50 of real time');
    assert.equal(info.label, '1/50×');
    assert.equal(info.rootReady, '1');
    // At 1/50× a wall-clock second is 20 simulated ms, so an election timeout (100–200 ms) takes 5–10 s.
    const t0 = await onEl(page, (el) => [el.view().time_ms, performance.now()]);
    await page.waitForTimeout(600);
    const t1 = await onEl(page, (el) => [el.view().time_ms, performance.now()]);
    const rate = (t1[0] - t0[0]) / (t1[1] - t0[1]);
    assert.ok(rate > 0.005 && rate <= 0.021, `simulated ms per wall ms at the default speed: ${rate}`);
    await onEl(page, (el) => el.setSpeed(1));
    await page.waitForFunction(() => document.querySelector('raft-playground').view().leader != null, null, { timeout: 5000 });
    const v = await onEl(page, (el) => el.view());
    const leader = v.servers[v.leader - 1];
    assert.equal(leader.role, 'leader');
    assert.match(await page.locator('raft-playground .st-leader').textContent(), new RegExp(`leader S${v.leader}`));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('clicking a server opens its menu; Crash crashes it and Restart brings it back', async () => {
  const page = await load('?seed=7');
  try {
    await settle(page);
    await clickServer(page, 2);
    assert.equal(await menuItem(page, 'restart').isVisible(), false);
    await menuItem(page, 'crash').click();
    let s = await onEl(page, (el) => el.view().servers[1]);
    assert.equal(s.alive, false);
    assert.equal(s.role, 'crashed');
    assert.equal(await page.locator('raft-playground .menu').isVisible(), false, 'the menu closes after an action');

    // Time passes; the crashed server stays crashed and keeps its persisted log.
    await onEl(page, (el) => el.playground.advance(300));
    s = await onEl(page, (el) => el.view().servers[1]);
    assert.equal(s.alive, false);
    assert.ok(s.log.length >= 1, 'a crashed server shows its persisted log');

    await clickServer(page, 2);
    assert.equal(await menuItem(page, 'crash').isVisible(), false);
    await menuItem(page, 'restart').click();
    s = await onEl(page, (el) => el.view().servers[1]);
    assert.equal(s.alive, true);
    assert.equal(s.role, 'follower');
    // Time out: the restarted server starts an election at once.
    await clickServer(page, 2);
    await menuItem(page, 'timeout').click();
    s = await onEl(page, (el) => el.view().servers[1]);
    assert.ok(['candidate', 'precandidate'].includes(s.role), `after Time out S2 is ${s.role}`);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('Isolate cuts a server off; it falls behind while the rest commit, and catches up after Heal', async () => {
  const page = await load('?seed=11');
  try {
    const leader = await settle(page);
    assert.ok(leader);
    const f = leader === 1 ? 2 : 1;
    await clickServer(page, f);
    await menuItem(page, 'isolate').click();
    const before = await onEl(page, (el, f) => {
      const v = el.view();
      return { groups: v.groups, len: v.servers[f - 1].log.length, term: v.servers[f - 1].term };
    }, f);
    const others = before.groups.filter((g, i) => i !== f - 1);
    assert.ok(others.every((g) => g === others[0]) && before.groups[f - 1] !== others[0], `groups ${before.groups}`);

    // Run 2 s with a client request to the majority side; sample S<f> all along.
    const run = await onEl(page, (el, [f, leader]) => {
      const pg = el.playground;
      let everLeader = false;
      let lostAE = 0;
      for (let t = 0; t < 2000; t += 10) {
        if (t === 100) pg.act({ type: 'request', server: el.view().leader ?? leader, command: 'q <- 42' });
        pg.advance(10);
        const v = el.view();
        everLeader ||= v.servers[f - 1].role === 'leader';
        lostAE += v.messages.filter((m) => m.to === f && (m.kind === 'AppendEntries' || m.kind === 'Heartbeat') && m.lost).length;
      }
      const v = el.view();
      return { v, everLeader, lostAE };
    }, [f, leader]);
    const v = run.v;
    const sf = v.servers[f - 1];
    assert.equal(run.everLeader, false, 'an isolated server never becomes leader');
    assert.ok(v.leader != null && v.leader !== f, 'the majority keeps a leader');
    assert.ok(sf.term > before.term, `the isolated server keeps timing out (term ${before.term} → ${sf.term})`);
    assert.equal(sf.log.length, before.len, 'its log does not grow');
    const ok = v.clients.find((c) => c.command === 'q <- 42');
    assert.equal(ok?.outcome, 'ok', 'the request commits on the majority side');
    const lead = v.servers[v.leader - 1];
    assert.equal(lead.log[ok.index - 1].text, 'q <- 42');

    await page.locator('raft-playground [data-cmd=heal]').click();
    const healed = await onEl(page, (el) => el.view().groups);
    assert.ok(healed.every((g) => g === healed[0]), 'Heal puts everyone back together');
    const after = await onEl(page, (el, f) => {
      for (let t = 0; t < 3000; t += 20) el.playground.advance(20);
      const v = el.view();
      return { v, s: v.servers[f - 1] };
    }, f);
    assert.ok(after.v.leader != null);
    const L = after.v.servers[after.v.leader - 1];
    assert.deepEqual(after.s.log.map((e) => [e.term, e.text]), L.log.map((e) => [e.term, e.text]), 'it caught up with the leader');
    assert.ok(after.s.commit_index >= ok.index, 'and knows the request is committed');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the partition field and link clicks change the network; bad input says why', async () => {
  const page = await load('?seed=3');
  try {
    await settle(page);
    const field = page.locator('raft-playground input.partition');
    const err = page.locator('raft-playground .part-err');
    const digest = await onEl(page, (el) => el.playground.digest());
    for (const [bad, why] of [['1,2 | 2,3', /S2 is in more than one group/], ['1,9', /not a server/], ['a b', /not a server/]]) {
      await field.fill(bad);
      await field.press('Enter');
      assert.match(await err.textContent(), why);
      assert.ok(await err.isVisible());
    }
    assert.equal(await onEl(page, (el) => el.playground.digest()), digest, 'refused partitions change nothing');
    await field.fill('1,2 | 3,4,5');
    await page.locator('raft-playground form.part button').click();
    let v = await onEl(page, (el) => el.view());
    assert.equal(v.groups[0], v.groups[1]);
    assert.equal(v.groups[2], v.groups[4]);
    assert.notEqual(v.groups[0], v.groups[2]);
    assert.equal(await err.isVisible(), false);
    await page.locator('raft-playground [data-cmd=heal]').click();

    // Click the middle of the S1–S2 link: it is cut; click again: repaired.
    const mid = await onEl(page, (el) => {
      const a = el.serverPosition(1);
      const b = el.serverPosition(2);
      const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
      return { x: r.left + (a.x + b.x) / 2, y: r.top + (a.y + b.y) / 2 };
    });
    await page.mouse.click(mid.x, mid.y);
    v = await onEl(page, (el) => el.view());
    assert.deepEqual(v.cut, [[1, 2]]);
    await page.mouse.click(mid.x, mid.y);
    v = await onEl(page, (el) => el.view());
    assert.deepEqual(v.cut, []);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a request sent from the menu commits; a bad command shows an error and changes nothing', async () => {
  const page = await load('?seed=5');
  try {
    const leader = await settle(page);
    await clickServer(page, leader);
    const cmd = page.locator('raft-playground .menu input.cmd');
    const text = await cmd.inputValue();
    assert.match(text, /^[a-z] <- \d+$/, 'the command field is prefilled');
    await menuItem(page, 'request').click();
    const done = await onEl(page, (el, text) => {
      for (let t = 0; t < 1000; t += 10) {
        el.playground.advance(10);
        const c = el.view().clients.find((c) => c.command === text);
        if (c && c.outcome === 'ok') break;
      }
      return el.view();
    }, text);
    const c = done.clients.find((c) => c.command === text);
    assert.equal(c?.outcome, 'ok');
    assert.equal(c.server, leader);
    assert.equal(done.servers[leader - 1].log[c.index - 1].text, text, "the command is in the leader's log");
    assert.ok(done.servers[leader - 1].commit_index >= c.index);
    // The client panel shows it once a frame has drawn.
    await onEl(page, (el) => el.play());
    await page.waitForTimeout(100);
    await onEl(page, (el) => el.pause());
    assert.match(await page.locator('raft-playground .clients li.ok').first().textContent(), new RegExp(`${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*ok · index ${c.index}`));

    // A bad command: the reason is visible, nothing changes.
    const before = await onEl(page, (el) => ({ d: el.playground.digest(), n: el.view().clients.length }));
    await clickServer(page, leader);
    await cmd.fill('x <- banana');
    await cmd.press('Enter');
    const err = page.locator('raft-playground .menu-err');
    assert.ok(await err.isVisible());
    assert.match(await err.textContent(), /bad value "banana"/);
    const after = await onEl(page, (el) => ({ d: el.playground.digest(), n: el.view().clients.length }));
    assert.deepEqual(after, before);
    await page.keyboard.press('Escape');

    // A refused action outside the menu (min latency above max) becomes a visible notice.
    await page.locator('raft-playground .net summary').click();
    const min = page.locator('raft-playground [data-net=latency_min_ms]');
    await min.fill('50');
    await min.press('Enter');
    const note = page.locator('raft-playground .notice.error');
    await note.waitFor({ state: 'visible', timeout: 2000 });
    assert.match(await note.textContent(), /latency/);
    assert.equal(await onEl(page, (el) => el.view().config.latency_min_ms), 10, 'refused settings change nothing');
    // A good one applies.
    await min.fill('5');
    await min.press('Enter');
    assert.equal(await onEl(page, (el) => el.view().config.latency_min_ms), 5);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('malformed URL parameters show a message and the page runs with the defaults', async () => {
  const page = await load('?servers=abc&seed=zzz');
  try {
    const notes = await page.locator('raft-playground .notice').allTextContents();
    assert.ok(notes.some((t) => t.includes('servers="abc"')), notes.join('\n'));
    assert.ok(notes.some((t) => t.includes('seed="zzz"')), notes.join('\n'));
    assert.ok(await page.locator('raft-playground .notice.warn').first().isVisible());
    const t0 = await onEl(page, (el) => el.view().time_ms);
    await onEl(page, (el) => el.setSpeed(1));
    await page.waitForTimeout(300);
    const v = await onEl(page, (el) => el.view());
    assert.equal(v.servers.length, 5);
    assert.ok(v.time_ms > t0 + 100, 'it runs');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
  for (const q of ['?servers=99', '?servers=0', '?seed=-1', '?seed=1e5']) {
    const p = await load(q);
    try {
      assert.equal(await p.locator('raft-playground .notice.warn').count(), 1, q);
      assert.equal(await onEl(p, (el) => el.view().servers.length), 5, q);
    } finally {
      await p.close();
    }
  }
  const good = await load('?servers=7&seed=42');
  try {
    const v = await onEl(good, (el) => el.view());
    assert.equal(v.servers.length, 7);
    assert.equal(v.seed, '42');
    assert.equal(await good.locator('raft-playground .notice').count(), 0);
  } finally {
    await good.close();
  }
});

test('toolbar: speed slider, Reset, New seed, server count, copy link', async () => {
  const page = await load('?seed=42&servers=5');
  try {
    // The slider is logarithmic from 1/500× to 1×.
    const speeds = await onEl(page, (el) => {
      const r = el.shadowRoot.querySelector('.speed input');
      const out = [];
      for (const v of ['0', '1000']) {
        r.value = v;
        r.dispatchEvent(new Event('input'));
        out.push([el.speed, el.shadowRoot.querySelector('.speed output').textContent]);
      }
      return out;
    });
    assert.ok(Math.abs(speeds[0][0] - 1 / 500) < 1e-9 && speeds[0][1] === '1/500×', JSON.stringify(speeds));
    assert.ok(Math.abs(speeds[1][0] - 1) < 1e-9 && speeds[1][1] === '1×', JSON.stringify(speeds));

    await settle(page);
    await onEl(page, (el) => el.playground.act({ type: 'crash', server: 1 }));
    const ran = await onEl(page, (el) => ({ t: el.view().time_ms, d: el.playground.digest() }));
    await page.locator('raft-playground [data-cmd=reset]').click();
    let v = await onEl(page, (el) => el.view());
    assert.equal(v.time_ms, 0);
    assert.equal(v.seed, '42');
    assert.ok(v.servers[0].alive, 'Reset drops the actions');
    // Same seed, same actions at the same times: the very same run.
    const again = await onEl(page, (el, t) => {
      el.playground.run_until(t);
      el.playground.act({ type: 'crash', server: 1 });
      return el.playground.digest();
    }, ran.t);
    assert.equal(again, ran.d);

    await page.locator('raft-playground [data-cmd=newseed]').click();
    v = await onEl(page, (el) => el.view());
    assert.notEqual(v.seed, '42');
    assert.equal(v.time_ms, 0);

    await page.locator('raft-playground select[data-cmd=servers]').selectOption('7');
    v = await onEl(page, (el) => el.view());
    assert.equal(v.servers.length, 7);
    const seed = v.seed;

    await page.locator('raft-playground [data-cmd=copy]').click();
    await page.waitForFunction(() => location.search.includes('servers=7'));
    const q = new URLSearchParams(await page.evaluate(() => location.search));
    assert.equal(q.get('seed'), seed);
    assert.equal(q.get('servers'), '7');
    await page.locator('raft-playground .toasts .notice').first().waitFor({ state: 'visible' });
    // The copied link reproduces the run.
    const p2 = await load(`?seed=${seed}&servers=7`);
    try {
      const d = (p) => onEl(p, (el) => (el.pause(), el.playground.reset(), el.playground.run_until(800), el.playground.digest()));
      assert.equal(await d(p2), await d(page));
    } finally {
      await p2.close();
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

/** A busy, readable state for the screenshots: a leader, committed and pending entries, a crash, a cut link. */
async function busyState(page) {
  await onEl(page, (el) => {
    el.pause();
    const pg = el.playground;
    const at = (t) => pg.run_until(t);
    at(400);
    let L = el.view().leader;
    pg.act({ type: 'request', server: L, command: 'x <- 1' });
    at(520);
    pg.act({ type: 'request', server: L, command: 'y <- 2' });
    at(700);
    const f = L === 4 ? 5 : 4;
    pg.act({ type: 'crash', server: f });
    pg.act({ type: 'request', server: L, command: 'z <- 3' });
    at(900);
    pg.act({ type: 'cut', a: L, b: L === 1 ? 2 : 1 });
    L = el.view().leader;
    pg.act({ type: 'request', server: L, command: 'x <- 4' });
    at(915);
  });
  await onEl(page, (el) => el.play());
  await page.waitForTimeout(150);
  await onEl(page, (el) => el.pause());
  await page.waitForTimeout(100);
}

test('screenshots: desktop 1280×800 and phone 375×740, no horizontal overflow', async () => {
  const desk = await load('?seed=2024', { width: 1280, height: 800 });
  try {
    await busyState(desk);
    await desk.screenshot({ path: join(ARTIFACTS, 'desktop.png') });
    const leader = await onEl(desk, (el) => el.view().leader);
    await clickServer(desk, leader);
    await desk.screenshot({ path: join(ARTIFACTS, 'desktop-menu.png') });
    const dims = await desk.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.ok(dims[0] <= 1280, `desktop scrollWidth ${dims[0]}`);
    assert.deepEqual(desk.errors, []);
  } finally {
    await desk.close();
  }
  const phone = await load('?seed=2024', { width: 375, height: 740 });
  try {
    await busyState(phone);
    await phone.screenshot({ path: join(ARTIFACTS, 'phone.png'), fullPage: true });
    const m = await phone.evaluate(() => {
      const el = document.querySelector('raft-playground');
      const c = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
      const s = el.shadowRoot.querySelector('.logscroll');
      return { sw: document.documentElement.scrollWidth, canvasRight: c.right, canvasW: c.width, logsOverflow: s.scrollWidth > s.clientWidth, logsRight: s.getBoundingClientRect().right };
    });
    assert.ok(m.sw <= 375, `phone scrollWidth ${m.sw}`);
    assert.ok(m.canvasRight <= 375 && m.canvasW > 300, `canvas ${m.canvasW} wide, right edge ${m.canvasRight}`);
    assert.ok(m.logsRight <= 375, 'the log table box stays on screen (it scrolls inside)');
    // Every server and its label is on the canvas.
    const inside = await onEl(phone, (el) => {
      const c = el.shadowRoot.querySelector('canvas');
      return el.view().servers.every((s) => {
        const p = el.serverPosition(s.id);
        return p.x > 20 && p.x < c.clientWidth - 20 && p.y > 20 && p.y < c.clientHeight - 20;
      });
    });
    assert.ok(inside);
    await clickServer(phone, 1);
    const menu = await phone.locator('raft-playground .menu').boundingBox();
    assert.ok(menu.x >= 0 && menu.x + menu.width <= 375, 'the server menu fits on a phone');
    await phone.screenshot({ path: join(ARTIFACTS, 'phone-menu.png') });
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.close();
  }
});

test('no frames are drawn while paused, hidden or scrolled away', async () => {
  const page = await load();
  try {
    const frames = () => onEl(page, (el) => el.frames);
    // Playing: frames keep coming.
    let f0 = await frames();
    await page.waitForTimeout(300);
    assert.ok((await frames()) > f0 + 5, 'frames are drawn while playing');
    // Paused: none.
    await onEl(page, (el) => el.pause());
    await page.waitForTimeout(100);
    f0 = await frames();
    await page.waitForTimeout(500);
    assert.equal(await frames(), f0, 'no frames while paused');
    // An action while paused draws exactly what changed, then stops again.
    await onEl(page, (el) => el.shadowRoot.querySelector('[data-cmd=step]').click());
    await page.waitForTimeout(100);
    const f1 = await frames();
    assert.ok(f1 > f0 && f1 <= f0 + 2, `a step redraws once (${f1 - f0} frames)`);
    await page.waitForTimeout(400);
    assert.equal(await frames(), f1);

    // Playing but scrolled out of view: none.
    await onEl(page, (el) => el.play());
    await page.evaluate(() => {
      const s = document.createElement('div');
      s.id = 'spacer';
      s.style.height = '5000px';
      document.body.prepend(s);
    });
    await page.waitForTimeout(200);
    f0 = await frames();
    await page.waitForTimeout(500);
    assert.equal(await frames(), f0, 'no frames while offscreen');
    assert.equal(await onEl(page, (el) => el.paused), false, 'still playing');
    await page.evaluate(() => document.getElementById('spacer').remove());
    await page.waitForTimeout(300);
    assert.ok((await frames()) > f0, 'frames resume when visible again');

    // Playing but the document is hidden: none.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForTimeout(100);
    f0 = await frames();
    await page.waitForTimeout(500);
    assert.equal(await frames(), f0, 'no frames while the document is hidden');
    await page.evaluate(() => {
      delete document.visibilityState;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await page.waitForTimeout(300);
    assert.ok((await frames()) > f0, 'frames resume when the tab is shown');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('keyboard: space plays/pauses, → steps to the next event', async () => {
  const page = await load('?seed=9');
  try {
    await page.locator('raft-playground').focus();
    assert.equal(await onEl(page, (el) => el.paused), false);
    await page.keyboard.press(' ');
    assert.equal(await onEl(page, (el) => el.paused), true);
    const t0 = await onEl(page, (el) => ({ t: el.view().time_ms, next: el.playground.next_event_ms() }));
    await page.keyboard.press('ArrowRight');
    const t1 = await onEl(page, (el) => el.view().time_ms);
    assert.equal(t1, t0.next, 'a step jumps to the next event');
    await page.waitForTimeout(50);
    assert.match(await page.locator('raft-playground .st-time').textContent(), new RegExp(t1.toFixed(3)));
    await page.keyboard.press(' ');
    assert.equal(await onEl(page, (el) => el.paused), false);
  } finally {
    await page.close();
  }
});

test('a wasm panic shows a red banner and stops the loop; two widgets on a page are independent', async () => {
  const page = await load('?seed=1');
  try {
    // Two widgets on one page: their own clusters, their own controls.
    await page.evaluate(() => {
      const w = document.createElement('raft-playground');
      w.setAttribute('servers', '3');
      w.setAttribute('seed', '77');
      w.id = 'second';
      document.querySelector('main').append(w);
    });
    await page.waitForSelector('#second[data-ready="1"]');
    const both = await page.evaluate(() => {
      const [a, b] = document.querySelectorAll('raft-playground');
      b.playground.act({ type: 'crash', server: 1 });
      return [a.view().servers.length, b.view().servers.length, a.view().servers[0].alive, b.view().servers[0].alive, b.paused];
    });
    assert.deepEqual(both, [5, 3, true, false, true]);

    // Simulate a Rust panic inside the next advance of the first widget.
    await onEl(page, (el) => {
      el.playground.advance = () => {
        throw new WebAssembly.RuntimeError('unreachable');
      };
      el.setSpeed(1);
      el.play();
    });
    const banner = page.locator('raft-playground .banner').first();
    await banner.waitFor({ state: 'visible', timeout: 2000 });
    assert.match(await banner.textContent(), /simulator crashed.*RuntimeError: unreachable/);
    const f0 = await onEl(page, (el) => el.frames);
    await page.waitForTimeout(400);
    assert.equal(await onEl(page, (el) => el.frames), f0, 'the loop stopped');
    assert.equal(await onEl(page, (el) => el.paused), true);
    // The other widget still works.
    const other = await page.evaluate(() => {
      const b = document.getElementById('second');
      b.playground.advance(500);
      return [b.view().time_ms >= 500, b.hasAttribute('data-crashed')];
    });
    assert.deepEqual(other, [true, false]);
  } finally {
    await page.close();
  }
});
