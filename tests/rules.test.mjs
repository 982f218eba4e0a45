// Browser tests of "Break a rule": the catalogue in the page, the break= attribute and ?break=
// parameter, and each rule's "show me" scenario ending on the violation the catalogue names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, loadWidget, onWidget } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

const load = (query = '') => loadWidget(env.browser, env.url + query);

test('?break= breaks a rule from the start; an unknown rule is refused with a message', async () => {
  const page = await load('?break=no-dedup');
  try {
    assert.equal(await onWidget(page, (el) => el.view().config.break), 'no-dedup');
    assert.ok(await page.locator('raft-playground .rules input[value=no-dedup]').isChecked());
  } finally {
    await page.close();
  }
  const bad = await load('?break=vote-thrice');
  try {
    assert.equal(await onWidget(bad, (el) => el.view().config.break), 'none');
    assert.match(await bad.locator('raft-playground .notice').first().textContent(), /no rule vote-thrice/);
  } finally {
    await bad.close();
  }
});

test('every rule with a scenario: "show me" plays it and the checker names the property', async () => {
  const page = await load();
  try {
    const rules = await onWidget(page, (el) => el.playground.constructor.rules());
    const shown = rules.filter((r) => r.scenario);
    assert.ok(shown.length === rules.length, `${shown.length} rules have scenarios`);
    for (const r of shown) {
      await page.locator(`raft-playground .rules button[data-scenario=${r.scenario}]`).click();
      const v = await onWidget(page, (el) => {
        el.pause();
        el.playground.run_until(20000);
        return el.view();
      });
      assert.equal(v.config.break, r.id, `${r.scenario} breaks ${r.id}`);
      assert.ok(v.violations.length >= 1, `${r.scenario}: a violation`);
      assert.ok(r.caught_by.includes(v.violations[0].property), `${r.id}: ${v.violations[0].property} in ${r.caught_by}`);
      const li = page.locator(`raft-playground .safety li[data-prop="${v.violations[0].property}"]`);
      await page.waitForTimeout(60);
      assert.ok(await li.evaluate((e) => e.classList.contains('bad')), `${r.id}: the safety panel marks it`);
    }
  } finally {
    await page.close();
  }
});
