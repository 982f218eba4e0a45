// Browser tests of the sequence diagram panel: closed it costs nothing; open it draws the run's
// last stretch (a lane per server, an arrow per message, the crash), follows seeks, and exports
// the same SVG as a file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, loadWidget, onWidget } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => env?.close());

test('the sequence diagram draws the run, follows the time shown and exports as SVG', async () => {
  const page = await loadWidget(env.browser, env.url + '?scenario=break_vote_twice');
  try {
    const box = page.locator('raft-playground .sequence .seq-svg');
    assert.equal(await box.innerHTML(), '', 'closed: nothing drawn');
    await onWidget(page, (el) => {
      el.pause();
      el.playground.run_until(1100);
    });
    await page.locator('raft-playground .sequence summary').click();
    await page.locator('raft-playground .sequence select').selectOption('0'); // the whole run
    await page.waitForFunction(() => document.querySelector('raft-playground').shadowRoot.querySelector('.seq-svg svg'));
    const drawn = await onWidget(page, (el) => {
      const svg = el.shadowRoot.querySelector('.seq-svg svg');
      const v = el.view();
      return {
        lanes: [...svg.querySelectorAll('text')].filter((t) => /^S\d$/.test(t.textContent)).map((t) => t.textContent),
        arrows: [...svg.querySelectorAll('line[stroke-width]')].length,
        titles: [...svg.querySelectorAll('line title')].map((t) => t.textContent),
        crashed: [...svg.querySelectorAll('rect title')].some((t) => /S1 crashed/.test(t.textContent)),
        delivered: v.stats.delivered + v.stats.lost,
      };
    });
    assert.deepEqual(drawn.lanes, ['S1', 'S2', 'S3']);
    assert.equal(drawn.arrows, drawn.delivered, 'an arrow per message that arrived (or was lost)');
    assert.ok(drawn.titles.some((t) => /RequestVote/.test(t)), 'each arrow says what it carried');
    assert.ok(drawn.crashed, 'the crash of S1 is drawn');
    // Seeking back redraws for the moment shown.
    await onWidget(page, (el) => el.seek(500));
    await page.waitForTimeout(150);
    const early = await onWidget(page, (el) => el.shadowRoot.querySelectorAll('.seq-svg line[stroke-width]').length);
    assert.ok(early < drawn.arrows, `${early} arrows by 500 ms, ${drawn.arrows} by 1100 ms`);
    // Export: the same SVG as a file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('raft-playground .seq-export').click()]);
    assert.equal(download.suggestedFilename(), 'raft-sequence.svg');
    const path = await download.path();
    const text = (await import('node:fs')).readFileSync(path, 'utf8');
    assert.ok(text.startsWith('<svg') && text.endsWith('</svg>'));
    assert.equal(text, await onWidget(page, (el) => el.playground.diagram(0)), 'the file is the diagram shown');
    assert.deepEqual(page.errors ?? [], []);
  } finally {
    await page.close();
  }
});
