// Set-up shared by `npm start` and `npm test`: install whatever is missing on a fresh machine, then
// build. Every step checks first and skips what is already there.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = join(ROOT, '.tools');
export const CHROMIUM = '/usr/bin/chromium';

export function log(msg) {
  console.log(`\x1b[36m▸ ${msg}\x1b[0m`);
}

/** Run a command with inherited output; throw if it fails. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function output(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

export function ensureTarget(target) {
  if (!output('rustup', ['target', 'list', '--installed']).split('\n').includes(target)) {
    log(`adding Rust target ${target}`);
    run('rustup', ['target', 'add', target]);
  }
}

/** The wasm-bindgen version Cargo.lock pins: the CLI must match it exactly. */
function bindgenVersion() {
  if (!existsSync(join(ROOT, 'Cargo.lock'))) run('cargo', ['generate-lockfile']);
  const lock = readFileSync(join(ROOT, 'Cargo.lock'), 'utf8');
  const m = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error('wasm-bindgen is not in Cargo.lock');
  return m[1];
}

export function ensureBindgen() {
  const version = bindgenVersion();
  const bin = join(TOOLS, 'bin', 'wasm-bindgen');
  if (existsSync(bin) && output(bin, ['--version']).trim() === `wasm-bindgen ${version}`) return bin;
  log(`installing wasm-bindgen-cli ${version} into .tools/ (about 2 minutes, once)`);
  mkdirSync(TOOLS, { recursive: true });
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', `=${version}`, '--root', TOOLS]);
  return bin;
}

/** The wasm crates the page uses: Cargo package → the file stem wasm-bindgen writes into www/pkg
 * (`<stem>.js`, the glue, and `<stem>_bg.wasm`). A crate that is not a workspace member (yet) is
 * skipped, so adding one here is one line. */
export const WASM_CRATES = [
  { crate: 'raft-wasm', stem: 'raft_wasm', profile: 'wasm-release', level: '-Os' },
  { crate: 'raft-explore', stem: 'raft_explore', profile: 'wasm-explore', level: '-O3' },
];

/** wasm-opt's flags. The features are what rustc 1.95 emits for wasm32-unknown-unknown (its
 * target_features section lists them; `wasm-opt --print-features` on the raw module prints them);
 * all are in every browser since 2021. One-caller inlining is off: it inlines every function with a
 * single caller, which makes the module ~4% smaller raw but ~5% *larger* gzipped (the copies stop
 * looking alike). The page's module: -Os rather than -Oz: the same size gzipped (208.9 KB for
 * both; 214.0 KB before wasm-opt), and -Oz ran the simulator ~10% slower where -Os runs it ~5%
 * faster than no wasm-opt. The explorer's: -O3 (speed over size, like its cargo profile). The
 * level comes first, from WASM_CRATES. */
export const WASM_OPT_FLAGS = [
  '--one-caller-inline-max-function-size', '0',
  '--enable-mutable-globals', '--enable-nontrapping-float-to-int', '--enable-bulk-memory', '--enable-bulk-memory-opt',
  '--enable-sign-ext', '--enable-reference-types', '--enable-multivalue', '--enable-call-indirect-overlong',
  '--strip-debug', '--strip-producers', '--strip-target-features',
];

/** The workspace members' package names. */
function workspaceCrates() {
  const meta = JSON.parse(execFileSync('cargo', ['metadata', '--no-deps', '--format-version', '1'], { cwd: ROOT, encoding: 'utf8' }));
  return new Set(meta.packages.map((p) => p.name));
}

/** Build every crate in WASM_CRATES into www/pkg: cargo (its profile: the page's wasm-release,
 * opt-level s, or the explorer's wasm-explore, opt-level 3; both LTO), wasm-bindgen (into
 * target/wasm-bindgen, without the name section), then wasm-opt into www/pkg. wasm-opt (~12 s) is
 * skipped when its input and flags are the ones it last optimised. */
export function buildWasm() {
  ensureTarget('wasm32-unknown-unknown');
  ensureNodeModules();
  const bindgen = ensureBindgen();
  const members = workspaceCrates();
  const crates = WASM_CRATES.filter((c) => members.has(c.crate));
  for (const { crate, profile } of crates) {
    log(`building the wasm module ${crate} (profile ${profile})`);
    run('cargo', ['build', '--profile', profile, '--target', 'wasm32-unknown-unknown', '-p', crate]);
  }
  const raw = join(ROOT, 'target', 'wasm-bindgen');
  const pkg = join(ROOT, 'www', 'pkg');
  mkdirSync(pkg, { recursive: true });
  for (const { stem, profile, level } of crates) {
    run(bindgen, [
      '--target', 'web', '--no-typescript', '--remove-name-section', '--remove-producers-section', '--out-dir', raw,
      join(ROOT, 'target', 'wasm32-unknown-unknown', profile, `${stem}.wasm`),
    ]);
    copyFileSync(join(raw, `${stem}.js`), join(pkg, `${stem}.js`));
    const input = join(raw, `${stem}_bg.wasm`);
    const output = join(pkg, `${stem}_bg.wasm`);
    const stamp = join(raw, `${stem}_bg.wasm-opt`);
    const flags = [level, ...WASM_OPT_FLAGS];
    const key = createHash('sha256').update(readFileSync(input)).update(flags.join(' ')).digest('hex');
    if (existsSync(output) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) continue;
    log(`wasm-opt ${level} ${stem}_bg.wasm`);
    run(join(ROOT, 'node_modules', '.bin', 'wasm-opt'), [...flags, input, '-o', output]);
    writeFileSync(stamp, key);
  }
}

/** Where the build puts what ships: index.html and www/ as in the repository, but www/ holds one
 * minified bundle per entry point (the ES modules and the wasm-bindgen glue), the minified
 * style.css, the sample post and pkg/*.wasm. Deploy this directory; `npm start` and the browser
 * tests serve it. */
export const DIST = join(ROOT, 'dist');

/** What the page loads from dist/ before anything is asked of it (issue 13's page weight): the
 * page, the bundle, the stage's worker, the style sheet and the page's wasm module. The explorer's
 * worker and module load only when "Explore from here" runs. */
export const PAGE_FILES = ['index.html', 'www/embed.js', 'www/stage-worker.js', 'www/style.css', 'www/pkg/raft_wasm_bg.wasm'];

/** Bytes of `gzip -9 -n` of a file in dist/ (the page weight's measure). */
export function gzipSize(file) {
  return execFileSync('gzip', ['-9', '-n', '-c', join(DIST, file)], { maxBuffer: 1 << 26 }).length;
}

/** The www/ modules a page (or a worker) loads by name: each becomes one bundle in dist/www/ with
 * everything it imports. A module another one starts by URL — `new Worker(new URL('./x.js',
 * import.meta.url), { type: 'module' })` — is found by itself; one named any other way goes here. */
export const ENTRY_POINTS = ['embed.js'];

/** The hash esbuild puts in a chunk's name (`<module>-<hash>.js`, the panels' code in www/lazy.js),
 * as a regular expression's source. */
export const CHUNK_HASH = '[A-Z0-9]{8}';

/** ENTRY_POINTS and every www/*.js a www/ module names as `new URL('./x.js', import.meta.url)`. */
function entryPoints() {
  const www = join(ROOT, 'www');
  const entries = new Set(ENTRY_POINTS);
  for (const f of readdirSync(www).filter((f) => f.endsWith('.js'))) {
    for (const m of readFileSync(join(www, f), 'utf8').matchAll(/new URL\(\s*['"]\.\/([\w.-]+\.js)['"]\s*,\s*import\.meta\.url/g)) {
      if (existsSync(join(www, m[1]))) entries.add(m[1]);
    }
  }
  return [...entries];
}

/** Bundle and minify www/ into dist/ with esbuild (run buildWasm first: the bundle takes the glue
 * from www/pkg, and the optimised modules are copied from there). */
export async function buildSite() {
  ensureNodeModules();
  const esbuild = createRequire(import.meta.url)('esbuild');
  const www = join(ROOT, 'www');
  const out = join(DIST, 'www');
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(join(out, 'pkg'), { recursive: true });
  const entries = entryPoints();
  log(`bundling ${entries.join(', ')} and style.css into dist/ (esbuild, minified)`);
  const options = {
    outdir: out,
    bundle: true,
    format: 'esm',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    plugins: [{
      // The glue's fallback for init() without a path is `new URL('<stem>_bg.wasm', import.meta.url)`,
      // next to the glue; in the bundle import.meta.url is www/<entry>.js, so point it into pkg/.
      name: 'glue-wasm-path',
      setup(b) {
        b.onLoad({ filter: /[\\/]www[\\/]pkg[\\/][^\\/]+\.js$/ }, (a) => ({
          contents: readFileSync(a.path, 'utf8').replace(/new URL\((['"])([\w-]+_bg\.wasm)\1, import\.meta\.url\)/g, "new URL('./pkg/$2', import.meta.url)"),
          loader: 'js',
        }));
      },
    }],
  };
  // The page's bundles split: each `import('./x.js')` (the panels in www/lazy.js) becomes a chunk
  // of its own, next to them in www/ (its `new URL('./…', import.meta.url)`s resolve there too).
  // The workers' bundles do not: each is one file, with nothing shared to fetch first.
  const workers = entries.filter((e) => !ENTRY_POINTS.includes(e));
  await esbuild.build({ ...options, entryPoints: ENTRY_POINTS.map((e) => join(www, e)), splitting: true, chunkNames: '[name]-[hash]' });
  await esbuild.build({ ...options, entryPoints: workers.map((e) => join(www, e)) });
  await esbuild.build({ entryPoints: [join(www, 'style.css')], outdir: out, minify: true, logLevel: 'warning' });
  for (const f of readdirSync(join(www, 'pkg')).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(www, 'pkg', f), join(out, 'pkg', f));
  for (const f of readdirSync(www).filter((f) => f.endsWith('.html'))) copyFileSync(join(www, f), join(out, f));
  copyFileSync(join(ROOT, 'index.html'), join(DIST, 'index.html'));
  // Every file the bundles name by URL must be there.
  for (const e of readdirSync(out).filter((f) => f.endsWith('.js'))) {
    for (const m of readFileSync(join(out, e), 'utf8').matchAll(/new URL\((['"`])([^'"`]+)\1,\s*import\.meta\.url\)/g)) {
      if (!existsSync(join(out, m[2]))) throw new Error(`dist/www/${e} loads ${m[2]}, which the build did not produce`);
    }
  }
}

/** Everything that ships: the wasm modules, then the bundles (dist/). */
export async function build() {
  buildWasm();
  await buildSite();
}

export function ensureNodeModules() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const wanted = Object.keys(pkg.devDependencies ?? {});
  if (wanted.every((name) => existsSync(join(ROOT, 'node_modules', name, 'package.json')))) return;
  log('installing Node packages');
  run('npm', [existsSync(join(ROOT, 'package-lock.json')) ? 'ci' : 'install', '--no-audit', '--no-fund']);
}

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  log("installing Debian's chromium for the browser tests");
  run('apt-get', ['update']);
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
}
