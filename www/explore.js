// "Explore from here": the model checker (the engine behind `raft-sim check`) run from the moment
// shown, in a Web Worker so the page stays responsive, with live progress and cancel. A
// counterexample comes back carried into the run (the network held, then one recorded action per
// step); "Step through it" opens that run at its start, and each step in the list seeks to it.

const DEPTHS = [4, 5, 6, 7, 8, 10, 12, 14, 16, 20];
/** The depth offered by cluster size, until the user picks one: each server more multiplies the
 * states per level (3 servers reach depth 8 in ~2 M states, 5 servers depth 6 in ~0.5 M). */
const DEFAULT_DEPTH = (servers) => (servers <= 3 ? 8 : servers === 4 ? 7 : servers === 5 ? 6 : 5);
const BUDGETS = { crashes: [0, 1, 2], requests: [0, 1, 2], reads: [0, 1, 2], retries: [0, 1], duplicates: [0, 1] };
/** The search's tables may use this much of the worker's memory. */
const MAX_MB = 512;
const WORKER = new URL('./explore-worker.js', import.meta.url);

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const num = (n) => Math.round(n).toLocaleString('en-US');
const plural = (n, one, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;

/** Check and complete explore() options (the element's API takes them from blog authors). */
export function exploreOptions(o = {}) {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new Error(`explore(): expected an object of options such as {depth: 6}, got ${typeof o === 'string' ? JSON.stringify(o) : String(o)}`);
  }
  const known = ['depth', 'crashes', 'requests', 'reads', 'retries', 'duplicates', 'symmetry'];
  const bad = Object.keys(o).filter((k) => !known.includes(k));
  if (bad.length) throw new Error(`explore(): unknown option ${bad.join(', ')} (options: ${known.join(', ')})`);
  const whole = (k, lo, hi, dflt) => {
    const v = o[k] ?? dflt;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`explore(): ${k} must be a whole number ${lo}–${hi}, got ${o[k]}`);
    return v;
  };
  if (o.symmetry != null && typeof o.symmetry !== 'boolean') throw new Error(`explore(): symmetry must be true or false, got ${o.symmetry}`);
  return {
    depth: whole('depth', 1, 40, 8),
    crashes: whole('crashes', 0, 3, 0),
    requests: whole('requests', 0, 3, 0),
    reads: whole('reads', 0, 3, 0),
    retries: whole('retries', 0, 3, 0),
    duplicates: whole('duplicates', 0, 3, 0),
    symmetry: o.symmetry ?? false,
  };
}

/** `permalink()` → the run's link at the moment shown; `open(link)` opens a counterexample's run;
 * `seek(at)` moves to one of its steps; `moduleWorker` is workers.js's (handed in: www/lazy.js
 * loads this module as a chunk that imports nothing). Returns {run, cancel, running, update, forget}. */
export function createExplorer(section, { permalink, open, seek, moduleWorker }) {
  const select = (cls, values, dflt) =>
    `<select class="${cls}">${values.map((v) => `<option value="${v}"${v === dflt ? ' selected' : ''}>${v}</option>`).join('')}</select>`;
  section.innerHTML = `<h3>Explore from here <small>every interleaving</small></h3>
    <p class="ex-what">From the moment shown, the model checker tries every order of what can happen next —
    each message in flight delivered, lost or duplicated, every election and heartbeat timeout, and
    crashes, restarts and client requests within the budgets — and checks every safety property in
    every state. Breadth-first: a violation it finds is a shortest one.</p>
    <div class="ex-opts">
      <label>steps ${select('ex-depth', DEPTHS, 8)}</label>
      <label>crashes ${select('ex-crashes', BUDGETS.crashes, 0)}</label>
      <label>requests ${select('ex-requests', BUDGETS.requests, 0)}</label>
      <label title="Client reads x? (with reads or retries the clients' history is checked for linearizability at every answer)">reads ${select('ex-reads', BUDGETS.reads, 0)}</label>
      <label title="A client sends an unanswered request again, as one that timed out does">retries ${select('ex-retries', BUDGETS.retries, 0)}</label>
      <label>duplicates ${select('ex-duplicates', BUDGETS.duplicates, 0)}</label>
      <label title="Count states that differ only in the servers' numbering once (fewer states, the same verdicts)"><input type="checkbox" class="ex-symmetry"> symmetry</label>
    </div>
    <div class="row"><button class="ex-run" type="button">Explore from here</button><button class="ex-cancel" type="button" hidden>Cancel</button></div>
    <p class="ex-progress" aria-live="polite"></p>
    <div class="ex-result"></div>`;
  const $ = (s) => section.querySelector(s);
  const ui = { run: $('.ex-run'), cancel: $('.ex-cancel'), progress: $('.ex-progress'), result: $('.ex-result'), depth: $('.ex-depth') };
  let depthPicked = false;
  ui.depth.addEventListener('change', () => (depthPicked = true));
  let job = null; // {worker, reject}
  let found = null; // the last report's counterexample
  let loaded = null; // its permalink, once opened in the timeline

  const stop = () => {
    if (!job) return;
    job.worker.terminate();
    job.reject(Object.assign(new Error('exploration cancelled'), { name: 'AbortError' }));
    job = null;
  };

  /** Explore from the moment shown; resolves with the report (see crates/explore-wasm). */
  function run(options) {
    const o = exploreOptions(options);
    stop();
    const link = permalink();
    found = null;
    loaded = null;
    ui.result.textContent = '';
    ui.run.hidden = true;
    ui.cancel.hidden = false;
    ui.progress.textContent = 'Starting the model checker…';
    const done = () => {
      ui.run.hidden = false;
      ui.cancel.hidden = true;
    };
    const p = new Promise((resolve, reject) => {
      const worker = moduleWorker(WORKER);
      job = { worker, reject };
      worker.onmessage = ({ data: m }) => {
        if (m.type === 'progress') {
          const rate = m.states / Math.max(m.ms / 1000, 1e-3);
          ui.progress.textContent = `depth ${m.depth} · ${plural(m.states, 'state')} · ${num(rate)} states/s · ${(m.bytes / 1e6).toFixed(1)} MB`;
          return;
        }
        worker.terminate();
        job = null;
        if (m.type === 'done') {
          m.report.seconds = m.ms / 1000;
          resolve(m.report);
        } else reject(new Error(m.message));
      };
      worker.onerror = (e) => {
        worker.terminate();
        job = null;
        reject(new Error(`the model checker's worker failed: ${e.message || 'it could not load'}`));
      };
      worker.postMessage({ link, ...o, maxMb: MAX_MB });
    });
    p.then(
      (r) => {
        done();
        show(r);
      },
      (e) => {
        done();
        ui.progress.textContent = e.name === 'AbortError' ? 'Cancelled.' : '';
        if (e.name !== 'AbortError') ui.result.innerHTML = `<p class="ex-bad" role="alert">${esc(e.message)}</p>`;
      },
    );
    return p;
  }

  function show(r) {
    const rate = r.states / Math.max(r.seconds, 1e-3);
    ui.progress.textContent = `${plural(r.states, 'state')} in ${r.seconds.toFixed(1)} s (${num(rate)} states/s), ${(r.bytes / 1e6).toFixed(1)} MB`;
    const goals = r.goals.map((g) => (g.depth != null ? `${g.name} in ${plural(g.depth, 'step')}` : `${g.name}: not within ${r.depth}`)).join(' · ');
    const v = r.violation;
    if (!v) {
      const reach = r.exhausted
        ? `every state reachable from here (${r.depth} steps deep)`
        : r.out_of_memory
          ? `to depth ${r.depth}, then the memory budget (${MAX_MB} MB) ran out`
          : `every path of ${plural(r.depth, 'step')} from here`;
      ui.result.innerHTML = `<p class="ex-ok">No violation: every safety property holds in all ${plural(r.states, 'state')}, ${esc(reach)}.</p><p class="ex-goals">Reachable: ${esc(goals)}</p>`;
      return;
    }
    found = v;
    ui.result.innerHTML = `<p class="ex-bad"><b>${esc(v.property)}</b> breaks in ${plural(v.steps.length, 'step')}: ${esc(v.detail)}</p>
      <button class="ex-load" type="button">Step through it in the timeline</button>
      <ol class="ex-steps">${v.steps.map((s, k) => `<li><button type="button" data-k="${k}" disabled>${esc(s.text)}</button></li>`).join('')}</ol>
      <p class="ex-note">Loading it holds the network at this moment and records each step as an action (deliver-message, timeout, …): step with ▸, or pick a step.</p>`;
  }

  ui.run.onclick = () => {
    const o = {
      depth: Number($('.ex-depth').value),
      crashes: Number($('.ex-crashes').value),
      requests: Number($('.ex-requests').value),
      reads: Number($('.ex-reads').value),
      retries: Number($('.ex-retries').value),
      duplicates: Number($('.ex-duplicates').value),
      symmetry: $('.ex-symmetry').checked,
    };
    run(o).catch(() => {}); // shown in the panel
  };
  ui.cancel.onclick = stop;
  ui.result.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b || !found) return;
    if (b.classList.contains('ex-load')) {
      if (!open(found.permalink)) return;
      loaded = found.permalink;
      for (const s of ui.result.querySelectorAll('.ex-steps button')) s.disabled = false;
      b.disabled = true;
      b.textContent = 'Loaded: step with ▸ or pick a step';
      ui.result.querySelector('.ex-steps button')?.focus();
    } else if (b.dataset.k != null && loaded) seek(found.steps[Number(b.dataset.k)].at);
  });

  return {
    run,
    cancel: stop,
    get running() {
      return job != null;
    },
    /** Mark the steps already taken (position: the run's events and actions carried out), and
     * offer a depth that suits the cluster's size. */
    update(applied, servers) {
      if (!depthPicked && servers) {
        const d = String(DEFAULT_DEPTH(servers));
        if (ui.depth.value !== d) ui.depth.value = d;
      }
      if (!found || !loaded) return;
      const done = found.steps.filter((s) => s.at.applied <= applied).length;
      ui.result.querySelectorAll('.ex-steps li').forEach((li, k) => {
        li.classList.toggle('done', k < done);
        li.classList.toggle('now', k === done - 1);
      });
    },
    /** A different run was opened: the loaded counterexample is no longer the one shown. */
    forget() {
      if (!loaded) return;
      loaded = null;
      for (const s of ui.result.querySelectorAll('.ex-steps button')) s.disabled = true;
      const b = ui.result.querySelector('.ex-load');
      if (b) {
        b.disabled = false;
        b.textContent = 'Step through it in the timeline';
      }
    },
  };
}
