// Set-up shared by `npm start` and `npm test`: install whatever is missing on a fresh machine, then
// build. Every step checks first and skips what is already there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
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

export function buildWasm() {
  ensureTarget('wasm32-unknown-unknown');
  const bindgen = ensureBindgen();
  // The page's module, and the model checker's (loaded only by the "Explore from here" worker).
  for (const [crate, stem] of [['raft-wasm', 'raft_wasm'], ['raft-explore', 'raft_explore']]) {
    log(`building the wasm module ${crate} (wasm-release profile: opt-level s, LTO, no name section)`);
    run('cargo', ['build', '--profile', 'wasm-release', '--target', 'wasm32-unknown-unknown', '-p', crate]);
    run(bindgen, [
      '--target', 'web', '--no-typescript', '--remove-name-section', '--remove-producers-section', '--out-dir', join(ROOT, 'www', 'pkg'),
      join(ROOT, 'target', 'wasm32-unknown-unknown', 'wasm-release', `${stem}.wasm`),
    ]);
  }
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
