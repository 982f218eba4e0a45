// Shared set-up for the browser tests: serve the built page (dist/, what ships: `npm run build`
// makes it) on loopback and drive Debian's chromium through playwright-core (never a downloaded
// browser).
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { serve } from '../scripts/serve.mjs';
import { ROOT, CHROMIUM, DIST } from '../scripts/setup.mjs';

export const ARTIFACTS = join(ROOT, 'tests', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** Throw unless dist/ is built and newer than the sources it is built from. */
export function checkDist() {
  const bundle = join(DIST, 'www', 'embed.js');
  if (!existsSync(bundle)) throw new Error('dist/ is missing: run `node scripts/build.mjs` (or `npm test`) first');
  const www = join(ROOT, 'www');
  const pkg = existsSync(join(www, 'pkg')) ? readdirSync(join(www, 'pkg')).filter((f) => f.endsWith('.wasm')).map((f) => `www/pkg/${f}`) : [];
  const stale = ['index.html', ...readdirSync(www).filter((f) => /\.(js|css|html)$/.test(f)).map((f) => `www/${f}`), ...pkg]
    .filter((f) => existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).mtimeMs > statSync(bundle).mtimeMs);
  if (stale.length) throw new Error(`dist/ is older than ${stale.join(', ')}: run \`node scripts/build.mjs\` first`);
}

/** Start the server and the browser. Returns {url, browser, close()}. */
export async function start() {
  checkDist();
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

/** The pixels of a screenshot (a PNG Chromium wrote: 8-bit RGB or RGBA, not interlaced) as
 * {width, height, at(x, y) → [r, g, b]}. */
export function decodePng(buf) {
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('only 8-bit, non-interlaced PNGs');
      channels = { 2: 3, 6: 4 }[data[9]];
      if (!channels) throw new Error(`PNG colour type ${data[9]} is not RGB or RGBA`);
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = px.subarray(y * stride, (y + 1) * stride);
    const up = y ? px.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0;
      const b = up[i];
      const c = i >= channels ? up[i - channels] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      row[i] = (src[i] + pred) & 255;
    }
  }
  return { width, height, at: (x, y) => [...px.subarray((y * width + x) * channels, (y * width + x) * channels + 3)] };
}
