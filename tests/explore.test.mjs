// Browser tests of "Explore from here" (the model checker in a Web Worker: progress, cancel, a
// responsive page, a counterexample loaded into the timeline and stepped through) and of holding
// the network by hand (hold, deliver a message now, release).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, loadWidget, onWidget } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

const load = (query = '') => loadWidget(env.browser, env.url + query);
const W = 'raft-playground';
/** Wait until an element inside the widget (after the next frames) has text matching `re`. */
const waitText = (page, sel, re) =>
  page.waitForFunction(
    ([s, src]) => new RegExp(src).test(document.querySelector('raft-playground').shadowRoot.querySelector(s)?.textContent ?? ''),
    [sel, re.source],
    { timeout: 10000 },
  );

test('a counterexample from here: found in the worker, loaded into the timeline, stepped through to the violation', async () => {
  const page = await load('?servers=3&seed=3&break=vote-twice');
  try {
    await onWidget(page, async (el) => {
      el.pause();
      await el.seek(0);
      // The panel's code loads as it comes near the viewport (www/lazy.js; tests/lazy.test.mjs).
      el.shadowRoot.querySelector('.explore').scrollIntoView();
    });
    await page.locator(`${W} .explore .ex-run`).click();
    const result = page.locator(`${W} .explore .ex-bad`);
    await result.waitFor({ timeout: 60000 });
    assert.match(await result.textContent(), /Election Safety breaks in 6 steps/);
    assert.match(await page.locator(`${W} .explore .ex-progress`).textContent(), /states in .* s \(.* states\/s\), .* MB/);
    const steps = page.locator(`${W} .explore .ex-steps button`);
    assert.equal(await steps.count(), 6);
    assert.match(await steps.first().textContent(), /election timeout/);
    assert.ok(await steps.first().isDisabled(), 'the steps seek only once the counterexample is loaded');

    await page.locator(`${W} .explore .ex-load`).click();
    let v = await onWidget(page, (el) => ({ held: el.view().held, violations: el.view().violations.length, paused: el.paused }));
    assert.deepEqual(v, { held: true, violations: 0, paused: true }, 'opened at its start: held, nothing broken yet');
    await page.locator(`${W} .st-held`).waitFor({ state: 'visible', timeout: 5000 }); // the status says it is held
    // Step through it with ▸: one recorded action per step, the violation at the last.
    for (let k = 0; k < 6; k++) await page.locator(`${W} [data-cmd=fwd]`).click();
    v = await onWidget(page, (el) => el.view().violations.map((x) => x.property));
    assert.deepEqual(v, ['Election Safety']);
    await waitText(page, '.explore .ex-steps li.now', /S3 candidate→leader/);
    assert.equal(await page.locator(`${W} .explore .ex-steps li.now`).count(), 1);
    assert.equal(await page.locator(`${W} .explore .ex-steps li.done`).count(), 6);
    // Pick step 3: back to just after it (S1 elected, nothing broken yet).
    await steps.nth(2).click();
    v = await onWidget(page, (el) => ({ violations: el.view().violations.length, leaders: el.view().servers.filter((s) => s.role === 'leader').map((s) => s.id) }));
    assert.deepEqual(v, { violations: 0, leaders: [1] });
    await waitText(page, '.explore .ex-steps li.now', /S1 candidate→leader/);
    // The narration lists the steps as the user's actions.
    const events = await onWidget(page, (el) => el.shadowRoot.querySelector('.events').textContent);
    assert.match(events, /deliver-message/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('exploring keeps the page responsive, shows progress and can be cancelled', async () => {
  const page = await load('?servers=5&seed=2');
  try {
    await onWidget(page, async (el) => {
      el.pause();
      await el.seek(1500);
    });
    const ex = `${W} .explore`;
    await waitText(page, '.explore .ex-depth option:checked', /^6$/); // offered for 5 servers
    await page.locator(`${ex} .ex-depth`).selectOption('20');
    await page.locator(`${ex} .ex-crashes`).selectOption('2');
    await page.locator(`${ex} .ex-requests`).selectOption('2');
    await page.locator(`${ex} .ex-run`).click();
    await page.waitForFunction(() => /depth \d+ · [\d,]+ states · [\d,]+ states\/s · [\d.]+ MB/.test(document.querySelector('raft-playground').shadowRoot.querySelector('.ex-progress').textContent), null, { timeout: 30000 });
    // The page's own loop runs meanwhile: frames keep coming, and playing moves simulated time on.
    const frames = await page.evaluate(
      () => new Promise((resolve) => {
        let n = 0;
        const t0 = performance.now();
        const tick = () => (performance.now() - t0 < 1000 ? (n++, requestAnimationFrame(tick)) : resolve(n));
        requestAnimationFrame(tick);
      }),
    );
    assert.ok(frames >= 10, `${frames} frames in a second while the worker explores`);
    const t0 = await onWidget(page, (el) => el.time);
    await onWidget(page, (el) => el.play());
    await page.waitForFunction((t) => document.querySelector('raft-playground').time > t, t0, { timeout: 10000 });
    await onWidget(page, (el) => el.pause());
    assert.ok(await page.locator(`${ex} .ex-cancel`).isVisible());
    await page.locator(`${ex} .ex-cancel`).click();
    assert.equal(await page.locator(`${ex} .ex-progress`).textContent(), 'Cancelled.');
    assert.ok(await page.locator(`${ex} .ex-run`).isVisible());
    assert.ok(await page.locator(`${ex} .ex-cancel`).isHidden());
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('explore() in the API: a clean report, bad options rejected with the reason, cancelExplore()', async () => {
  const page = await load('?servers=3&seed=1');
  try {
    const r = await onWidget(page, async (el) => {
      el.pause();
      await el.seek(800);
      const report = await el.explore({ depth: 6, crashes: 1 });
      const panel = el.shadowRoot.querySelector('.explore .ex-result').textContent;
      let bad = null;
      try {
        await el.explore({ depth: 6, bogus: 1 });
      } catch (e) {
        bad = e.message;
      }
      let tooDeep = null;
      try {
        await el.explore({ depth: 99 });
      } catch (e) {
        tooDeep = e.message;
      }
      const notObjects = [];
      for (const o of [5, 'depth=2', null, [4]]) {
        try {
          await el.explore(o);
          notObjects.push('accepted');
        } catch (e) {
          notObjects.push(e.message);
        }
      }
      const running = el.explore({ depth: 30, crashes: 2, requests: 2 });
      el.cancelExplore();
      let cancelled = null;
      try {
        await running;
      } catch (e) {
        cancelled = e.name;
      }
      return { violation: report.violation, depth: report.depth, states: report.states, goals: report.goals.map((g) => g.name), bad, tooDeep, notObjects, cancelled, panel };
    });
    assert.equal(r.violation, null);
    assert.equal(r.depth, 6);
    assert.ok(r.states > 100, `${r.states} states`);
    assert.deepEqual(r.goals, ['a leader elected', 'an entry committed', 'a client request answered']);
    assert.match(r.bad, /unknown option bogus/);
    assert.match(r.tooDeep, /depth must be a whole number 1–40/);
    assert.deepEqual(r.notObjects, ['5', '"depth=2"', 'null', '4'].map((g) => `explore(): expected an object of options such as {depth: 6}, got ${g}`));
    assert.equal(r.cancelled, 'AbortError');
    assert.match(r.panel, /No violation: every safety property holds in all [\d,]+ states, every path of 6 steps from here/);
  } finally {
    await page.close();
  }
});

test('a run the model cannot start from says why', async () => {
  const page = await load('?servers=11&seed=1');
  try {
    const why = await onWidget(page, async (el) => {
      el.pause();
      try {
        await el.explore({ depth: 4 });
        return null;
      } catch (e) {
        return e.message;
      }
    });
    assert.match(why, /11 servers: the model checker takes at most 9/);
    assert.match(await page.locator(`${W} .explore .ex-bad`).textContent(), /at most 9/);
  } finally {
    await page.close();
  }
});

test('hold the network by hand: nothing happens until you act; deliver a message now; release', async () => {
  const page = await load('?servers=3&seed=4');
  try {
    await onWidget(page, async (el) => {
      el.pause();
      await el.seek(1200);
    });
    await page.locator(`${W} [data-cmd=hold]`).click();
    await waitText(page, '[data-cmd=hold]', /Release the network/);
    assert.equal(await page.locator(`${W} [data-cmd=hold]`).getAttribute('aria-pressed'), 'true');
    await page.locator(`${W} .st-held`).waitFor({ state: 'visible', timeout: 5000 });
    const before = await onWidget(page, (el) => ({ events: el.view().stats.events, inFlight: el.view().messages.length }));
    await onWidget(page, (el) => el.runUntil(el.time + 3000));
    const after = await onWidget(page, (el) => ({ events: el.view().stats.events, inFlight: el.view().messages.length }));
    assert.deepEqual(after, before, 'three seconds held: no event, the messages wait');
    // A leader's heartbeat by hand, then one of its messages delivered now from the inspector.
    const leader = await onWidget(page, (el) => el.view().leader);
    await onWidget(page, (el, l) => el.act({ type: 'heartbeat', server: l }), leader);
    const m = await onWidget(page, (el, l) => el.view().messages.find((x) => x.from === l && !x.lost).id, leader);
    await page.locator(`${W} .inspector .insp-pick button`).last().click();
    await page.locator(`${W} .inspector [data-msg="${m}"]`).click();
    await page.locator(`${W} .inspector [data-do=deliver_message]`).click();
    const delivered = await onWidget(page, (el, id) => ({ gone: !el.view().messages.some((x) => x.id === id), events: el.view().stats.events }), m);
    assert.equal(delivered.gone, true);
    assert.equal(delivered.events, before.events, 'delivered by an action, not an event');
    await page.locator(`${W} .st-held [data-cmd=release]`).click();
    assert.equal(await onWidget(page, (el) => el.view().held), false);
    await waitText(page, '[data-cmd=hold]', /Hold the network/);
    await onWidget(page, (el) => el.runUntil(el.time + 500));
    assert.ok((await onWidget(page, (el) => el.view().stats.events)) > before.events, 'released: events again');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('with reads and retries the clients\' history is checked: a retry applied twice (no-dedup) is found and replays', async () => {
  const page = await load('?servers=3&seed=3&break=no-dedup');
  try {
    const r = await onWidget(page, async (el) => {
      el.pause();
      await el.seek(1000);
      const report = await el.explore({ depth: 8, requests: 1, reads: 1, retries: 1 });
      return { property: report.violation?.property, steps: report.violation?.steps.map((s) => s.text), link: report.violation?.permalink };
    });
    assert.equal(r.property, 'Linearizability');
    assert.ok(r.steps.some((t) => / again, to S/.test(t)), r.steps.join('\n'));
    assert.ok(r.steps.some((t) => /x\?/.test(t)), 'a read shows it');
    // Opened and played to its end, the simulator stops on the same property.
    const end = await onWidget(page, async (el, link) => {
      el.setAttribute('run', link);
      await new Promise((res) => setTimeout(res, 200));
      await el.step(20);
      return el.view().violations.map((v) => v.property);
    }, r.link);
    assert.deepEqual(end, ['Linearizability']);
  } finally {
    await page.close();
  }
});

test('axe-core finds no serious or critical problem with a counterexample loaded and the network held, light and dark; keyboard alone runs it', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { ROOT } = await import('../scripts/setup.mjs');
  for (const colorScheme of ['light', 'dark']) {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme });
    try {
      await page.goto(env.url + '?servers=3&seed=3&break=vote-twice');
      await page.waitForSelector('raft-playground[data-ready="1"]', { timeout: 15000 });
      await onWidget(page, async (el) => {
        el.pause();
        await el.seek(0);
      });
      // Keyboard alone: focus the button, Enter runs the search, Enter loads the result.
      await page.locator(`${W} .explore .ex-run`).focus();
      await page.keyboard.press('Enter');
      await page.locator(`${W} .explore .ex-load`).waitFor({ timeout: 60000 });
      await page.locator(`${W} .explore .ex-load`).focus();
      await page.keyboard.press('Enter');
      await page.locator(`${W} .st-held`).waitFor({ state: 'visible', timeout: 5000 });
      // Loading moves the focus to the first step: Enter goes there.
      await page.keyboard.press('Enter');
      await waitText(page, '.explore .ex-steps li.now', /S1's election timeout/);
      await page.addScriptTag({ content: readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8') });
      const bad = await page.evaluate(async () => {
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      assert.deepEqual(bad, [], colorScheme);
      await page.screenshot({ path: join(ROOT, 'tests', 'artifacts', `explore-${colorScheme}.png`) });
    } finally {
      await page.close();
    }
  }
});
