// The page's weight stays within its budget: each file the page loads (scripts/setup.mjs
// PAGE_FILES), gzip -9 as `npm run bench` measures it, against tests/weight-budget.json. Not a
// timing: the same sources and pinned tools build the same bytes. A file that grows past its
// budget fails here, so growth is a decision (raise the budget, say why in BENCHMARKS.md), not
// drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSize, PAGE_FILES, ROOT } from '../scripts/setup.mjs';
import { checkDist } from './harness.mjs';

const { budget } = JSON.parse(readFileSync(join(ROOT, 'tests', 'weight-budget.json'), 'utf8'));
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

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
