// The "Explore from here" worker: runs the model checker (crates/explore-wasm, the engine behind
// `raft-sim check`) off the page's thread, posting progress after every round. The page cancels
// by terminating the worker. Messages in: {link, depth, crashes, requests, duplicates, reads,
// retries, symmetry, maxMb}. Out: {type: 'progress', depth, states, bytes, ms} …, then {type: 'done', report, ms} or
// {type: 'error', message}.
import init, { explore, last_panic } from './pkg/raft_explore.js';

self.onmessage = async ({ data: o }) => {
  const t0 = performance.now();
  try {
    await init();
    const report = explore(o.link, o.depth, o.crashes, o.requests, o.duplicates, o.reads, o.retries, o.symmetry, o.maxMb, (depth, states, bytes) => {
      self.postMessage({ type: 'progress', depth, states, bytes, ms: performance.now() - t0 });
    });
    self.postMessage({ type: 'done', report, ms: performance.now() - t0 });
  } catch (e) {
    let panic = null;
    try {
      panic = last_panic();
    } catch {
      /* the module is gone */
    }
    self.postMessage({ type: 'error', message: panic ? `the model checker crashed: ${panic}` : String(e?.message ?? e) });
  }
};
