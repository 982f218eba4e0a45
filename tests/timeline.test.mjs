// Browser tests of the time machine and the element API: a run is its record (settings + seed +
// timed actions); seeking, stepping back, forking, narration and permalinks all reproduce exact
// states, checked by the run's digest.
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

async function load(query = '', viewport) {
  const page = await loadWidget(env.browser, env.url + query, viewport);
  await onWidget(page, (el) => el.pause());
  return page;
}
const onEl = onWidget;

/** A run with actions of several kinds, through the element API. Returns its end digest. */
async function busyRun(page) {
  return onEl(page, async (el) => {
    await el.runUntil(600);
    const l = el.view().leader;
    await el.act({ type: 'request', server: l, command: 'x <- 42' });
    await el.runUntil(900);
    await el.act({ type: 'crash', server: l });
    await el.runUntil(1400);
    await el.act('partition 1,2 | 3,4,5');
    await el.runUntil(1900);
    await el.act({ type: 'heal' });
    await el.act({ type: 'options', pre_vote: true });
    await el.runUntil(3000);
    return el.digest();
  });
}

test('the element API: ready, time, digest, seek, runUntil, step (back too), act, permalink, raft-event', async () => {
  const page = await load('?seed=9');
  try {
    const r = await onEl(page, async (el) => {
      await el.ready;
      const events = [];
      el.addEventListener('raft-event', (e) => events.push(e.detail));
      await el.runUntil(500);
      const t500 = el.time;
      const d500 = el.digest();
      await el.step(3);
      const after3 = el.playground.events();
      await el.step(-3);
      const back = [el.playground.events(), el.digest()];
      let refused = null;
      await el.act({ type: 'crash', server: 99 }).catch((e) => (refused = e.message));
      let badSeek = null;
      await el.seek(-5).catch((e) => (badSeek = e.message));
      const hostile = [];
      for (const bad of [{ type: 'crash', server: 2, bogus: 1 }, { type: 'explode' }, [1, 2], { type: 'partition', groups: 'all' }, () => 1]) {
        await el.act(bad).then(() => hostile.push('accepted'), (e) => hostile.push(e.message));
      }
      let deep = { type: 'heal' };
      for (let k = 0; k < 50; k++) deep = { type: 'options', x: deep };
      await el.act(deep).then(() => hostile.push('accepted'), (e) => hostile.push(e.message));
      await el.act('crash 2');
      return { t500, d500, after3, back, refused, badSeek, hostile, events, link: el.permalink(), paused: el.paused, v: el.view().servers[1].alive };
    });
    assert.equal(r.t500, 500);
    assert.match(r.d500, /^[0-9a-f]{16}$/);
    assert.equal(r.back[1], r.d500, 'three steps forward and three back is where it started');
    assert.ok(r.after3 > r.back[0]);
    assert.match(r.refused, /no server S99/);
    assert.match(r.badSeek, /seek/);
    assert.equal(r.hostile.length, 6);
    assert.ok(!r.hostile.includes('accepted'), JSON.stringify(r.hostile));
    assert.match(r.hostile[0], /unknown field "bogus"/);
    assert.match(r.hostile[1], /unknown action type "explode"/);
    assert.match(r.hostile[5], /action(\.x)+\.type: the value is nested too deeply/);
    assert.equal(r.v, false);
    assert.equal(r.paused, true);
    assert.ok(r.events.some((e) => /wins the election/.test(e.text) && e.kind === 'election'), JSON.stringify(r.events.slice(0, 5)));
    assert.ok(r.events.some((e) => e.text === 'you: crash 2' && e.kind === 'action'));
    assert.ok(r.events.every((e) => typeof e.time === 'number' && typeof e.server === 'number'));
    // On the standalone page (url-params) the link points at the page itself.
    assert.ok(r.link.startsWith(env.url + '?run='), r.link);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('act, then the permalink opens the same state in a fresh page; 50 actions fit a short link', async () => {
  const page = await load('?seed=17');
  try {
    const end = await busyRun(page);
    const link = await onEl(page, (el) => el.permalink());
    const p2 = await load(link.slice(env.url.length));
    try {
      const got = await onEl(p2, (el) => ({ d: el.digest(), t: el.time, v: el.view() }));
      assert.equal(got.d, end);
      assert.equal(got.t, 3000);
      assert.equal(got.v.config.pre_vote, true, 'switches travel with the link');
      assert.deepEqual(p2.errors, []);
    } finally {
      await p2.close();
    }
    const long = await onEl(page, async (el) => {
      for (let k = 0; k < 50; k++) {
        await el.runUntil(3000 + (k + 1) * 23);
        await el.act({ type: 'request', server: 1 + (k % 5), command: `${'xyz'[k % 3]} <- ${k}` }).catch(() => {});
      }
      return el.permalink();
    });
    assert.ok(long.length < 2000, `${long.length} characters`);
  } finally {
    await page.close();
  }
});

test('seeking gives the state a fresh run reaches there; back and forth keeps the recorded future', async () => {
  const page = await load('?seed=23');
  try {
    const end = await busyRun(page);
    const points = [0, 250, 899.5, 1234.567, 2100, 3000];
    const seeks = await onEl(page, async (el, points) => {
      const out = [];
      for (const t of points) {
        await el.seek(t);
        out.push([el.time, el.digest(), el.permalink()]);
      }
      await el.seek(100);
      await el.seek(3000);
      return { out, end: el.digest() };
    }, points);
    assert.equal(seeks.end, end, 'seeking back and forward again restores the recorded future');
    for (const [t, d, link] of seeks.out) {
      // A fresh page replays the record from the start to that moment.
      const p2 = await load(link.slice(env.url.length));
      try {
        assert.deepEqual(await onEl(p2, (el) => [el.time, el.digest()]), [t, d], `at ${t} ms`);
      } finally {
        await p2.close();
      }
    }
  } finally {
    await page.close();
  }
});

test('acting in the past forks: the future is dropped, the branch reproduces from its link, undo brings it back', async () => {
  const page = await load('?seed=31');
  try {
    const end = await busyRun(page);
    const r = await onEl(page, async (el) => {
      await el.seek(1000);
      await el.act('timeout 3');
      await el.runUntil(2000);
      const branch = { d: el.digest(), link: el.permalink(), end: el.playground.end_ms() };
      const undoVisible = !el.shadowRoot.querySelector('.forked').hidden;
      return { branch, undoVisible };
    });
    assert.equal(r.branch.end, 2000, 'the recorded future after the fork is gone');
    const p2 = await load(r.branch.link.slice(env.url.length));
    try {
      assert.equal(await onEl(p2, (el) => el.digest()), r.branch.d);
    } finally {
      await p2.close();
    }
    // Let a frame show the branch note, then undo from the page.
    await page.waitForTimeout(100);
    assert.ok(await page.locator('raft-playground .forked').isVisible());
    await page.locator('raft-playground [data-cmd=undo]').click();
    const back = await onEl(page, async (el) => {
      await el.seek(3000);
      return el.digest();
    });
    assert.equal(back, end);
  } finally {
    await page.close();
  }
});

test('the scrubber, ←/→ and the term strip move through the run; the event list seeks on click and filters', async () => {
  const page = await load('?seed=5');
  try {
    await busyRun(page);
    await page.waitForTimeout(150); // a frame shows the run's new end on the scrubber
    // The scrubber.
    await onEl(page, (el) => {
      const s = el.shadowRoot.querySelector('.scrubber');
      s.value = '1500';
      s.dispatchEvent(new Event('input'));
    });
    assert.equal(await onEl(page, (el) => el.time), 1500);
    await page.waitForTimeout(100);
    assert.ok(await page.locator('raft-playground .branch').isVisible(), 'the page says it is replaying');
    // ← and → with the widget focused step back and forward one event.
    await page.locator('raft-playground').focus();
    const e0 = await onEl(page, (el) => el.playground.events());
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await onEl(page, (el) => el.playground.events()), e0 - 2);
    await page.keyboard.press('ArrowRight');
    assert.equal(await onEl(page, (el) => el.playground.events()), e0 - 1);
    await page.locator('raft-playground [data-cmd=back]').click();
    assert.equal(await onEl(page, (el) => el.playground.events()), e0 - 2);
    // The strip: a click a quarter of the way along goes to a quarter of the run.
    const box = await page.locator('raft-playground canvas.strip').boundingBox();
    assert.ok(box.height >= 40, `strip height ${box.height}`);
    await page.mouse.click(box.x + 24 + (box.width - 28) / 4, box.y + box.height / 2);
    const t = await onEl(page, (el) => el.time);
    assert.ok(Math.abs(t - 750) < 20, `strip click went to ${t} ms`);
    // The event list: the crash entry seeks to the moment of the crash.
    await page.waitForTimeout(250);
    await page.locator('raft-playground .ev-list').evaluate((n) => (n.scrollTop = 0));
    const kinds = page.locator('raft-playground .ev-kind');
    await kinds.selectOption({ label: 'action' });
    await page.waitForTimeout(100);
    const entries = await page.locator('raft-playground .ev').allTextContents();
    assert.ok(entries.length >= 4 && entries.every((e) => /you: /.test(e)), entries.join('\n'));
    await page.locator('raft-playground .ev', { hasText: 'you: crash' }).click();
    assert.equal(await onEl(page, (el) => el.time), 900);
    assert.equal(await onEl(page, (el) => el.view().servers.filter((s) => !s.alive).length), 1);
    // Filter by server.
    await kinds.selectOption({ label: 'every kind' });
    await page.locator('raft-playground .ev-server').selectOption('2');
    await page.waitForTimeout(100);
    const mine = await page.locator('raft-playground .ev').allTextContents();
    assert.ok(mine.length > 0 && mine.every((e) => /S2|\b2\b/.test(e)), mine.join('\n'));
    await page.screenshot({ path: join(ARTIFACTS, 'timeline-desktop.png'), fullPage: true });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('bad links: mangled, cut short or from another version say so and start a default run', async () => {
  const page = await load('?seed=3');
  const link = await onEl(page, async (el) => {
    await el.runUntil(400);
    await el.act('crash 1');
    return el.permalink();
  });
  await page.close();
  const run = new URL(link).searchParams.get('run');
  const bytes = Buffer.from(run, 'base64url');
  // Another format's number: with the checksum made right it is a link from another version;
  // as it stands (junk that happens to decode), it is not a link to a run.
  const junk = Buffer.from(bytes);
  junk[0] = 99;
  const other = Buffer.from(junk);
  let h = 0x811c9dc5;
  for (const b of other.subarray(0, other.length - 4)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  other.writeUInt32LE(h, other.length - 4);
  const cases = [
    [run.slice(0, run.length - 3), /damaged, cut short or not a link to a run/],
    [run.replace(/^(.{8})./, (m, a) => a + (m[8] === 'A' ? 'B' : 'A')), /damaged/],
    ['not a link!', /a character that does not belong in it: ' ' at position 4/],
    [other.toString('base64url'), /another version of the playground/],
    [junk.toString('base64url'), /not a link to a run \(its checksum does not match\)/],
    ['garbage', /not a link to a run/],
  ];
  for (const [bad, why] of cases) {
    const p = await load(`?run=${encodeURIComponent(bad)}`);
    try {
      const notes = await p.locator('raft-playground .notice.error').allTextContents();
      assert.ok(notes.some((t) => why.test(t) && /could not be opened/.test(t)), `${bad}: ${notes.join(' | ')}`);
      const v = await onEl(p, async (el) => (await el.runUntil(800), el.view()));
      assert.equal(v.servers.length, 5, 'a default run');
      assert.ok(v.leader != null);
      assert.deepEqual(p.errors, []);
    } finally {
      await p.close();
    }
  }
});

test('copy link: the href attribute picks the page, and inside an iframe a field shows the link', async () => {
  const page = await openPage(env.browser, env.url); // a page of the site (for its origin)
  try {
    const src = `<script type="module" src="${env.url}www/embed.js"></script><raft-playground seed="4" href="https://blog.example/raft/"></raft-playground><raft-playground seed="4"></raft-playground>`;
    await page.setContent(`<iframe style="width:1000px;height:900px" srcdoc='${src.replaceAll("'", '&#39;')}'></iframe>`);
    const frame = page.frames()[1];
    // Without href (and outside the standalone page) the link opens the standalone page.
    await frame.waitForSelector('raft-playground:nth-of-type(2)[data-ready="1"]', { timeout: 15000 });
    const plain = await frame.evaluate(() => document.querySelectorAll('raft-playground')[1].permalink());
    assert.ok(plain.startsWith(env.url + 'index.html?run='), plain);
    await frame.waitForSelector('raft-playground[data-ready="1"]', { timeout: 15000 });
    await frame.evaluate(async () => {
      const el = document.querySelector('raft-playground');
      el.pause();
      await el.runUntil(300);
    });
    await frame.locator('raft-playground [data-cmd=copy]').first().click();
    const field = frame.locator('raft-playground .linkfield').first();
    await field.waitFor({ state: 'visible', timeout: 2000 });
    const value = await field.inputValue();
    assert.ok(value.startsWith('https://blog.example/raft/?run='), value);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('load= runs background client writes that the permalink keeps', async () => {
  const page = await load('?seed=8&load=100');
  try {
    const r = await onEl(page, async (el) => {
      await el.runUntil(2000);
      const v = el.view();
      return { n: v.clients.length, ok: v.clients.filter((c) => c.outcome === 'ok').length, load: v.config.load, d: el.digest(), link: el.permalink() };
    });
    assert.equal(r.load, 100);
    assert.ok(r.n >= 40 && r.ok >= 30, JSON.stringify(r));
    const p2 = await load(r.link.slice(env.url.length));
    try {
      assert.equal(await onEl(p2, (el) => el.digest()), r.d);
    } finally {
      await p2.close();
    }
    const bad = await load('?load=lots');
    try {
      const notes = await bad.locator('raft-playground .notice').allTextContents();
      assert.ok(notes.some((t) => t.includes('?load=lots is not a number')), notes.join('|'));
    } finally {
      await bad.close();
    }
  } finally {
    await page.close();
  }
});

test('a screen reader hears the important events (throttled) and the canvas describes the cluster', async () => {
  const page = await load('?seed=12');
  try {
    await onEl(page, async (el) => {
      await el.runUntil(800);
      await el.act('crash 1');
      await el.act('request 2 x <- 5');
      await el.runUntil(1500);
    });
    const live = page.locator('raft-playground .announce');
    assert.equal(await live.getAttribute('aria-live'), 'polite');
    await page.waitForFunction(() => /you: crash 1/.test(document.querySelector('raft-playground').shadowRoot.querySelector('.announce').textContent), null, { timeout: 4000 });
    const said = await live.textContent();
    assert.ok(said.length < 600, `one short message, not a flood: ${said}`);
    await page.waitForTimeout(100);
    const label = await page.locator('raft-playground canvas').first().getAttribute('aria-label');
    assert.match(label, /^5 servers, leader S\d, term \d+: S1 crashed term \d+; S2 /);
  } finally {
    await page.close();
  }
});

test('keyboard only: Tab to the ring, arrows to a server, Enter opens its menu, arrows and Enter crash it, a link is cut', async () => {
  const page = await load('?seed=14');
  try {
    await onEl(page, (el) => el.runUntil(800));
    await page.waitForTimeout(100);
    // The servers are one stop in the tab order; the first one holds it.
    const first = page.locator('raft-playground .srv[tabindex="0"]');
    assert.equal(await first.getAttribute('aria-label'), await onEl(page, (el) => {
      const s = el.view().servers[0];
      return `S1, ${s.role}, term ${s.term}`;
    }));
    await first.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    const focused = () => page.evaluate(() => {
      const a = document.querySelector('raft-playground').shadowRoot.activeElement;
      return a ? a.dataset.id ?? a.dataset.action ?? a.dataset.peer ?? a.tagName : null;
    });
    assert.equal(await focused(), '3');
    await page.keyboard.press('Enter');
    assert.ok(await page.locator('raft-playground .menu').isVisible());
    assert.equal(await page.locator('raft-playground .menu').getAttribute('data-server'), '3');
    assert.equal(await page.locator('raft-playground .menu [role=menu]').count(), 1);
    assert.equal(await focused(), 'crash', 'the first item has the focus');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), 'timeout');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    assert.equal(await onEl(page, (el) => el.view().servers[2].alive), false, 'S3 crashed from the keyboard');
    assert.equal(await page.locator('raft-playground .menu').isVisible(), false);
    assert.equal(await focused(), '3', 'focus went back to the server');
    // Escape closes a menu; a link toggle cuts the link.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press(' ');
    const toggle = page.locator('raft-playground .menu .links [data-peer="1"]');
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await onEl(page, (el) => el.view().cut), [[1, 2]]);
    assert.equal(await page.locator('raft-playground .menu .links [data-peer="1"]').getAttribute('aria-pressed'), 'false');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('raft-playground .menu').isVisible(), false);
    assert.equal(await focused(), '2');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('axe-core finds no serious or critical accessibility problem, with a server menu open too', async () => {
  const page = await load('?seed=3');
  try {
    await onEl(page, async (el) => {
      await el.runUntil(1500);
      await el.act('crash 4');
    });
    await page.waitForTimeout(150);
    await page.addScriptTag({ content: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
    const audit = () =>
      page.evaluate(async () => {
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
    assert.deepEqual(await audit(), []);
    await page.locator('raft-playground .srv[tabindex="0"]').focus();
    await page.keyboard.press('Enter');
    assert.ok(await page.locator('raft-playground .menu').isVisible());
    assert.deepEqual(await audit(), [], 'with the menu open');
  } finally {
    await page.close();
  }
});

test('embedding: controls="minimal" fits a blog column, "none" is the cluster alone, panels and height pick the rest', async () => {
  const page = await openPage(env.browser, env.url, { width: 1000, height: 900 });
  try {
    const post = (w, attrs) =>
      page.setContent(`<!doctype html><html><head><link rel="icon" href="data:,"></head><body style="margin:0"><article style="width:${w}px;margin:0 auto"><p>Text.</p>${attrs.map((a) => `<raft-playground seed="3" ${a}></raft-playground>`).join('')}<p>More.</p></article><script type="module" src="${env.url}www/embed.js"></script></body></html>`);
    const measure = () =>
      page.evaluate(() => ({
        heights: [...document.querySelectorAll('raft-playground')].map((el) => el.getBoundingClientRect().height),
        overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        shown: [...document.querySelectorAll('raft-playground')].map((el) =>
          ['.toolbar', '.timeline', '.side .safety', '.logs', '.events', '.side .switches'].filter((s) => {
            const n = el.shadowRoot.querySelector(s);
            return n && n.getBoundingClientRect().height > 0;
          }),
        ),
        notes: [...document.querySelectorAll('raft-playground')].map((el) => [...el.shadowRoot.querySelectorAll('.notice')].map((n) => n.textContent)),
      }));
    await post(700, ['controls="minimal"', 'controls="none"', 'controls="minimal" panels="safety log" height="200"', 'controls="tiny" panels="bogus"']);
    await page.waitForFunction(() => [...document.querySelectorAll('raft-playground')].every((el) => el.dataset.ready === '1'));
    let m = await measure();
    assert.ok(m.heights[0] <= 520, `minimal is ${m.heights[0]} px tall in a 700 px column`);
    assert.deepEqual(m.shown[0], ['.toolbar', '.timeline']);
    assert.deepEqual(m.shown[1], [], 'controls="none": the cluster alone');
    assert.deepEqual(m.shown[2], ['.toolbar', '.timeline', '.side .safety', '.logs']);
    assert.ok(m.heights[2] < m.heights[0] + 300, 'height="200" sets the stage height');
    assert.ok(m.notes[3].some((t) => t.includes('controls="tiny"')) && m.notes[3].some((t) => t.includes('no panel bogus')), JSON.stringify(m.notes[3]));
    assert.deepEqual(m.shown[3], ['.toolbar', '.timeline', '.side .safety', '.logs', '.events', '.side .switches'], 'a bad value: the full playground');
    await page.setViewportSize({ width: 320, height: 800 });
    await post(320, ['controls="minimal"']);
    await page.waitForSelector('raft-playground[data-ready="1"]');
    m = await measure();
    assert.equal(m.overflow, false, 'no horizontal overflow at 320 px');
    await page.screenshot({ path: join(ARTIFACTS, 'minimal-320.png'), fullPage: true });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('inline stories: the script in the page plays, says when its scripted part is over; a bad one names its line', async () => {
  const page = await openPage(env.browser, env.url, { width: 900, height: 900 });
  try {
    const story = `
# The leader crashes.
config servers=3 seed=5
run 500ms
crash leader
run 300ms`;
    await page.setContent(`<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
      <raft-playground id="a" controls="minimal"><script type="text/x-raft-scenario">${story}</script></raft-playground>
      <raft-playground id="b" controls="minimal"><script type="text/x-raft-scenario">config servers=3\nrun 10ms\nfrobnicate 3</script></raft-playground>
      <script type="module" src="${env.url}www/embed.js"></script></body></html>`);
    await page.waitForFunction(() => [...document.querySelectorAll('raft-playground')].every((el) => el.dataset.ready === '1'));
    const r = await page.evaluate(async () => {
      const el = document.getElementById('a');
      el.pause();
      let ended = null;
      el.addEventListener('raft-scenario-end', (e) => (ended = e.detail));
      const caption = el.shadowRoot.querySelector('.scenario-desc').textContent;
      await el.runUntil(1000);
      await new Promise((r) => setTimeout(r, 100));
      const v = el.view();
      return { caption, ended, servers: v.servers.length, crashed: v.servers.filter((s) => !s.alive).length, over: el.shadowRoot.querySelector('.scenario-desc').classList.contains('over') };
    });
    assert.equal(r.caption, 'The leader crashes.');
    assert.equal(r.servers, 3);
    assert.equal(r.crashed, 1, 'the story crashed its leader');
    assert.ok(r.ended && r.ended.scenario === '(inline)', JSON.stringify(r.ended));
    assert.ok(r.over, 'the page marks the end of the scripted part');
    const bad = await page.evaluate(() => [...document.getElementById('b').shadowRoot.querySelectorAll('.notice')].map((n) => n.textContent).join(' | '));
    assert.match(bad, /line 3: `frobnicate 3`: unknown command/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the sample post: its widgets work, axe-core finds no serious problem, screenshots at desktop and phone width', async () => {
  for (const [w, h, name] of [[1200, 900, 'desktop'], [375, 740, 'phone']]) {
    const page = await openPage(env.browser, env.url + 'www/example-post.html', { width: w, height: h });
    try {
      await page.waitForFunction(() => [...document.querySelectorAll('raft-playground')].every((el) => el.dataset.ready === '1'), null, { timeout: 15000 });
      assert.equal(await page.evaluate(() => document.querySelectorAll('raft-playground').length), 3);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth), false, `no overflow at ${w}px`);
      await page.waitForTimeout(1500);
      if (name === 'desktop') {
        await page.addScriptTag({ content: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
        const bad = await page.evaluate(async () => {
          const r = await axe.run(document, { resultTypes: ['violations'] });
          return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        });
        assert.deepEqual(bad, []);
      }
      await page.screenshot({ path: join(ARTIFACTS, `example-post-${name}.png`), fullPage: true });
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  }
});

test('themes: theme="dark" and the reader\'s dark preference repaint the widget, axe-core passes in dark too; a bad theme says so', async () => {
  const page = await load('?seed=3');
  try {
    const bg = () => page.evaluate(() => getComputedStyle(document.querySelector('raft-playground')).backgroundColor);
    assert.equal(await bg(), 'rgb(255, 255, 255)', 'light: the widget paints its own background too');
    await onEl(page, async (el) => {
      el.setAttribute('theme', 'dark');
      await el.runUntil(1500);
      await el.act('crash 4');
    });
    await page.waitForTimeout(150);
    assert.equal(await bg(), 'rgb(22, 24, 28)', 'dark: the widget paints its own background');
    await page.addScriptTag({ content: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
    const audit = () =>
      page.evaluate(async () => {
        const r = await axe.run(document.querySelector('raft-playground'), { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
    assert.deepEqual(await audit(), []);
    // The reader's preference, without the attribute.
    await onEl(page, (el) => el.removeAttribute('theme'));
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(100);
    assert.equal(await bg(), 'rgb(22, 24, 28)');
    await onEl(page, (el) => el.setAttribute('theme', 'light'));
    assert.equal(await bg(), 'rgb(255, 255, 255)', 'theme="light" wins over the preference');
    await onEl(page, (el) => el.setAttribute('theme', 'purple'));
    const notes = await page.locator('raft-playground .notice').allTextContents();
    assert.ok(notes.some((t) => t.includes('theme="purple"')), notes.join(' | '));
  } finally {
    await page.close();
  }
});

test('touch: on a phone, tapped servers open menus that do not cover them, with items 44 px tall; links hit from further away', async () => {
  const context = await env.browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  try {
    await page.goto(env.url + '?seed=2');
    await page.waitForSelector('raft-playground[data-ready="1"]');
    await onEl(page, async (el) => (el.pause(), await el.runUntil(600)));
    await page.waitForTimeout(100);
    for (const id of [1, 2, 3, 4, 5]) {
      const p = await onEl(page, (el, id) => {
        const q = el.serverPosition(id);
        const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
        return { x: r.left + q.x, y: r.top + q.y };
      }, id);
      await page.touchscreen.tap(p.x, p.y);
      const menu = page.locator('raft-playground .menu');
      await menu.waitFor({ state: 'visible', timeout: 2000 });
      assert.equal(await menu.getAttribute('data-server'), String(id));
      const box = await menu.boundingBox();
      const inside = p.x > box.x && p.x < box.x + box.width && p.y > box.y && p.y < box.y + box.height;
      assert.equal(inside, false, `S${id}'s menu covers it`);
      const heights = await page.locator('raft-playground .menu .items > button:visible').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height));
      assert.ok(heights.length >= 3 && heights.every((h) => h >= 44), `menu items ${heights}`);
      await page.keyboard.press('Escape');
    }
    // A tap 14 px beside the middle of a link still cuts it.
    const mid = await onEl(page, (el) => {
      const a = el.serverPosition(1);
      const b = el.serverPosition(3);
      const r = el.shadowRoot.querySelector('canvas').getBoundingClientRect();
      const dx = b.x - a.x, dy = b.y - a.y, d = Math.hypot(dx, dy);
      return { x: r.left + (a.x + b.x) / 2 - (dy / d) * 14, y: r.top + (a.y + b.y) / 2 + (dx / d) * 14 };
    });
    await page.touchscreen.tap(mid.x, mid.y);
    assert.deepEqual(await onEl(page, (el) => el.view().cut), [[1, 3]]);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('the host page keeps its keys: Space and arrows scroll it and leave an embedded widget alone; reduced motion stops the flying', async () => {
  const page = await openPage(env.browser, env.url, { width: 900, height: 600 });
  try {
    await page.setContent(`<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
      <p style="height:300px">Text.</p><raft-playground seed="2" autoplay></raft-playground><p style="height:2000px">More.</p>
      <script type="module" src="${env.url}www/embed.js"></script></body></html>`);
    await page.waitForSelector('raft-playground[data-ready="1"]');
    await page.evaluate(() => document.activeElement.blur());
    const before = await page.evaluate(() => ({ y: scrollY, paused: document.querySelector('raft-playground').paused, e: document.querySelector('raft-playground').playground.events() }));
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(300);
    const after = await page.evaluate(() => ({ y: scrollY, paused: document.querySelector('raft-playground').paused }));
    assert.ok(after.y > before.y, `the page scrolled (${before.y} → ${after.y})`);
    assert.equal(after.paused, before.paused, 'Space on the page did not toggle the widget');
    // Reduced motion: the widget says so, and a message sits by its sender, then by its receiver.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.evaluate(() => window.dispatchEvent(new Event('resize')));
    await page.setViewportSize({ width: 901, height: 600 });
    await page.waitForTimeout(300);
    const r = await page.evaluate(async () => {
      const el = document.querySelector('raft-playground');
      const { messagePoint, layout } = await import('/src/www/render.js');
      const L = { ...layout(400, 300, 3), still: true };
      const m = { from: 1, to: 2, send_ms: 0, deliver_ms: 10 };
      const at = (t) => messagePoint(L, m, t);
      return { motion: el.shadowRoot.querySelector('.root').dataset.motion, early: [at(1), at(4)], late: [at(6), at(9)] };
    });
    assert.equal(r.motion, 'reduced');
    assert.deepEqual(r.early[0], r.early[1], 'no movement in the first half');
    assert.deepEqual(r.late[0], r.late[1], 'no movement in the second half');
    assert.notDeepEqual(r.early[0], r.late[0]);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the sample post passes axe-core in the reader\'s dark preference too', async () => {
  const page = await openPage(env.browser, env.url + 'www/example-post.html', { width: 1200, height: 900 });
  try {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => [...document.querySelectorAll('raft-playground')].every((el) => el.dataset.ready === '1'), null, { timeout: 15000 });
    await page.waitForTimeout(500);
    await page.addScriptTag({ content: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
    const bad = await page.evaluate(async () => {
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(bad, []);
    await page.screenshot({ path: join(ARTIFACTS, 'example-post-dark.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('raft-event tells every event of new ground: more than a page of them at once, and a branch started in the past; it bubbles to the document', async () => {
  const page = await load('?seed=5');
  try {
    const r = await onEl(page, async (el) => {
      const heard = [];
      document.addEventListener('raft-event', (e) => heard.push({ at: e.target === el, ...e.detail }));
      await el.runUntil(1000);
      const first = heard.length;
      const before = el.playground.note_count();
      // A lossy network for two simulated minutes: thousands of events in one call.
      await el.act({ type: 'network', drop: 60 });
      await el.runUntil(120000);
      const burst = [el.playground.note_count() - before, heard.length - first];
      // Back in time, then an action: the new branch's events from there on are new ground.
      await el.seek(50);
      const mark = heard.length;
      await el.act('crash 3');
      await el.runUntil(400);
      return { first, burst, after: heard.slice(mark).map((e) => e.text), targets: heard.every((e) => e.at), forked: el.playground.note_count() };
    });
    assert.ok(r.first > 3, `${r.first} events by 1 s`);
    assert.ok(r.burst[0] > 1000, `${r.burst[0]} events in the burst`);
    assert.equal(r.burst[1], r.burst[0], 'every event of the burst is told');
    assert.equal(r.after[0], 'you: crash 3', r.after.slice(0, 3).join(' | '));
    assert.ok(r.after.length >= 3 && r.after.length === r.forked, `${r.after.length} told, ${r.forked} on the branch`);
    assert.ok(r.targets, 'event.target is the widget');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the API\'s limits: step(n) and seek() far ahead reject with where they stopped and leave a valid run; play() after going back from a violation plays', async () => {
  const page = await load('?seed=4');
  try {
    const r = await onEl(page, async (el) => {
      await el.runUntil(1234);
      const msg = (p) => p.then(() => 'accepted', (e) => e.message);
      const seekFar = await msg(el.seek(1e7));
      const afterSeek = el.time;
      const runFar = await msg(el.runUntil(afterSeek + 4e6));
      const afterRun = el.time;
      const t0 = performance.now();
      const stepFar = await msg(el.step(1e9));
      const stepMs = performance.now() - t0;
      const events = el.playground.events();
      const backAll = await msg(el.step(-1e9));
      return { seekFar, afterSeek, runFar, afterRun, stepFar, stepMs, events, backAll, atStart: el.playground.events(), t: el.time };
    });
    assert.match(r.seekFar, /^seek: stopped at 3601234\.000 ms, short of 10000000\.000 ms: one call goes at most an hour of simulated time past what the run has reached; call again to go on$/);
    assert.equal(r.afterSeek, 3601234);
    assert.match(r.runFar, /^run_until: stopped at [\d.]+ ms, short of [\d.]+ ms/);
    assert.ok(r.afterRun > r.afterSeek);
    assert.match(r.stepFar, /^step: stopped after \d+ of 1000000000 steps, at [\d.]+ ms, after \d+ units of work/);
    assert.ok(r.events > 0);
    assert.equal(r.backAll, 'accepted', 'back to the start in one replay');
    assert.equal(r.atStart, 0);
    // (The time a step(1e9) takes is the work cap's, not a billion steps': reported, not asserted.)
    console.log(`step(1e9) stopped after ${r.stepMs.toFixed(0)} ms`);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
  const broken = await load('?scenario=break_vote_twice');
  try {
    const r = await onEl(broken, async (el) => {
      await el.runUntil(3000);
      const stoppedAt = el.time;
      const violated = el.view().violations.length;
      await el.seek(500);
      el.play();
      const playing = !el.paused;
      el.pause();
      return { stoppedAt, violated, playing };
    });
    assert.ok(r.violated > 0 && r.stoppedAt < 3000, `stopped at ${r.stoppedAt}`);
    assert.equal(r.playing, true, 'play() after an awaited seek back plays');
  } finally {
    await broken.close();
  }
});

test('the violation notice goes with its run: a new scenario, Reset or New seed starts clean', async () => {
  const page = await load('?scenario=figure8');
  try {
    const notices = () => page.locator('raft-playground .notice.error').allTextContents();
    await onEl(page, async (el) => {
      await el.runUntil(760); // Leader Completeness breaks at 774.5 ms
      el.play();
    });
    await page.waitForFunction(() => document.querySelector('raft-playground').view().violations.length > 0, null, { timeout: 30000 });
    await page.waitForFunction(() => [...document.querySelector('raft-playground').shadowRoot.querySelectorAll('.notice.error')].some((n) => /safety property was violated/.test(n.textContent)));
    // Play again while stopped: one notice, not two.
    await onEl(page, (el) => el.play());
    assert.equal((await notices()).filter((t) => /violation|violated/.test(t)).length, 1, (await notices()).join(' | '));
    await page.locator('raft-playground').evaluate((el) => {
      const s = el.shadowRoot.querySelector('[data-cmd=scenario]');
      s.value = 'election';
      s.dispatchEvent(new Event('change'));
    });
    assert.deepEqual((await notices()).filter((t) => /violat/.test(t)), [], 'a new scenario starts clean');
    for (const cmd of ['reset', 'newseed']) {
      await onEl(page, async (el) => {
        await el.act({ type: 'options', pre_vote: true });
      });
      await page.locator('raft-playground').evaluate((el, c) => el.shadowRoot.querySelector(`[data-cmd=${c}]`).click(), cmd);
      assert.deepEqual((await notices()).filter((t) => /violat/.test(t)), [], cmd);
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
