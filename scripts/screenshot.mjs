// `node scripts/screenshot.mjs [query] [time_ms] [out.png]`: the README screenshot — the page with a
// scenario played to a given simulated time, paused, in headless chromium (desktop width).
import { start, openPage } from '../tests/harness.mjs';
import { join } from 'node:path';
import { ROOT } from './setup.mjs';

const [query = '?scenario=membership', time = '1130', out = join(ROOT, 'docs', 'screenshot.png')] = process.argv.slice(2);
const env = await start();
try {
  const page = await openPage(env.browser, env.url + query, { width: 1280, height: 800 });
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
