// `npm run bench`: simulator throughput, natively and in wasm (Node's V8), on the same workload.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildWasm, log, run, ROOT } from './setup.mjs';

const [servers, simMs, everyUs] = [5, 60000, 1000];
log('native (release)');
run('cargo', ['build', '--release', '-q', '-p', 'sim']);
const native = execFileSync(join(ROOT, 'target', 'release', 'raft-sim'), ['bench', servers, simMs, everyUs].map(String), { encoding: 'utf8' });
process.stdout.write(native);
const nativeRate = Number(native.match(/= (\d+) messages\/s/)[1]);

log('wasm (release build, in Node)');
buildWasm();
const { default: init, Playground } = await import(join(ROOT, 'www', 'pkg', 'raft_wasm.js'));
await init({ module_or_path: readFileSync(join(ROOT, 'www', 'pkg', 'raft_wasm_bg.wasm')) });
Playground.bench(servers, 2000, everyUs); // warm-up
const t = performance.now();
const delivered = Playground.bench(servers, simMs, everyUs);
const secs = (performance.now() - t) / 1000;
const wasmRate = delivered / secs;
console.log(`${servers} servers, ${simMs / 1000} s simulated, a write every ${everyUs} µs: ${delivered} messages delivered in ${secs.toFixed(3)} s wall = ${wasmRate.toFixed(0)} messages/s`);
console.log(`wasm / native = ${(wasmRate / nativeRate).toFixed(2)}`);
