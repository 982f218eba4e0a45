// `npm run check -- --depth 10 --crashes 1 --break vote-twice …`: the exhaustive model checker
// (crates/sim/src/check), built in release and run with the arguments given (see `raft-sim check`).
// Exits with its status: 0 clean, 1 a violation (with a shortest counterexample), 2 bad arguments.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { log, run, ROOT } from './setup.mjs';

log('building raft-sim (release)');
run('cargo', ['build', '--release', '-q', '-p', 'sim', '--bin', 'raft-sim']);
const r = spawnSync(join(ROOT, 'target', 'release', 'raft-sim'), ['check', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: ROOT,
});
if (r.error) throw r.error;
process.exit(r.status ?? 1);
