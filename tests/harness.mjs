// Shared set-up for the browser tests: serve the built page (dist/, what ships: `npm run build`
// makes it) on loopback and drive Debian's chromium through playwright-core (never a downloaded
// browser).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { serve } from '../scripts/serve.mjs';
import { ROOT, CHROMIUM, DIST } from '../scripts/setup.mjs';

export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** Start the server and the browser. Returns {url, browser, close()}. */
export async function start() {
  const bundle = join(DIST, 'www', 'embed.js');
  if (!existsSync(bundle)) throw new Error('dist/ is missing: run `node scripts/build.mjs` (or `npm test`) first');
  const www = join(ROOT, 'www');
  const pkg = existsSync(join(www, 'pkg')) ? readdirSync(join(www, 'pkg')).filter((f) => f.endsWith('.wasm')).map((f) => `www/pkg/${f}`) : [];
  const stale = ['index.html', ...readdirSync(www).filter((f) => /\.(js|css|html)$/.test(f)).map((f) => `www/${f}`), ...pkg]
    .filter((f) => existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).mtimeMs > statSync(bundle).mtimeMs);
  if (stale.length) throw new Error(`dist/ is older than ${stale.join(', ')}: run \`node scripts/build.mjs\` first`);
  const { server, url } = await serve(18080);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
  return {
    url,
    browser,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** A new page that records console errors and uncaught exceptions into `page.errors`. */
export async function openPage(browser, url, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  page.errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(url);
  return page;
}

/** Open `url` and wait until its (first) widget is ready. */
export async function loadWidget(browser, url, viewport) {
  const page = await openPage(browser, url, viewport);
  await page.waitForSelector('raft-playground[data-ready="1"]', { timeout: 15000 });
  return page;
}

/** Run `fn(el, arg)` (it may be async) in the page with its first widget. Throws if the widget
 * has crashed (its view would be stale), unless `crashOk`. */
export async function onWidget(page, fn, arg, crashOk = false) {
  const [out, crash] = await page.evaluate(
    async ([src, a]) => {
      const el = document.querySelector('raft-playground');
      const out = await new Function('el', 'a', `return (${src})(el, a)`)(el, a);
      return [out, el.hasAttribute('data-crashed') ? el.shadowRoot.querySelector('.banner').textContent : null];
    },
    [fn.toString(), arg],
  );
  if (crash && !crashOk) throw new Error(`the widget crashed: ${crash}`);
  return out;
}
