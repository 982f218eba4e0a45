// Same seed + same actions = the same run, natively and in wasm: every scenario script runs in the
// browser's wasm build and in the native command line, and both outputs (state traces and the
// digest of the whole event trace) must be identical.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start } from './harness.mjs';
import { ROOT } from '../scripts/setup.mjs';

let env;
let page;
before(async () => {
  env = await start();
  page = await env.browser.newPage();
  await page.goto(env.url + 'src/www/pkg/raft_wasm.js');
});
after(async () => env?.close());

const dir = join(ROOT, 'tests', 'scenarios');
const scripts = readdirSync(dir).filter((f) => f.endsWith('.script')).sort();

test('there are scenario scripts to compare', () => {
  assert.ok(scripts.length >= 5);
});

for (const name of scripts) {
  test(`${name}: wasm and native runs are identical`, async () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const native = execFileSync('cargo', ['run', '-q', '-p', 'sim', '--bin', 'raft-sim', '--', 'run', join(dir, name)], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const wasm = await page.evaluate(async (script) => {
      const mod = await import('/src/www/pkg/raft_wasm.js');
      await mod.default();
      return mod.Playground.run_script(script);
    }, text);
    assert.ok(native.length > 0);
    assert.equal(wasm, native);
  });
}

test('a seeded run driven through the Playground API matches its replay', async () => {
  const [a, b] = await page.evaluate(async () => {
    const { default: init, Playground } = await import('/src/www/pkg/raft_wasm.js');
    await init();
    const run = (chunks) => {
      const p = new Playground({ seed: '12345', drop: 10, duplicate: 5 });
      let k = 0;
      const until = (t) => {
        while (p.time_ms() < t) p.run_until(Math.min(t, p.time_ms() + chunks[k++ % chunks.length]));
      };
      until(600);
      p.act({ type: 'request', server: p.view().leader ?? 1, command: 'x <- 1' });
      until(900);
      p.act({ type: 'crash', server: 2 });
      p.act({ type: 'partition', groups: [[1, 3]] });
      until(1500);
      p.act({ type: 'heal' });
      until(2500);
      return p.digest();
    };
    return [run([16.7]), run([3, 50, 0.5])];
  });
  assert.match(a, /^[0-9a-f]{16}$/);
  assert.equal(a, b, 'the run does not depend on how time is chunked into frames');
});
