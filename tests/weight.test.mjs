// The page's weight stays within its budget: each file the page loads (scripts/setup.mjs
// PAGE_FILES), and each that loads only when asked for, gzip -9 as `npm run bench` measures it,
// against tests/weight-budget.json. Not a timing: the same sources and pinned tools build the
// same bytes. A file that grows past its budget fails here, so growth is a decision (raise the
// budget, say why in BENCHMARKS.md), not drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHUNK_HASH, DIST, gzipSize, PAGE_FILES, ROOT } from '../scripts/setup.mjs';
import { checkDist } from './harness.mjs';

const { budget, later } = JSON.parse(readFileSync(join(ROOT, 'tests', 'weight-budget.json'), 'utf8'));
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
/** A `later` name: `*` stands for esbuild's hash of a chunk. */
const pattern = (name) => new RegExp(`^${name.replace(/[.]/g, '\\.').replace('*', CHUNK_HASH)}$`);
/** Every script and module that ships (dist/www, dist/www/pkg), as paths under dist/. */
const shipped = () => ['www', 'www/pkg'].flatMap((d) => readdirSync(join(DIST, d)).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => `${d}/${f}`));

test('the budget names exactly the files the page loads', () => {
  assert.deepEqual(Object.keys(budget).sort(), [...PAGE_FILES].sort());
});

test('every file the page loads is within its gzipped budget', () => {
  checkDist();
  const over = PAGE_FILES.map((f) => [f, gzipSize(f), budget[f]]).filter(([, size, most]) => size > most);
  assert.deepEqual(
    over.map(([f, size, most]) => `dist/${f} is ${kb(size)} gzipped (${size} bytes), over its budget of ${kb(most)}`),
    [],
    'measure what grew (BENCHMARKS.md, "Page size") and raise its budget in tests/weight-budget.json only if it is worth it',
  );
});

test('every other script and module that ships has a budget, one file each, and is within it', () => {
  checkDist();
  const rest = shipped().filter((f) => !PAGE_FILES.includes(f));
  const unbudgeted = rest.filter((f) => !Object.keys(later).some((n) => pattern(n).test(f)));
  assert.deepEqual(unbudgeted, [], 'each file that ships needs a budget in tests/weight-budget.json ("later" if the page does not load it at first)');
  const problems = [];
  for (const [name, most] of Object.entries(later)) {
    const files = rest.filter((f) => pattern(name).test(f));
    if (files.length !== 1) problems.push(`${name} matches ${files.length} files (${files.join(', ')})`);
    for (const f of files) {
      const size = gzipSize(f);
      if (size > most) problems.push(`dist/${f} is ${kb(size)} gzipped (${size} bytes), over its budget of ${kb(most)}`);
    }
  }
  assert.deepEqual(problems, [], 'measure what grew (BENCHMARKS.md, "Page size") and raise its budget only if it is worth it');
});
