// `npm test`: every Rust test, the no_std build check, then the browser tests in headless chromium.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureChromium, ensureNodeModules, ensureTarget, log, run, ROOT } from './setup.mjs';

const browserOnly = process.argv.includes('--browser-only');
if (!browserOnly) {
  log('Rust tests (core, simulator, bindings)');
  run('cargo', ['test', '--workspace']);
  log('no_std check: the core builds for a bare-metal target');
  ensureTarget('thumbv7em-none-eabihf');
  run('cargo', ['build', '-p', 'raft', '--target', 'thumbv7em-none-eabihf']);
}
await build();
ensureNodeModules();
ensureChromium();
log('browser tests');
const files = readdirSync(join(ROOT, 'tests')).filter((f) => f.endsWith('.test.mjs')).map((f) => join('tests', f));
run(process.execPath, ['--test', '--test-concurrency=1', ...files]);
