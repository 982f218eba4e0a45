// The inspector: one server's whole Figure 2 state (Playground.inspect), or one message in flight
// with every field it carries and buttons to drop or duplicate it (Playground.message), plus the
// list of messages in flight. What the last step changed is highlighted: paused, the panel
// compares with the state one step back (Playground.inspect_before: before the last event or
// action, wherever the run was moved to); playing, with what it showed at its previous update.

const ROW = 20; // px per log row
const LIST_MAX = 60; // messages listed

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const ms = (t) => `${t.toFixed(3)} ms`;
const srv = (id) => (id == null ? 'none' : `S${id}`);
const ids = (a) => (a.length ? a.map(srv).join(' ') : '—');

/**
 * `inspect(server, from, count)` → Playground.inspect's object, `inspectBefore(…)` the same one
 * step back (or null); `message(id)` → Playground.message's (or null); `act(action,
 * errorElement)` carries out an action (false if refused); `onChange()` after the selection
 * changed (the canvas marks it); `termColor` is render.js's (handed in: www/lazy.js loads this module
 * as a chunk that imports nothing). Returns {select, selection, update, reset}.
 */
export function createInspector(box, { inspect, inspectBefore, message, act, onChange, termColor }) {
  box.innerHTML = `
    <h3>Inspector <small>click a server or a message on the cluster</small></h3>
    <div class="insp-pick" role="group" aria-label="what to inspect"></div>
    <div class="insp-body"><p class="insp-empty">Pick a server to see its whole state (Figure 2), or the messages in flight.</p></div>
    <div class="insp-err" role="alert"></div>`;
  const pick = box.querySelector('.insp-pick');
  const body = box.querySelector('.insp-body');
  const err = box.querySelector('.insp-err');
  let sel = null; // {server} | {message} | {messages: true}
  let mode = '';
  let parts = null; // the current mode's elements
  let view = null;
  let pos = '';
  let paused = true;
  let dataKey = '';
  let follow = true;
  // What the panel showed at the position before (for highlighting changes), per server.
  let shown = { for: '', pos: '', vals: null };
  let prev = null;

  function select(s, focus = false) {
    const same = JSON.stringify(s) === JSON.stringify(sel);
    sel = s;
    err.textContent = '';
    if (!same) {
      follow = true;
      dataKey = '';
      onChange?.();
    }
    if (view) update(view, pos);
    if (focus) {
      const b = pick.querySelector('[aria-pressed=true]');
      b?.focus();
      box.scrollIntoView?.({ block: 'nearest' });
    }
  }

  pick.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    select(b.dataset.server ? { server: Number(b.dataset.server) } : { messages: true }, false);
  });
  body.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    if (b.dataset.msg) select({ message: Number(b.dataset.msg) });
    else if (b.dataset.do && sel?.message != null) {
      const id = sel.message;
      if (act({ type: b.dataset.do, id }, err)) {
        if (b.dataset.do === 'drop_message' || b.dataset.do === 'deliver_message') {
          select({ messages: true, ...(b.dataset.do === 'drop_message' ? { dropped: id } : {}) });
          box.querySelector('.insp-list button, .insp-msgs')?.focus(); // its button is gone
        }
        else dataKey = '';
      }
    }
  });

  /** Rebuild part of the panel with `fn`, keeping the keyboard focus on the same button. */
  function keepFocus(fn) {
    const a = box.getRootNode().activeElement;
    const which = a && box.contains(a) ? ['server', 'msg', 'do'].find((k) => a.dataset[k] != null) : null;
    const value = which && a.dataset[which];
    fn();
    if (which && !box.contains(a)) box.querySelector(`[data-${which}="${value}"]`)?.focus();
  }

  /** The pick row: a button per server and one for the messages in flight. */
  function updatePick(v) {
    const key = `${v.servers.length}/${JSON.stringify(sel)}`;
    if (pick.dataset.key !== key) {
      pick.dataset.key = key;
      const on = (x) => `aria-pressed="${x}"`;
      keepFocus(() => {
        pick.innerHTML =
          v.servers.map((s) => `<button data-server="${s.id}" ${on(sel?.server === s.id)}>S${s.id}</button>`).join('') +
          `<button class="insp-msgs" data-msg="all" ${on(sel != null && sel.server == null)}>messages <small></small></button>`;
      });
    }
    const count = `(${v.messages.length} in flight)`;
    const small = pick.lastChild.lastChild;
    if (small.textContent !== count) small.textContent = count;
  }

  function setMode(m, html) {
    if (mode === m) return false;
    mode = m;
    body.innerHTML = html;
    parts = {};
    for (const el of body.querySelectorAll('[data-part]')) parts[el.dataset.part] = el;
    return true;
  }

  /** While playing: the values shown at the previous position (of the same server), if any. */
  function previous(forKey, vals) {
    if (shown.for !== forKey) {
      prev = null;
      shown = { for: forKey, pos, vals };
    } else if (shown.pos !== pos) {
      prev = shown.vals;
      shown = { for: forKey, pos, vals };
    } else shown.vals = vals;
    return prev;
  }

  function serverPanel(v, id) {
    if (setMode(`server${id}`, `
      <p class="insp-head" data-part="head"></p>
      <div data-part="state"></div>
      <h4>Log <small data-part="logsum"></small></h4>
      <div class="insp-log" data-part="log" tabindex="0" role="list" aria-label="S${id}'s log: index, term, command">
        <div class="insp-spacer" data-part="spacer"></div>
      </div>
      <div data-part="more"></div>`)) {
      parts.log.addEventListener('scroll', () => {
        const l = parts.log;
        follow = l.scrollTop + l.clientHeight >= l.scrollHeight - ROW;
        update(view, pos);
      }, { passive: true });
      follow = true;
    }
    const box = parts.log;
    const rows = Math.ceil((box.clientHeight || 160) / ROW) + 4;
    const from = follow ? undefined : Math.max(0, Math.floor(box.scrollTop / ROW) - 2);
    const first = parts.first ?? 1;
    const win = from == null ? [undefined, undefined] : [first + from, rows];
    const s = inspect(id, ...win);
    if (!s) return;
    parts.first = s.log_first;
    const key = `${JSON.stringify(s)}${pos}${paused}`;
    if (key !== dataKey) {
      dataKey = key;
      const now = fields(s);
      let before = null;
      if (paused) {
        const b = inspectBefore(id, ...win);
        before = b ? fields(b).vals : null;
        shown = { for: '', pos: '', vals: null };
      } else before = previous(`S${s.id}`, now.vals);
      renderServer(s, now, before);
    }
    // The countdowns follow the clock (which moves between events too).
    for (const [k, t] of [['election', s.election], ['heartbeat', s.heartbeat]]) {
      const el = parts.state.querySelector(`[data-k=${k}] .in`);
      if (el && t) el.textContent = ` (in ${Math.max(0, t.deadline_ms - v.clock_ms).toFixed(1)} ms)`;
    }
  }

  /** The rows the panel shows, and every value it compares (by key) to tell what changed. */
  function fields(s) {
    const vals = new Map();
    const row = (label, key, value, title = '') => {
      vals.set(key, value);
      return [label, key, value, title];
    };
    const alive = s.alive;
    const persistent = [
      row('currentTerm', 'term', String(s.term)),
      row('votedFor', 'vote', srv(s.voted_for)),
      row('log', 'log', s.log_last >= s.log_first ? `${s.log_first}–${s.log_last}` : 'empty', 'the indices it stores as entries'),
      row('snapshot', 'snap', s.snapshot_index ? `≤ ${s.snapshot_index} (term ${s.snapshot_term})` : 'none', 'last included index and term (§7)'),
    ];
    const fires = (t) => (t ? `fires at ${ms(t.deadline_ms)}` : 'not running');
    const volatile = alive
      ? [
          row('commitIndex', 'commit', String(s.commit_index)),
          row('lastApplied', 'applied', String(s.last_applied)),
          row('leader', 'leader', srv(s.leader), 'the leader it knows of in its term'),
          row('election timer', 'election', fires(s.election), 'randomized in [T, 2T]; restarted on hearing from the leader or granting a vote'),
          row('heartbeat timer', 'heartbeat', fires(s.heartbeat), 'leaders only'),
        ]
      : [];
    const c = s.config;
    const config = [
      row(c.joint ? 'C_old' : 'voters', 'cold', c.joint ? ids(c.outgoing) : ids(c.voters)),
      ...(c.joint ? [row('C_new', 'cnew', ids(c.voters))] : []),
      row('learners', 'learners', ids(c.learners)),
      row('from index', 'cindex', s.config_index ? String(s.config_index) : '0 (bootstrap)', 'the entry that set it (in force as soon as it is in the log, committed or not)'),
    ];
    if (s.votes.length) volatile.push(row(s.role === 'precandidate' ? 'pre-votes' : 'votes', 'votes', ids(s.votes)));
    if (s.transferee != null) volatile.push(row('transferring to', 'transfer', srv(s.transferee)));
    if (s.pending_reads) volatile.push(row('ReadIndex reads', 'reads', String(s.pending_reads)));
    for (const p of s.progress) {
      vals.set(`next${p.id}`, String(p.next_index));
      vals.set(`match${p.id}`, String(p.match_index));
      vals.set(`state${p.id}`, p.state + (p.paused ? ' (waiting)' : p.throttled ? ` (window full: ${p.in_flight} in flight)` : p.in_flight ? ` (${p.in_flight} in flight)` : ''));
    }
    for (const x of s.sessions) vals.set(`s${x.client}`, `${x.seq}/${x.answer}`);
    vals.set('kv', s.kv.map(([k, x]) => `${k}=${x}`).join(' '));
    for (const e of s.log) vals.set(`e${e.index}`, `${e.term} ${e.text} ${alive && e.index <= s.commit_index}`);
    vals.set('last', s.log_last);
    return { persistent, volatile, config, vals };
  }

  function renderServer(s, { persistent, volatile, config, vals }, prev) {
    const alive = s.alive;
    const changed = (k) => prev != null && prev.get(k) !== vals.get(k);
    const mark = (key) => (changed(key) ? ' class="chg" title="changed at the last step"' : '');
    const dl = (title, rows) =>
      `<h4>${title}</h4><dl>${rows.map(([label, key, value, t]) => `<dt${t ? ` title="${esc(t)}"` : ''}>${label}</dt><dd data-k="${key}"${mark(key)}>${esc(value)}${key === 'election' || key === 'heartbeat' ? '<span class="in"></span>' : ''}</dd>`).join('')}</dl>`;
    parts.head.innerHTML = `<b>S${s.id}</b> · ${alive ? esc(s.role) : '<span class="bad">crashed</span>'} · term ${s.term}`;
    let html = dl(alive ? 'Persistent state' : 'Persistent state — what survived on disk', persistent);
    html += alive ? dl('Volatile state', volatile) : '<h4>Volatile state</h4><p class="insp-note">Lost in the crash: a restart starts from the persistent state.</p>';
    if (s.progress.length) {
      const td = (key, x) => `<td${mark(key)}>${esc(x)}</td>`;
      html += `<h4>Leader: nextIndex[] · matchIndex[]</h4><table class="insp-tab"><thead><tr><th scope="col">server</th><th scope="col">nextIndex</th><th scope="col">matchIndex</th><th scope="col" title="flow control (after etcd raft)">state</th></tr></thead><tbody>${s.progress
        .map((p) => `<tr><th scope="row">S${p.id}</th>${td(`next${p.id}`, p.next_index)}${td(`match${p.id}`, p.match_index)}${td(`state${p.id}`, vals.get(`state${p.id}`))}</tr>`)
        .join('')}</tbody></table>`;
    }
    html += dl('Configuration', config);
    parts.state.innerHTML = html;
    // The log: only the rows in sight are in the page (and crossed the wasm boundary).
    const n = Math.max(0, s.log_last - s.log_first + 1);
    parts.logsum.textContent = n ? `${n} entr${n === 1 ? 'y' : 'ies'}${s.snapshot_index ? `, ≤ ${s.snapshot_index} in the snapshot` : ''}` : 'empty';
    parts.spacer.style.height = `${n * ROW}px`;
    parts.log.style.height = n < 8 ? `${Math.max(1, n) * ROW + 2}px` : '';
    const last = prev?.get('last') ?? Infinity;
    for (const r of [...parts.log.querySelectorAll('.lr')]) r.remove();
    for (const e of s.log) {
      const div = document.createElement('div');
      const fresh = changed(`e${e.index}`) && (prev.has(`e${e.index}`) || e.index > last);
      const committed = alive && e.index <= s.commit_index;
      div.className = `lr${fresh ? ' chg' : ''}${committed ? ' ok' : ''}`;
      div.setAttribute('role', 'listitem');
      div.style.top = `${(e.index - s.log_first) * ROW}px`;
      div.innerHTML = `<span class="i">${e.index}</span><span class="t" style="background:${termColor(e.term)}">${e.term}</span><span class="c"></span><span class="sr-only">${committed ? ' committed' : ''}</span>`;
      div.children[2].textContent = e.text;
      parts.log.append(div);
    }
    if (follow) parts.log.scrollTop = parts.log.scrollHeight;
    const sessions = s.sessions.length
      ? `<table class="insp-tab"><thead><tr><th scope="col">client</th><th scope="col">last seq</th><th scope="col">answer</th></tr></thead><tbody>${s.sessions
          .map((x) => `<tr><th scope="row">${x.client}</th><td${mark(`s${x.client}`)}>${x.seq}</td><td${mark(`s${x.client}`)}>${x.answer ?? '—'}</td></tr>`)
          .join('')}</tbody></table>${s.sessions_total > s.sessions.length ? `<p class="insp-note">…and ${s.sessions_total - s.sessions.length} older sessions</p>` : ''}`
      : '<p class="insp-note">No client sessions yet.</p>';
    const kv = s.kv.length ? s.kv.map(([k, x]) => `${k} = ${x}`).join(', ') : 'empty';
    parts.more.innerHTML = `<h4>State machine${alive ? '' : ' (the stored snapshot)'}</h4><p class="insp-kvs${changed('kv') ? ' chg' : ''}">${esc(kv)}</p><h4>Sessions <small>client → last seq, answer (§8)</small></h4>${sessions}`;
  }

  function messagePanel(v) {
    setMode('messages', '<div data-part="detail"></div><h4>In flight <small>earliest arrival first</small></h4><div class="insp-list" data-part="list"></div>');
    const id = sel.message;
    const m = id != null ? message(id) : null;
    const key = `${JSON.stringify(m)}/${sel.dropped}`;
    if (key !== dataKey) {
      dataKey = key;
      let html = '';
      if (m) {
        const f = [['from → to', `S${m.from} → S${m.to}`], ['term', String(m.term)], ...m.fields];
        html = `<p class="insp-head"><b>${esc(m.kind)}</b> <span class="insp-id">message ${m.id}</span></p>
          <dl><dt>sent at</dt><dd>${ms(m.send_ms)}</dd><dt>arrives at</dt><dd>${ms(m.deliver_ms)}<span class="in"></span></dd>
          ${m.lost ? '<dt>fate</dt><dd class="bad">lost: it vanishes on arrival</dd>' : ''}
          ${f.map(([k, x]) => `<dt>${esc(k)}</dt><dd>${esc(x)}</dd>`).join('')}</dl>`;
        if (m.entries.length) {
          html += `<table class="insp-tab"><thead><tr><th scope="col">index</th><th scope="col">term</th><th scope="col">command</th></tr></thead><tbody>${m.entries
            .map((e) => `<tr><th scope="row">${e.index}</th><td>${e.term}</td><td>${esc(e.text)}</td></tr>`)
            .join('')}</tbody></table>${m.entries_total > m.entries.length ? `<p class="insp-note">…and ${m.entries_total - m.entries.length} more entries</p>` : ''}`;
        }
        html += `<div class="insp-acts"><button data-do="deliver_message" title="It arrives now, ahead of its time (recorded: deliver-message ${m.id}); while the network is held, the only way it arrives"${m.lost ? ' disabled' : ''}>Deliver it now</button><button data-do="drop_message" title="The network loses exactly this message (recorded: drop-message ${m.id})">Drop it</button><button data-do="duplicate_message" title="The network delivers this message twice: a copy leaves now (recorded: duplicate-message ${m.id})">Duplicate it</button></div>`;
      } else if (sel.dropped != null) html = `<p class="insp-note">Message ${sel.dropped} was dropped: it never arrives.</p>`;
      else if (id != null) html = `<p class="insp-note">Message ${id} has arrived.</p>`;
      else html = '<p class="insp-note">Pick a message to see its fields, and to drop or duplicate it.</p>';
      keepFocus(() => (parts.detail.innerHTML = html));
    }
    const inEl = parts.detail.querySelector('.in');
    if (inEl && m) inEl.textContent = ` (in ${Math.max(0, m.deliver_ms - v.clock_ms).toFixed(1)} ms)`;
    const list = [...v.messages].sort((a, b) => a.deliver_ms - b.deliver_ms || a.id - b.id);
    const listKey = list.map((x) => x.id).join(',') + `/${id}`;
    if (parts.list.dataset.key !== listKey) {
      parts.list.dataset.key = listKey;
      keepFocus(() => (parts.list.innerHTML = list.length
        ? list
            .slice(0, LIST_MAX)
            .map((x) => `<button data-msg="${x.id}" aria-pressed="${x.id === id}"${x.lost ? ' class="lost"' : ''}><span class="insp-id">${x.id}</span> ${esc(x.kind)}${x.entries ? ` (${x.entries})` : ''} S${x.from}→S${x.to} <small>t${x.term}${x.lost ? ', lost' : ''}</small></button>`)
            .join('') + (list.length > LIST_MAX ? `<p class="insp-note">…and ${list.length - LIST_MAX} more</p>` : '')
        : '<p class="insp-note">No message in flight.</p>'));
    }
  }

  /** Redraw for the frame's view; `position` ("events/applied") tells one moment from another;
   * `isPaused`: compare with the state one step back (else with the previous update). */
  function update(v, position, isPaused = paused) {
    view = v;
    pos = position;
    paused = isPaused;
    if (sel?.server > v.servers.length) sel = null;
    updatePick(v);
    if (!sel) {
      if (setMode('', '<p class="insp-empty">Pick a server to see its whole state (Figure 2), or the messages in flight.</p>')) dataKey = '';
    } else if (sel.server != null) serverPanel(v, sel.server);
    else messagePanel(v);
  }

  return {
    select,
    get selection() {
      return sel;
    },
    update,
    /** A new run: nothing selected, no history to compare with. */
    reset() {
      sel = null;
      prev = null;
      shown = { for: '', pos: '', vals: null };
      dataKey = '';
      onChange?.();
    },
  };
}
