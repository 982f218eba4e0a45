// `npm run bench:browser`: the page's cost in headless Chromium — main-thread busy per second while
// playing at the default speed, script time per frame, and the view's cost with long logs; three
// runs of each and their median and range.
import { start, loadWidget } from '../tests/harness.mjs';
import { build, ensureChromium, ensureNodeModules, log } from './setup.mjs';

await build();
ensureNodeModules();
ensureChromium();
const env = await start();

/** Play for `secs` wall seconds and read Chrome's counters: busy ms per second, script ms per frame. */
async function playCost(page, secs) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  await page.evaluate(() => document.querySelector('raft-playground').play());
  await page.waitForTimeout(500);
  const [f0, s0] = await page.evaluate(() => {
    const el = document.querySelector('raft-playground');
    return [el.frames, [el.stageFrames, el.stageTime]];
  });
  const a = await metrics();
  await page.waitForTimeout(secs * 1000);
  const b = await metrics();
  const [f1, times, s1, renderer] = await page.evaluate(() => {
    const el = document.querySelector('raft-playground');
    return [el.frames, [...el.frameTimes], [el.stageFrames, el.stageTime], el.renderer];
  });
  // The frames drawn in the window: the newest is frameTimes[frames % 256].
  const last = Array.from({ length: Math.min(256, f1 - f0) }, (_, k) => times[(f1 - k) % 256]).sort((x, y) => x - y);
  const cpu = await frameCpu(cdp, page, 3);
  await page.evaluate(() => document.querySelector('raft-playground').pause());
  const wall = b.Timestamp - a.Timestamp;
  return {
    busy: ((b.TaskDuration - a.TaskDuration) / wall) * 1000,
    script: ((b.ScriptDuration - a.ScriptDuration) / wall) * 1000,
    perFrame: ((b.ScriptDuration - a.ScriptDuration) * 1000) / Math.max(1, f1 - f0),
    fps: (f1 - f0) / wall,
    p95: last.length ? last[Math.floor(last.length * 0.95)] : NaN,
    cpuP95: cpu.p95,
    // The stage's own frames and time (in its worker: on its own thread, not in `busy`).
    renderer,
    stageFps: (s1[0] - s0[0]) / wall,
    stageBusy: ((s1[1] - s0[1]) / wall),
  };
}

/** The page's frames over `secs` more seconds, from a trace: the p95 of their thread time on the
 * page's main thread (its CPU time, without the time the OS gave other threads meanwhile: on two
 * cores shared with the browser's raster, compositor and the stage's worker, a frame's wall time
 * is often twice its own). */
async function frameCpu(cdp, page, secs) {
  const events = [];
  const collect = (d) => events.push(...d.value);
  cdp.on('Tracing.dataCollected', collect);
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline'] }, transferMode: 'ReportEvents' });
  await page.waitForTimeout(secs * 1000);
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', collect);
  // The rAF callbacks on the page's main thread are its frames (loop.js draws only from them;
  // the stage's worker has animation frames of its own).
  const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain').map((e) => `${e.pid}/${e.tid}`));
  const frames = events.filter((e) => e.name === 'FireAnimationFrame' && e.ph === 'X' && mains.has(`${e.pid}/${e.tid}`));
  const t = frames.map((e) => (e.tdur ?? e.dur) / 1000).sort((a, b) => a - b);
  return { p95: t.length ? t[Math.floor(t.length * 0.95)] : NaN };
}

/** One line of a run's figures. */
const line = (c) =>
  `main thread busy ${c.busy.toFixed(0)} ms/s (script ${c.script.toFixed(0)} ms/s), ${c.fps.toFixed(0)} frames/s, script ${c.perFrame.toFixed(2)} ms per frame (Chrome's count), a frame's own script p95 ${c.p95.toFixed(2)} ms (its thread's CPU time p95 ${c.cpuP95.toFixed(2)} ms); the stage (${c.renderer}) ${c.stageFps.toFixed(0)} frames/s, ${c.stageBusy.toFixed(0)} ms/s reading and drawing them`;

/** The median and range of `key` over `runs`. */
const spread = (runs, key, digits = 0) => {
  const v = runs.map((r) => r[key]).sort((a, b) => a - b);
  return `${v[Math.floor(v.length / 2)].toFixed(digits)} (${v[0].toFixed(digits)}–${v[v.length - 1].toFixed(digits)})`;
};

// Three runs of each: on a shared machine one run's figures swing by a third.
const RUNS = 3;
const small = [];
const large = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run} of ${RUNS}: 5 servers, default speed (1/50×), playing`);
    let page = await loadWidget(env.browser, env.url + '?seed=1');
    small.push(await playCost(page, 5));
    console.log(line(small.at(-1)));
    await page.close();

    log(`run ${run} of ${RUNS}: 9 servers, 10,000-entry logs (compaction off), playing at 1/50×`);
    page = await loadWidget(env.browser, env.url + '?seed=1&servers=9&load=1000');
    const n = await page.evaluate(async () => {
      const el = document.querySelector('raft-playground');
      el.pause();
      await el.runUntil(10500);
      return el.view().servers[0].log_last;
    });
    const views = await page.evaluate(() => {
      const pg = document.querySelector('raft-playground').playground;
      const time = (f) => {
        const t = [];
        for (let k = 0; k < 60; k++) {
          const t0 = performance.now();
          f();
          t.push(performance.now() - t0);
        }
        t.sort((a, b) => a - b);
        return [t[30], t[Math.floor(60 * 0.95)]];
      };
      const last = pg.view().servers[0].log_last;
      return { windowed: time(() => pg.view(last - 45, 52)), whole: time(() => pg.view(1, 20000)) };
    });
    console.log(`log length ${n}: view() of the columns in sight median ${views.windowed[0].toFixed(2)} ms, p95 ${views.windowed[1].toFixed(2)} ms; of every entry median ${views.whole[0].toFixed(1)} ms`);
    large.push(await playCost(page, 5));
    console.log(line(large.at(-1)));
    await page.close();
  }
  console.log(`\nmedian (range) of ${RUNS} runs:`);
  console.log(`5 servers: main thread busy ${spread(small, 'busy')} ms/s, a frame's script p95 ${spread(small, 'p95', 2)} ms (CPU ${spread(small, 'cpuP95', 2)} ms); the stage's worker ${spread(small, 'stageBusy')} ms/s`);
  console.log(`9 servers, 10,000-entry logs: main thread busy ${spread(large, 'busy')} ms/s, a frame's script p95 ${spread(large, 'p95', 2)} ms (CPU ${spread(large, 'cpuP95', 2)} ms); the stage's worker ${spread(large, 'stageBusy')} ms/s`);
} finally {
  await env.close();
}
