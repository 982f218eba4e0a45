// Browser tests of the stage (the cluster's canvas): drawn in a worker where the browser allows
// it, on the page where it does not (no OffscreenCanvas, a worker that cannot be made or does not
// load), the same either way; and while playing, the worker moves it on by itself between the
// page's frames, which come only when an event or the panels are due.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { start, onWidget, decodePng } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

/** Open the page with `init` run before any of its scripts (null: none), `route` set up on it;
 * wait until the widget is ready and its stage has started. */
async function open(init, route, options = {}) {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 }, ...options });
  page.errors = [];
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  if (init) await page.addInitScript(init);
  if (route) await route(page);
  await page.goto(`${env.url}?seed=1`);
  await page.waitForSelector('raft-playground[data-ready="1"]', { timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('raft-playground').renderer !== 'starting', null, { timeout: 15000 });
  return page;
}

const FILL = { leader: [0xc6, 0xef, 0xcf], follower: [0xe7, 0xed, 0xf6], crashed: [0xec, 0xee, 0xf0] };

/** How many of the 49 pixels in a 7×7 box left of server `id`'s centre (clear of its term
 * number) have `rgb` (±2 per channel: the crashed and follower fills differ by 5–6), in a fresh screenshot of the stage. */
async function fillAt(page, id, rgb) {
  const canvas = page.locator('raft-playground canvas').first();
  const png = decodePng(await canvas.screenshot());
  const p = await onWidget(page, (el, id) => el.serverPosition(id), id);
  const box = await canvas.boundingBox();
  const sx = png.width / box.width;
  let n = 0;
  for (let dy = -3; dy <= 3; dy++) {
    for (let dx = -3; dx <= 3; dx++) {
      const px = png.at(Math.round((p.x - 16 + dx) * sx), Math.round((p.y + 2 + dy) * sx));
      if (px.every((c, k) => Math.abs(c - rgb[k]) <= 2)) n++;
    }
  }
  return n;
}

/** The stage shows the cluster as it is, and follows it: the leader and a follower in their
 * colours, and the follower in the crashed colour once crashed. */
async function assertDrawn(page) {
  const { leader, follower } = await onWidget(page, async (el) => {
    el.pause();
    await el.runUntil(3000);
    const v = el.view();
    return { leader: v.leader, follower: v.servers.find((s) => s.id !== v.leader).id };
  });
  assert.ok(leader, 'a leader by 3 s');
  await page.waitForTimeout(150);
  assert.ok((await fillAt(page, leader, FILL.leader)) >= 40, `S${leader} drawn as the leader`);
  assert.ok((await fillAt(page, follower, FILL.follower)) >= 40, `S${follower} drawn as a follower`);
  await onWidget(page, (el, id) => el.act({ type: 'crash', server: id }), follower);
  await page.waitForTimeout(150);
  assert.ok((await fillAt(page, follower, FILL.crashed)) >= 40, `S${follower} drawn as crashed once crashed`);
  assert.equal((await fillAt(page, follower, FILL.follower)), 0, `S${follower} no longer drawn as a follower`);
  assert.deepEqual(page.errors, []);
}

test('the stage is drawn in a worker: the canvas is handed over, and what it shows follows the cluster', async () => {
  const page = await open(null);
  try {
    assert.equal(await onWidget(page, (el) => el.renderer), 'worker');
    // A canvas handed to a worker has no context on the page any more.
    const handed = await onWidget(page, (el) => {
      try {
        el.shadowRoot.querySelector('canvas').getContext('2d');
        return false;
      } catch (e) {
        return e.name === 'InvalidStateError';
      }
    });
    assert.ok(handed, 'the canvas was handed to the worker');
    await assertDrawn(page);
  } finally {
    await page.close();
  }
  // With reduced motion (nothing flies: a message shows by its sender, then by its receiver), on a
  // phone, and in the dark theme: the same.
  for (const options of [{ reducedMotion: 'reduce' }, { viewport: { width: 390, height: 844 } }, { colorScheme: 'dark' }]) {
    const other = await open(null, null, options);
    try {
      assert.equal(await onWidget(other, (el) => el.renderer), 'worker', JSON.stringify(options));
      await assertDrawn(other);
    } finally {
      await other.close();
    }
  }
});

test('without a worker the stage is drawn on the page, the same: no OffscreenCanvas, no Worker, a worker that does not load', async () => {
  const cases = {
    'no OffscreenCanvas': [() => delete window.OffscreenCanvas],
    'a Worker that cannot be made': [
      () => {
        window.Worker = function () {
          throw new DOMException('workers are not allowed here', 'SecurityError');
        };
      },
    ],
    // The worker's script fails to load (the page's own import of it, the fallback, then works).
    'a worker script that does not load': [
      null,
      async (page) => {
        let first = true;
        await page.route('**/stage-worker.js', (r) => (first ? ((first = false), r.fulfill({ status: 404, body: '' })) : r.continue()));
      },
    ],
  };
  for (const [name, [init, route]] of Object.entries(cases)) {
    const page = await open(init, route);
    try {
      assert.equal(await onWidget(page, (el) => el.renderer), 'page', name);
      page.errors = page.errors.filter((e) => !/404|Failed to load resource/.test(e)); // the refused worker script
      await assertDrawn(page);
    } finally {
      await page.close();
    }
  }
});

test('while playing, the worker moves the stage on between the page\'s frames: the page draws one only when an event or its panels are due', async () => {
  const page = await open(null);
  try {
    const out = await onWidget(page, async (el) => {
      el.pause();
      await el.runUntil(3000); // a leader: the first-election speed-up is over
      el.play();
      await new Promise((r) => setTimeout(r, 400));
      let writes = 0;
      const mo = new MutationObserver((ms) => (writes += ms.length));
      mo.observe(el.shadowRoot.querySelector('.st-time'), { subtree: true, characterData: true, childList: true });
      const [f0, s0, t0, w0, b0] = [el.frames, el.stageFrames, el.view().time_ms, performance.now(), el.stageTime];
      await new Promise((r) => setTimeout(r, 2000));
      const [f1, s1, t1, w1, b1] = [el.frames, el.stageFrames, el.view().time_ms, performance.now(), el.stageTime];
      mo.disconnect();
      el.pause();
      await new Promise((r) => setTimeout(r, 400));
      const s2 = el.stageFrames;
      await new Promise((r) => setTimeout(r, 400));
      const secs = (w1 - w0) / 1000;
      return { page: (f1 - f0) / secs, stage: (s1 - s0) / secs, writes: writes / secs, simPerWall: (t1 - t0) / (w1 - w0), speed: el.speed, still: el.stageFrames - s2, stageMs: (b1 - b0) / Math.max(1, s1 - s0) };
    });
    // The worker says what its frames cost (on its own thread): something, and well under a frame.
    assert.ok(out.stageMs > 0 && out.stageMs < 30, `${out.stageMs.toFixed(2)} ms a stage frame`);
    assert.ok(out.page <= 16, `${out.page.toFixed(1)} page frames a second (the panels ~10, events between)`);
    assert.ok(out.stage >= 15 && out.stage >= 1.5 * out.page, `the stage drawn ${out.stage.toFixed(1)} times a second against ${out.page.toFixed(1)} page frames`);
    // The simulation keeps real time at its speed though the page's frames are far apart.
    assert.ok(Math.abs(out.simPerWall / out.speed - 1) < 0.2, `simulated ${out.simPerWall.toFixed(4)} ms per wall ms at speed ${out.speed}`);
    // The clock reads in steps it crosses about four times a second (at 1/50×, 10 ms).
    assert.ok(out.writes >= 1 && out.writes <= 6, `the clock written ${out.writes.toFixed(1)} times a second`);
    assert.equal(out.still, 0, 'paused, the stage is not drawn again');
    // Paused, a frame writes the panels at once, the clock to the microsecond: a step shows its time.
    const shown = await onWidget(page, async (el) => {
      el.shadowRoot.querySelector('[data-cmd=step]').click();
      await new Promise((r) => setTimeout(r, 100));
      return [el.shadowRoot.querySelector('.st-time').textContent, el.view().time_ms];
    });
    assert.match(shown[0], new RegExp(shown[1].toFixed(3).replace('.', '\\.')), `the status line shows the step's time: ${shown[0]}`);
  } finally {
    await page.close();
  }
});

test('a stage that fails says so on the page and stops, like a crash of the simulator', async () => {
  // Every frame handed to the worker from the switch on is unreadable.
  const page = await open(() => {
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (m, t) {
      return post.call(this, window.corruptStage && m?.view instanceof Uint8Array ? { ...m, view: new TextEncoder().encode('{') } : m, t);
    };
  });
  try {
    assert.equal(await onWidget(page, (el) => el.renderer), 'worker');
    await onWidget(page, async (el) => {
      window.corruptStage = true;
      await el.step(1);
      await new Promise((r) => setTimeout(r, 300));
    }, null, true);
    const banner = await onWidget(page, (el) => [el.hasAttribute('data-crashed'), el.shadowRoot.querySelector('.banner').hidden, el.shadowRoot.querySelector('.banner').textContent], null, true);
    assert.equal(banner[0], true, 'the widget says it crashed');
    assert.equal(banner[1], false, 'the banner shows');
    assert.match(banner[2], /The cluster could not be drawn: .*a frame it could not read/);
    const frames = await onWidget(page, (el) => el.frames, null, true);
    await page.waitForTimeout(300);
    assert.equal(await onWidget(page, (el) => el.frames, null, true), frames, 'no frames after it');
  } finally {
    await page.close();
  }
});

test('a widget taken off the page ends its stage\'s worker; put back, it draws on a new canvas in a new one', async () => {
  const page = await open(null);
  try {
    const stages = () => page.workers().filter((w) => w.url().endsWith('/stage-worker.js'));
    assert.equal(stages().length, 1, 'one stage worker');
    const ended = new Promise((resolve) => stages()[0].once('close', resolve));
    const spare = await onWidget(page, async (el) => {
      const canvas = el.shadowRoot.querySelector('canvas');
      const parent = el.parentNode;
      el.remove();
      await new Promise((r) => setTimeout(r, 200));
      parent.append(el);
      await new Promise((r) => setTimeout(r, 50));
      return canvas.isConnected;
    });
    await Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the stage worker was not ended')), 3000))]);
    assert.equal(spare, false, 'the spent canvas left the page');
    await page.waitForFunction(() => document.querySelector('raft-playground').renderer === 'worker');
    assert.equal(stages().length, 1, 'one stage worker again');
    await assertDrawn(page);
    // Clicks on the new canvas still reach the widget: a server opens its menu.
    const { x, y } = await onWidget(page, (el) => el.serverPosition(1));
    const box = await page.locator('raft-playground canvas').first().boundingBox();
    await page.mouse.click(box.x + x, box.y + y);
    await page.waitForFunction(() => !document.querySelector('raft-playground').shadowRoot.querySelector('.menu').hidden);
  } finally {
    await page.close();
  }
});

test('embedded from another origin (a blog loading embed.js from elsewhere), the stage and Explore from here still run in workers', async () => {
  // A post on another site (another port: another origin): only the script tag and the element.
  const blog = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>post</title><script type="module" src="${env.url}www/embed.js"></script><raft-playground seed="1"></raft-playground>`);
  });
  await new Promise((resolve) => blog.listen(0, '127.0.0.1', resolve));
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  try {
    await page.goto(`http://127.0.0.1:${blog.address().port}/post.html`);
    await page.waitForSelector('raft-playground[data-ready="1"]', { timeout: 15000 });
    await page.waitForFunction(() => document.querySelector('raft-playground').renderer !== 'starting');
    assert.notEqual(await page.evaluate(() => location.origin), new URL(env.url).origin);
    assert.equal(await onWidget(page, (el) => el.renderer), 'worker');
    await assertDrawn(page);
    const report = await onWidget(page, (el) => el.explore({ depth: 3 }).then((r) => ({ states: r.states, violation: r.violation })));
    assert.ok(report.states > 1 && report.violation === null, JSON.stringify(report));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
    blog.close();
  }
});

test('a widget out of sight when its worker starts still shows its cluster once (a full-page screenshot, a print), and draws nothing more until it comes into sight', async () => {
  const page = await env.browser.newPage({ viewport: { width: 900, height: 700 } });
  try {
    await page.goto(`${env.url}www/example-post.html`);
    await page.waitForFunction(() => [...document.querySelectorAll('raft-playground')].every((el) => el.getAttribute('data-ready') === '1' && el.renderer === 'worker'), null, { timeout: 20000 });
    await page.waitForTimeout(500);
    const last = () => page.evaluate(() => {
      const el = [...document.querySelectorAll('raft-playground')].at(-1);
      return { drawn: el.stageFrames, frames: el.frames, top: el.getBoundingClientRect().top };
    });
    const a = await last();
    assert.ok(a.top > 700, `the last widget is out of sight (top ${a.top})`);
    assert.ok(a.drawn >= 1, `its cluster was drawn once (${a.drawn})`);
    await page.waitForTimeout(500);
    const b = await last();
    assert.deepEqual([b.drawn, b.frames], [a.drawn, a.frames], 'nothing more while out of sight');
  } finally {
    await page.close();
  }
});

test('servers and links drawn from their sprites and layer look as drawn directly, and each follows what it shows (terms, roles, crashes, membership, cut and one-way links, partitions, hover, theme, pixel ratio)', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${env.url}?scenario=membership`);
    await page.waitForSelector('raft-playground[data-ready="1"]', { timeout: 15000 });
    const out = await page.evaluate(async (url) => {
      const el = document.querySelector('raft-playground');
      el.pause();
      const { painter } = await import(url);
      const compare = async (frame) => {
        // One painter keeps its sprites from moment to moment; the other draws every moment
        // directly (`plain`), on a fresh layout.
        const cached = new OffscreenCanvas(1, 1);
        const paintCached = painter(cached);
        const worst = [];
        for (const [ms, act] of [[250], [700], [1130], [1130, { type: 'crash', server: 2 }], [1400], [1400, { type: 'restart', server: 2 }], [1700]]) {
          await el.runUntil(ms);
          if (act) el.act(act);
          const view = el.view();
          // The moment as it is, and with one thing a sprite shows changed at a time (each drawn
          // after the one before it, so a sprite kept too long shows).
          const changed = (fn) => {
            const v = structuredClone(view);
            fn(v.servers[0], v);
            return v;
          };
          const views = [
            [view, null],
            [view, { type: 'server', id: 1 }],
            [view, null],
            [changed((s) => (s.term += 7)), null],
            [view, null],
            [changed((s) => Object.assign(s, { role: 'candidate', votes: [1] })), null],
            [changed((s) => Object.assign(s, { role: 'candidate', votes: [1, 3] })), null],
            [changed((s) => Object.assign(s, { role: 'precandidate', votes: [1, 3] })), null],
            [view, null],
            [changed((s) => (s.alive = !s.alive)), null],
            [view, null],
            [changed((s) => (s.voted_for = s.voted_for === 3 ? 2 : 3)), null],
            [view, null],
            [changed((s, v) => v.membership && (v.membership.learners = [1])), null],
            [view, null],
            // The links layer: a cut link, the link under the pointer, a partition, a one-way cut.
            [changed((s, v) => (v.cut = [[1, 2]])), null],
            [view, null],
            [view, { type: 'link', a: 1, b: 3 }],
            [view, null],
            [changed((s, v) => (v.groups = v.groups.map((g, i) => (i < 2 ? 7 : g)))), null],
            [view, null],
            [changed((s, v) => (v.one_way = [[2, 1]])), null],
            [view, null],
          ];
          for (const [view, hover] of views) {
            const f = { ...frame, hover, selected: null };
            paintCached(f, view);
            const plain = new OffscreenCanvas(1, 1);
            const paintPlain = painter(plain);
            paintPlain(f, view).plain = true;
            paintPlain(f, view);
            const a = cached.getContext('2d').getImageData(0, 0, cached.width, cached.height).data;
            const b = plain.getContext('2d').getImageData(0, 0, plain.width, plain.height).data;
            let off = 0;
            let max = 0;
            // Premultiplied (what is composited onto the page): a faint fringe's colour, read
            // back un-premultiplied, swings with a rounding of its alpha.
            for (let i = 0; i < a.length; i += 4) {
              let d = Math.abs(a[i + 3] - b[i + 3]);
              for (let k = 0; k < 3; k++) d = Math.max(d, Math.abs(a[i + k] * a[i + 3] - b[i + k] * b[i + 3]) / 255);
              if (d > 3) off++;
              max = Math.max(max, d);
            }
            worst.push({ ms, act: act?.type ?? null, view: views.findIndex(([v, h]) => v === view && h === hover), off, max, ink: countInk(a) });
          }
        }
        return worst;
      };
      // How many pixels are not background: the drawing is not empty.
      const countInk = (a) => {
        let n = 0;
        for (let i = 3; i < a.length; i += 4 * 7) if (a[i] > 0) n++;
        return n;
      };
      return {
        light: await compare({ w: 900, h: 560, dpr: 1, dark: false, still: false }),
        dark2x: await compare({ w: 700, h: 480, dpr: 2, dark: true, still: false }),
      };
    }, `${env.url}www/stage-worker.js`);
    for (const [name, rows] of Object.entries(out)) {
      for (const r of rows) {
        assert.ok(r.ink > 1000, `${name} ${JSON.stringify(r)}: something was drawn`);
        // A dash pattern's phase may round differently on a few pixels; a sprite kept too long or put
        // in the wrong place differs on hundreds.
        assert.ok(r.off <= 8, `${name} ${JSON.stringify(r)}: the sprites' pixels are the direct drawing's (±3 of 255 per premultiplied channel)`);
      }
    }
  } finally {
    await page.close();
  }
});
