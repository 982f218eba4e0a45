// Browser tests of the panels whose code loads only when needed (www/lazy.js): the inspector,
// "Explore from here" and the sequence diagram are chunks of their own, fetched when their
// section comes near the viewport, when the page is idle if it is shown at all, or when the API
// asks for the explorer, never for a widget that hides them; what the widget told a panel before its code came (the selection) is not lost; and
// a chunk that cannot be fetched leaves a message in its place and the rest of the widget running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { start, openPage, onWidget } from './harness.mjs';
import { CHUNK_HASH, DIST } from '../scripts/setup.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

const PANELS = ['inspector', 'explore', 'sequence'];
const W = 'raft-playground';

/** Record which of the panels' chunks the page fetches (`page.chunks`, a Set of panel names). */
function watchChunks(page) {
  page.chunks = new Set();
  page.on('request', (r) => {
    const m = r.url().match(new RegExp(`/www/(${PANELS.join('|')})-${CHUNK_HASH}\\.js$`));
    if (m) page.chunks.add(m[1]);
  });
  return page;
}

/** Let the page lay out, observe, go idle and fetch (www/lazy.js IDLE_MS is 2 s at most). */
const settle = (page) => page.waitForTimeout(2500);

test('the build makes each lazily loaded panel a chunk of its own, and the bundle holds none of their code', async () => {
  const files = readdirSync(join(DIST, 'www'));
  for (const p of PANELS) assert.equal(files.filter((f) => new RegExp(`^${p}-${CHUNK_HASH}\\.js$`).test(f)).length, 1, `one chunk for ${p}.js`);
  assert.deepEqual(files.filter((f) => /^chunk-/.test(f)), [], 'no shared chunk (a panel imports nothing the widget would have to fetch first)');
});

test('a widget that hides the panels never fetches their code; showing one fetches it, and it shows the selection made before', async () => {
  const page = watchChunks(await openPage(env.browser, `${env.url}www/example-post.html`, { width: 900, height: 900 }));
  try {
    await page.waitForFunction(() => [...document.querySelectorAll('raft-playground')].every((e) => e.dataset.ready === '1'));
    // Play the first widget (its inspector is hidden), then scroll through the whole post.
    await page.evaluate(async () => {
      const el = document.querySelector('raft-playground');
      el.play();
      await new Promise((r) => setTimeout(r, 300));
      el.pause();
      el.scrollIntoView();
    });
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await settle(page);
    assert.deepEqual([...page.chunks], [], 'no panel code fetched for widgets that hide every lazy panel');

    // Select S2 through the keyboard ring (what a click or focus does), still hidden, then show the inspector.
    const sel = await page.evaluate(() => {
      const el = document.querySelector('raft-playground');
      el.shadowRoot.querySelector('.srvs [data-id="2"]').focus();
      return el.shadowRoot.querySelector('.inspector').childElementCount;
    });
    assert.equal(sel, 0, 'the hidden inspector has nothing in it yet');
    await page.evaluate(() => {
      const el = document.querySelector('raft-playground');
      el.setAttribute('panels', 'inspector');
      el.scrollIntoView();
    });
    await page.locator(`${W} >> nth=0 >> .inspector .insp-body dl`).first().waitFor({ timeout: 10000 });
    assert.deepEqual([...page.chunks], ['inspector']);
    const head = await page.evaluate(() => document.querySelector('raft-playground').shadowRoot.querySelector('.inspector h4, .inspector .insp-body')?.closest('.inspector').textContent);
    assert.match(head, /S2/, 'the server selected before the code came is the one shown');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the full page fetches each panel it shows, out of view too once idle, so Tab reaches them; explore() fetches a hidden explorer', async () => {
  const page = watchChunks(await openPage(env.browser, `${env.url}?seed=3&servers=3`, { width: 1280, height: 800 }));
  try {
    await page.waitForSelector('raft-playground[data-ready="1"]');
    await page.locator(`${W} .inspector .insp-pick button`).first().waitFor({ timeout: 10000 });
    // The explorer and the diagram are further down the page: fetched without scrolling to them.
    await page.locator(`${W} .explore .ex-run`).waitFor({ state: 'attached', timeout: 10000 });
    await page.locator(`${W} .sequence details`).waitFor({ state: 'attached', timeout: 10000 });
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    assert.deepEqual([...page.chunks].sort(), ['explore', 'inspector', 'sequence']);
    // The keyboard goes from the rules' panel into the explorer's controls.
    const into = await onWidget(page, (el) => {
      const all = el.shadowRoot.querySelectorAll('.rules input, .rules button, .rules a, .rules select');
      all[all.length - 1].focus();
      return all.length;
    });
    assert.ok(into > 0);
    await page.keyboard.press('Tab');
    assert.equal(await onWidget(page, (el) => !!el.shadowRoot.activeElement?.closest('.explore')), true, 'Tab from the rules lands in the explorer');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }

  // A widget whose explorer is hidden: explore() fetches its code and runs; a cancel before the
  // code came ends that call.
  const post = watchChunks(await openPage(env.browser, `${env.url}www/example-post.html`, { width: 900, height: 900 }));
  try {
    await post.waitForFunction(() => document.querySelector('raft-playground')?.dataset.ready === '1');
    const out = await post.evaluate(async () => {
      const el = document.querySelector('raft-playground');
      el.pause();
      const first = el.explore({ depth: 2 });
      el.cancelExplore();
      const cancelled = await first.then(() => 'resolved', (e) => e.name);
      const report = await el.explore({ depth: 3 });
      const bad = await el.explore({ depth: 'deep' }).then(() => 'resolved', (e) => e.message);
      return { cancelled, states: report.states, violation: report.violation, bad };
    });
    assert.equal(out.cancelled, 'AbortError');
    assert.ok(out.states > 1, `explored ${out.states} states`);
    assert.equal(out.violation, null);
    assert.match(out.bad, /depth/);
    assert.deepEqual([...post.chunks], ['explore']);
    assert.deepEqual(post.errors, []);
  } finally {
    await post.close();
  }
});

test('a panel whose code cannot be fetched says so in its place; the rest of the widget runs on', async () => {
  const page = watchChunks(await openPage(env.browser, 'about:blank'));
  try {
    await page.route(new RegExp(`/www/inspector-${CHUNK_HASH}\\.js$`), (r) => r.fulfill({ status: 404, body: '' }));
    page.errors = [];
    await page.goto(`${env.url}?seed=3&servers=3`);
    await page.waitForSelector('raft-playground[data-ready="1"]');
    await page.locator(`${W} .inspector.lazy-failed`).waitFor({ timeout: 10000 });
    assert.match(await page.locator(`${W} .inspector`).textContent(), /This panel could not load: .*Reload the page/);
    const after = await onWidget(page, async (el) => {
      el.playground.run_until(2000);
      await el.act('crash 1');
      return { crashed: !el.view().servers[0].alive, leader: el.view().servers.some((s) => s.role === 'leader') };
    });
    assert.equal(after.crashed, true);
    // The widget keeps going; the failed fetch is the only error the console saw.
    assert.ok(page.errors.every((e) => /404|Failed to (load|fetch)/.test(e)), page.errors.join('\n'));
    assert.equal(await page.locator(`${W}[data-crashed]`).count(), 0);
  } finally {
    await page.close();
  }
});

test('the menu\'s Inspect before the inspector\'s code came: the panel shows that server and takes the keyboard once it comes', async () => {
  const page = watchChunks(await openPage(env.browser, 'about:blank'));
  try {
    let release;
    const held = new Promise((r) => (release = r));
    await page.route(new RegExp(`/www/inspector-${CHUNK_HASH}\\.js$`), async (r) => {
      await held;
      await r.continue();
    });
    await page.goto(`${env.url}?seed=3&servers=3`);
    await page.waitForSelector('raft-playground[data-ready="1"]');
    await page.locator(`${W} .srv[tabindex="0"]`).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Enter'); // Inspect
    const active = () => onWidget(page, (el) => {
      const a = el.shadowRoot.activeElement;
      return a ? { server: a.dataset.server ?? null, inInspector: !!a.closest('.inspector') } : null;
    });
    assert.notEqual((await active())?.inInspector, true, 'nothing to focus yet: the code is held back');
    assert.equal(await onWidget(page, (el) => el.shadowRoot.querySelector('.inspector').childElementCount), 0);
    release();
    await page.waitForFunction(() => document.querySelector('raft-playground').shadowRoot.activeElement?.closest('.inspector'), null, { timeout: 10000 });
    assert.deepEqual(await active(), { server: '2', inInspector: true });
    assert.match(await page.locator(`${W} .insp-head`).textContent(), /^S2 · /);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
