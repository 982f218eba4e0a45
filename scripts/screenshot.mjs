// `node scripts/screenshot.mjs [query] [time_ms] [out.png] [WIDTHxHEIGHT]`: the README screenshot —
// the built page (dist/) with a scenario played to a given simulated time, paused, in headless
// chromium (desktop width, 1280x800, unless given: 375x740 for a phone).
import { start, openPage } from '../tests/harness.mjs';
import { join } from 'node:path';
import { ROOT } from './setup.mjs';

const [query = '?scenario=membership', time = '1130', out = join(ROOT, 'docs', 'screenshot.png'), size = '1280x800'] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const env = await start();
try {
  const page = await openPage(env.browser, env.url + query, { width, height });
  await page.waitForSelector('raft-playground[data-ready="1"]');
  await page.evaluate((t) => {
    const el = document.querySelector('raft-playground');
    el.pause();
    el.playground.run_until(Number(t));
  }, time);
  await page.waitForTimeout(300);
  await page.evaluate(() => document.querySelector('raft-playground').play());
  await page.waitForTimeout(120);
  await page.evaluate(() => document.querySelector('raft-playground').pause());
  await page.waitForTimeout(100);
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);
} finally {
  await env.close();
}
