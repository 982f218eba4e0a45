// `npm run explore -- [--seeds N] [--servers N] [--workload light|heavy] [--break ID] [--seed S]`:
// the fault explorer (crates/sim/src/explore.rs) built in release mode and run on every core. It
// exits non-zero when a run breaks a property, after printing the shrunk scenario and a permalink.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { log, run, ROOT } from './setup.mjs';

log('building the explorer (release)');
run('cargo', ['build', '--release', '-q', '-p', 'sim', '--bin', 'raft-sim']);
const r = spawnSync(join(ROOT, 'target', 'release', 'raft-sim'), ['explore', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
