// The DOM around the canvas: toolbar, status line, server menu, side panels and the log table.
// Each `update*` function only touches the DOM when what it shows has changed.
import { termColor } from './render.js';

export const PROPERTIES = ['Election Safety', 'Leader Append-Only', 'Log Matching', 'Leader Completeness', 'State Machine Safety'];

const TEMPLATE = `
<div class="root" part="root">
  <div class="banner" role="alert" hidden></div>
  <div class="toolbar">
    <button class="primary" data-cmd="play" title="Play / pause (space)">▶ Play</button>
    <button data-cmd="step" title="Process the next event (→)">Step ▸</button>
    <label class="speed" title="Simulated time per wall-clock time">Speed
      <input type="range" min="0" max="1000" step="1" aria-label="speed"><output></output></label>
    <span class="group">
      <button data-cmd="reset" title="Start again with the same seed">Reset</button>
      <button data-cmd="newseed" title="Start again with a fresh random seed">New seed</button>
      <label>Servers <select data-cmd="servers"></select></label>
    </span>
  </div>
  <div class="status" aria-live="off">
    <span class="st-time"></span>
    <span class="st-next"></span>
    <span class="st-term"></span>
    <span class="st-leader"></span>
    <span class="st-seed">seed <code></code> <button class="linkish" data-cmd="copy">copy link</button></span>
    <span class="st-msgs"></span>
  </div>
  <div class="notices" role="status"></div>
  <div class="main">
    <div class="left">
      <div class="stage">
        <canvas></canvas>
        <div class="toasts" role="status"></div>
        <div class="menu" role="menu" hidden>
          <div class="menu-title"></div>
          <button role="menuitem" data-action="crash">Crash</button>
          <button role="menuitem" data-action="restart">Restart</button>
          <button role="menuitem" data-action="timeout">Time out</button>
          <button role="menuitem" data-action="isolate">Isolate</button>
          <div class="req">
            <input class="cmd" spellcheck="false" aria-label="client command">
            <button role="menuitem" data-action="request">Request</button>
          </div>
          <div class="menu-err" role="alert"></div>
        </div>
      </div>
      <div class="legend">
        <span><i class="sv follower"></i>follower</span><span><i class="sv precandidate"></i>pre-candidate</span>
        <span><i class="sv candidate"></i>candidate</span><span><i class="sv leader"></i>leader</span>
        <span><i class="sv crashed"></i>crashed</span><span><i class="arc"></i>election timer</span>
        <span><i class="k rv"></i>RequestVote</span><span><i class="k ok"></i><i class="k no"></i>vote granted / denied</span>
        <span><i class="k pv"></i>PreVote</span><span><i class="k ae">2</i>AppendEntries</span><span><i class="k hb"></i>heartbeat</span>
        <span><i class="k aok"></i><i class="k ano"></i>append ok / rejected</span><span><i class="k lost"></i>lost</span>
        <span class="tip">Tip: click a server for its menu, a link to cut or repair it.</span>
      </div>
      <div class="logs">
        <h3>Logs <small>solid = committed · dashed = not committed · <b class="ci-key"></b> commit index · <b class="mk m">m</b> <b class="mk n">n</b> leader's matchIndex / nextIndex</small></h3>
        <div class="logscroll"><table></table></div>
      </div>
    </div>
    <aside class="side">
      <section class="safety">
        <h3>Safety properties</h3>
        <ul></ul>
        <div class="violations" role="alert"></div>
      </section>
      <section class="clients">
        <h3>Client requests</h3>
        <ol reversed></ol>
        <p class="empty">None yet: click a server and send a request.</p>
      </section>
      <section class="net">
        <h3>Network</h3>
        <div class="row">
          <button data-cmd="heal" title="Remove every partition and cut link">Heal network</button>
        </div>
        <form class="row part">
          <input class="partition" placeholder="1,2 | 3,4,5" aria-label="partition groups" spellcheck="false">
          <button type="submit">Partition</button>
        </form>
        <div class="part-err" role="alert"></div>
        <details>
          <summary>Settings</summary>
          <div class="grid">
            <label>Latency min <span><input type="number" data-net="latency_min_ms" min="0.1" step="1"> <i class="unit">ms</i></span></label>
            <label>Latency max <span><input type="number" data-net="latency_max_ms" min="0.1" step="1"> <i class="unit">ms</i></span></label>
            <label>Drop <span><input type="number" data-net="drop" min="0" max="100" step="1"> <i class="unit">%</i></span></label>
            <label>Duplicate <span><input type="number" data-net="duplicate" min="0" max="100" step="1"> <i class="unit">%</i></span></label>
            <label>Reorder <span><input type="number" data-net="reorder" min="0" max="100" step="1"> <i class="unit">%</i></span></label>
            <label class="check"><input type="checkbox" data-opt="conflict_hint"> conflict hint (§5.3)</label>
            <label class="check"><input type="checkbox" data-opt="pre_vote"> PreVote (§9.6; restarts the run)</label>
          </div>
        </details>
      </section>
    </aside>
  </div>
</div>`;

/** Build the widget's DOM in `root` (a shadow root); returns handles to the parts. */
export function buildDom(root) {
  const t = document.createElement('template');
  t.innerHTML = TEMPLATE;
  root.appendChild(t.content.cloneNode(true));
  const $ = (s) => root.querySelector(s);
  const ui = {
    root: $('.root'),
    banner: $('.banner'),
    play: $('[data-cmd=play]'),
    step: $('[data-cmd=step]'),
    speed: $('.speed input'),
    speedOut: $('.speed output'),
    servers: $('[data-cmd=servers]'),
    time: $('.st-time'),
    next: $('.st-next'),
    term: $('.st-term'),
    leader: $('.st-leader'),
    seed: $('.st-seed code'),
    msgs: $('.st-msgs'),
    notices: $('.notices'),
    toasts: $('.toasts'),
    stage: $('.stage'),
    canvas: $('canvas'),
    menu: $('.menu'),
    menuTitle: $('.menu-title'),
    menuErr: $('.menu-err'),
    cmd: $('.menu .cmd'),
    safety: $('.safety ul'),
    violations: $('.violations'),
    clients: $('.clients ol'),
    clientsEmpty: $('.clients .empty'),
    partForm: $('form.part'),
    partition: $('.partition'),
    partErr: $('.part-err'),
    net: [...root.querySelectorAll('[data-net]')],
    hint: $('[data-opt=conflict_hint]'),
    preVote: $('[data-opt=pre_vote]'),
    table: $('.logs table'),
    logscroll: $('.logscroll'),
    keys: {},
  };
  ui.safety.innerHTML = PROPERTIES.map((p) => `<li data-prop="${p}"><span class="tick">✓</span> ${p}</li>`).join('');
  return ui;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Run `fn` only when `key` differs from the last call with the same `slot`. */
function changed(ui, slot, key) {
  if (ui.keys[slot] === key) return false;
  ui.keys[slot] = key;
  return true;
}

/** Simulated time for people: ms with more digits when paused (single steps are µs apart). */
export function fmtMs(t, precise = false) {
  if (precise) return `${t.toFixed(3)} ms`;
  return t >= 10000 ? `${(t / 1000).toFixed(2)} s` : `${t.toFixed(1)} ms`;
}

export function fmtSpeed(x) {
  if (x >= 0.995) return '1×';
  const d = 1 / x;
  return d < 10 ? `1/${d.toFixed(1).replace(/\.0$/, '')}×` : `1/${Math.round(d)}×`;
}

export function updateStatus(ui, v, playing, next) {
  setText(ui.time, `t = ${fmtMs(v.time_ms, !playing)}`);
  setText(ui.next, !playing && next != null ? `next event at ${fmtMs(next, true)}` : '');
  setText(ui.term, `term ${v.term}`);
  setText(ui.leader, v.leader != null ? `leader S${v.leader}` : 'no leader');
  ui.leader.classList.toggle('none', v.leader == null);
  setText(ui.seed, v.seed);
  setText(ui.msgs, `${v.stats.delivered} delivered · ${v.stats.lost} lost · ${v.messages.length} in flight`);
  const label = playing ? '❚❚ Pause' : '▶ Play';
  setText(ui.play, label);
  ui.play.setAttribute('aria-pressed', String(playing));
}

export function updateSafety(ui, v) {
  const key = v.violations.map((x) => x.text).join('\n');
  if (!changed(ui, 'safety', key)) return;
  const bad = new Set(v.violations.map((x) => x.property));
  for (const li of ui.safety.children) {
    const b = bad.has(li.dataset.prop);
    li.classList.toggle('bad', b);
    li.querySelector('.tick').textContent = b ? '✗' : '✓';
  }
  ui.violations.replaceChildren(
    ...v.violations.map((x) => {
      const p = document.createElement('p');
      p.textContent = `${x.property} violated at ${fmtMs(x.time_ms)}: ${x.text}`;
      return p;
    }),
  );
}

export function updateClients(ui, v) {
  const key = v.clients.map((c) => `${c.seq}${c.outcome}`).join();
  if (!changed(ui, 'clients', key)) return;
  ui.clientsEmpty.hidden = v.clients.length > 0;
  const items = v.clients
    .slice()
    .reverse()
    .map((c) => {
      const li = document.createElement('li');
      li.className = c.outcome;
      li.value = c.seq;
      let out;
      if (c.outcome === 'ok') out = `ok · index ${c.index}${c.value != null ? ` · value ${c.value}` : ''}`;
      else if (c.outcome === 'redirect') out = c.leader != null ? `redirect → S${c.leader}` : 'redirect: no leader known';
      else out = 'pending…';
      li.innerHTML = `<code></code> <span class="to"></span> <span class="out"></span>`;
      li.children[0].textContent = c.command;
      li.children[1].textContent = `→ S${c.server}`;
      li.children[2].textContent = out;
      li.title = `sent at ${fmtMs(c.sent_ms)}${c.answered_ms != null ? `, answered at ${fmtMs(c.answered_ms)}` : ''}`;
      return li;
    });
  ui.clients.replaceChildren(...items);
}

/** Put the network settings into the inputs, unless the user is editing them. */
export function updateNet(ui, v, active) {
  const c = v.config;
  if (!changed(ui, 'net', JSON.stringify(c))) return;
  for (const input of ui.net) {
    if (input === active) {
      ui.keys.net = null; // try again once it is no longer being edited
      continue;
    }
    input.value = String(+c[input.dataset.net].toFixed(3));
  }
  ui.hint.checked = c.conflict_hint;
  ui.preVote.checked = c.pre_vote;
}

export function updateLogs(ui, v) {
  const leader = v.servers.find((s) => s.alive && s.role === 'leader' && s.id === v.leader);
  const key = JSON.stringify([
    v.servers.map((s) => [s.alive, s.commit_index, s.log.map((e) => e.term).join(',')]),
    leader ? [leader.id, leader.next_index, leader.match_index] : null,
  ]);
  if (!changed(ui, 'logs', key)) return;
  let width = 0;
  for (const s of v.servers) if (s.log.length) width = Math.max(width, s.log[s.log.length - 1].index);
  if (leader) width = Math.max(width, ...leader.next_index.map((n, i) => (i + 1 === leader.id ? 0 : n)));
  width = Math.max(width, 10);

  // Follow the newest entries, unless the reader has scrolled back to look at older ones.
  const box = ui.logscroll;
  const atEnd = box.scrollLeft + box.clientWidth >= box.scrollWidth - 4;
  const head = ['<thead><tr><th></th>'];
  for (let i = 1; i <= width; i++) head.push(`<th>${i}</th>`);
  head.push('</tr></thead>');
  const rows = [];
  for (const s of v.servers) {
    const cls = [s.alive ? '' : 'dead', s.role === 'leader' ? 'lead' : ''].join(' ');
    const byIndex = new Map(s.log.map((e) => [e.index, e]));
    const mi = leader && s.id !== leader.id ? leader.match_index[s.id - 1] : null;
    const ni = leader && s.id !== leader.id ? leader.next_index[s.id - 1] : null;
    const row = [`<tr class="${cls}"><th title="${s.role}, term ${s.term}, commit index ${s.commit_index}">S${s.id}</th>`];
    for (let i = 1; i <= width; i++) {
      const e = byIndex.get(i);
      const c = [];
      let style = '';
      let title = '';
      let body = '';
      if (e) {
        const committed = i <= s.commit_index;
        c.push(committed ? 'ent committed' : 'ent');
        style = committed ? `background:${termColor(e.term)};` : `border-color:${termColor(e.term, false)};`;
        title = `index ${i}, term ${e.term}: ${e.text}${committed ? ' (committed)' : ' (not committed)'}`;
        body = String(e.term);
      }
      if (i === s.commit_index) {
        c.push('ci');
        title += `${title ? '\n' : ''}commitIndex = ${i}`;
      }
      if (mi === i && i > 0) {
        body += '<b class="mk m">m</b>';
        title += `${title ? '\n' : ''}leader's matchIndex[S${s.id}] = ${i}`;
      }
      if (ni === i) {
        body += '<b class="mk n">n</b>';
        title += `${title ? '\n' : ''}leader's nextIndex[S${s.id}] = ${i}`;
      }
      row.push(`<td class="${c.join(' ')}" style="${style}" title="${esc(title)}">${body}</td>`);
    }
    row.push('</tr>');
    rows.push(row.join(''));
  }
  ui.table.innerHTML = head.join('') + '<tbody>' + rows.join('') + '</tbody>';
  if (atEnd && width > (ui.keys.logWidth ?? width)) box.scrollLeft = box.scrollWidth;
  ui.keys.logWidth = width;
}

function esc(s) {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** "1,2 | 3,4,5" (or "S1 S2 | S3") → [[1,2],[3,4,5]]; throws an Error with a readable message. */
export function parsePartition(text, n) {
  const t = text.trim();
  if (!t) throw new Error('Type groups of servers separated by |, e.g. 1,2 | 3,4,5');
  const groups = t.split('|').map((g, k) => {
    const parts = g.split(/[\s,]+/).filter(Boolean);
    if (!parts.length) throw new Error(`Group ${k + 1} is empty: write e.g. 1,2 | 3,4,5`);
    return parts.map((p) => {
      const m = /^[sS]?(\d+)$/.exec(p);
      const id = m ? Number(m[1]) : NaN;
      if (!m || id < 1 || id > n) throw new Error(`"${p}" is not a server: use numbers 1–${n}`);
      return id;
    });
  });
  const seen = new Set();
  for (const id of groups.flat()) {
    if (seen.has(id)) throw new Error(`S${id} is in more than one group`);
    seen.add(id);
  }
  return groups;
}

/** Show the server menu for server `s` (a view server) next to its circle (centre x, y, radius r). */
export function openMenu(ui, s, x, y, r) {
  const m = ui.menu;
  m.hidden = false;
  m.dataset.server = String(s.id);
  ui.menuTitle.textContent = `S${s.id} · ${s.alive ? s.role : 'crashed'} · term ${s.term}`;
  m.querySelector('[data-action=crash]').hidden = !s.alive;
  m.querySelector('[data-action=restart]').hidden = s.alive;
  m.querySelector('[data-action=timeout]').disabled = !s.alive;
  m.querySelector('.req').hidden = !s.alive;
  ui.menuErr.textContent = '';
  // Beside the server if there is room, else below or above it; always inside the stage.
  const W = ui.stage.clientWidth;
  const H = ui.stage.clientHeight;
  const mw = m.offsetWidth;
  const mh = m.offsetHeight;
  const d = r + 12;
  const spots = [
    [x + d, y - mh / 2],
    [x - d - mw, y - mh / 2],
    [x - mw / 2, y + d],
    [x - mw / 2, y - d - mh],
  ];
  // Beside: only the width matters (it slides up or down to fit); below / above: both do.
  const fits = ([l, t], k) => l >= 4 && l + mw <= W - 4 && (k < 2 || (t >= 4 && t + mh <= H - 4));
  let [left, top] = spots.find(fits) || spots[0];
  left = Math.max(4, Math.min(left, W - mw - 4));
  top = Math.max(4, Math.min(top, H - mh - 4));
  m.style.left = `${left}px`;
  m.style.top = `${top}px`;
}

export function closeMenu(ui) {
  ui.menu.hidden = true;
  delete ui.menu.dataset.server;
}
