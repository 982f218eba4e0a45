// The DOM around the canvas: toolbar, status line, server menu, side panels and the log table.
// Each `update*` function only touches the DOM when what it shows has changed.
import { termHue, memberState, linkState } from './render.js';

export const PROPERTIES = ['Election Safety', 'Leader Append-Only', 'Log Matching', 'Leader Completeness', 'State Machine Safety', 'Committed entries kept', 'Linearizability'];

const TEMPLATE = `
<div class="root" part="root">
  <div class="banner" role="alert" hidden></div>
  <div class="toolbar">
    <button class="primary" data-cmd="play" title="Play / pause (space)">▶ Play</button>
    <button data-cmd="step" title="Process the next event (→)">Step ▸</button>
    <label class="speed" title="Simulated time per wall-clock time">Speed
      <input type="range" min="0" max="1000" step="1" aria-label="speed"><output></output></label>
    <span class="group">
      <button data-cmd="reset" title="Start again with the same seed and the current settings">Reset</button>
      <button data-cmd="newseed" title="Start again with a fresh random seed">New seed</button>
      <label>Servers <select data-cmd="servers"></select></label>
      <label title="Replay a short scripted story, live">Scenario <select data-cmd="scenario"><option value="">free play</option></select></label>
    </span>
  </div>
  <p class="scenario-desc" hidden></p>
  <div class="status" aria-live="off">
    <span class="st-time"></span>
    <span class="st-next"></span>
    <span class="st-term"></span>
    <span class="st-leader"></span>
    <span class="st-seed">seed <code></code> <button class="linkish" data-cmd="copy">copy link</button></span>
    <span class="st-msgs"></span>
    <span class="st-unsafe" hidden title="A rule is broken on purpose (Break a rule)"></span>
    <span class="st-held" hidden title="Nothing happens by itself: no message arrives, no timer fires. Step (▸) through recorded actions, or deliver messages, time out servers and send heartbeats by hand.">❚❚ network held <button class="linkish" data-cmd="release">release</button></span>
    <span class="st-event" title="What the last single step did"></span>
  </div>
  <div class="notices" role="status"></div>
  <div class="main">
    <div class="left">
      <div class="stage">
        <canvas role="img" aria-label="the cluster"></canvas>
        <p class="sr-only announce" aria-live="polite" aria-atomic="true"></p>
        <div class="toasts" role="status"></div>
        <div class="srvs" role="group" aria-label="servers (arrow keys move, Enter opens a server's menu)"></div>
        <div class="menu" hidden>
          <div class="menu-title" id="menu-title"></div>
          <div class="items" role="menu" aria-labelledby="menu-title">
            <button role="menuitem" tabindex="-1" data-action="crash">Crash</button>
            <button role="menuitem" tabindex="-1" data-action="restart">Restart</button>
            <button role="menuitem" tabindex="-1" data-action="timeout">Time out</button>
            <button role="menuitem" tabindex="-1" data-action="heartbeat" title="The leader's heartbeat timer fires now: AppendEntries to every follower">Heartbeat now</button>
            <button role="menuitem" tabindex="-1" data-action="flush" title="The oldest write in flight on this server's disk completes now, and what waited for it leaves">Flush its disk</button>
            <button role="menuitem" tabindex="-1" data-action="isolate">Isolate</button>
            <button role="menuitem" tabindex="-1" data-action="transfer" title="The leader brings this server up to date, then tells it to start an election at once (TimeoutNow, thesis §3.10)">Transfer leadership here</button>
            <button role="menuitem" tabindex="-1" data-action="remove" title="The leader removes this server through joint consensus (thesis §4.3)">Remove from cluster</button>
            <button role="menuitem" tabindex="-1" data-action="inspect" title="Show this server's whole state in the inspector">Inspect</button>
          </div>
          <div class="links" role="group" aria-label="links to the other servers (cut or repair)"></div>
          <form class="req">
            <input class="cmd" spellcheck="false" aria-label="client command">
            <button type="submit">Request</button>
          </form>
          <div class="menu-err" role="alert"></div>
        </div>
      </div>
      <div class="timeline">
        <canvas class="strip" role="img" aria-label="each server's terms over the whole run (click to go to a moment)"></canvas>
        <div class="scrub">
          <button data-cmd="back" title="Step back one event (←)" aria-label="step back one event">◂</button>
          <input type="range" class="scrubber" min="0" max="1" step="any" value="0" aria-label="time in the run">
          <button data-cmd="fwd" title="Step forward one event (→)" aria-label="step forward one event">▸</button>
          <output class="scrub-end"></output>
        </div>
        <p class="branch" hidden><span>Replaying the recorded run: acting now starts a new branch from here.</span></p>
        <p class="forked" hidden><span>New branch: the old future was dropped.</span> <button class="linkish" data-cmd="undo">bring it back</button></p>
      </div>
      <div class="legend">
        <span><i class="sv follower"></i>follower</span><span><i class="sv precandidate"></i>pre-candidate</span>
        <span><i class="sv candidate"></i>candidate</span><span><i class="sv leader"></i>leader</span>
        <span><i class="sv crashed"></i>crashed</span><span><i class="sv learner"></i>learner</span><span><i class="sv removed"></i>removed</span>
        <span><i class="arc"></i>election timer</span>
        <span><i class="k rv"></i>RequestVote</span><span><i class="k ok"></i><i class="k no"></i>vote granted / denied</span>
        <span><i class="k pv"></i>PreVote</span><span><i class="k ae">2</i>AppendEntries</span><span><i class="k hb"></i>heartbeat</span>
        <span><i class="k aok"></i><i class="k ano"></i>append ok / rejected</span>
        <span><i class="k snap"></i>InstallSnapshot</span><span><i class="k snapok"></i>snapshot installed</span>
        <span><i class="k tn">★</i>TimeoutNow</span><span><i class="k lost"></i>lost</span>
        <span class="tip">Tip: click a server to inspect it and for its menu, a message to inspect it, a link to cut or repair it.</span>
      </div>
      <div class="logs">
        <h3>Logs <small>solid = committed · dashed = not committed · <b class="ci-key"></b> commit index · <b class="mk m">m</b> <b class="mk n">n</b> leader's matchIndex / nextIndex · <b class="mk c">C</b> configuration · <b class="snap-key">≤ i</b> snapshot · dotted inside = not yet on disk (fsync)</small></h3>
        <div class="logscroll"><table role="table" aria-label="every server's log, one column per log index"></table></div>
      </div>
      <section class="events"></section>
      <section class="sequence"></section>
    </div>
    <aside class="side">
      <section class="safety">
        <h3>Safety properties</h3>
        <ul></ul>
        <div class="violations" role="alert"></div>
      </section>
      <section class="inspector"></section>
      <section class="members">
        <h3>Membership</h3>
        <div class="cfgs"></div>
        <div class="row">
          <button data-cmd="add" title="A new server joins as a learner (no vote), and is promoted through joint consensus once it has caught up (thesis §4.2.1, §4.3)">Add server</button>
        </div>
        <form class="row change" title="Change several servers in one joint step (§6): -ID removes a member, +ID adds a new server (the next ids). The new servers catch up as learners, then one C_old,new, then C_new.">
          <input class="change-ids" placeholder="-1 -2 +6 +7" aria-label="servers to remove (-ID) and add (+ID) in one joint step" spellcheck="false">
          <button type="submit">Change</button>
        </form>
        <div class="mem-err" role="alert"></div>
      </section>
      <section class="clients">
        <h3>Client requests</h3>
        <form class="send">
          <input class="ccmd" value="x &lt;- 1" spellcheck="false" aria-label="command" title="Write x &lt;- 3, add x += 1, or read x?">
          <select class="target" aria-label="send to" title="The server the client asks first"></select>
          <button type="submit">Send</button>
        </form>
        <div class="send-err" role="alert"></div>
        <ol reversed></ol>
        <p class="empty">None yet: write <code>x &lt;- 3</code>, add <code>x += 1</code> or read <code>x?</code>.</p>
      </section>
      <section class="switches">
        <h3>Protocol switches <small>live</small></h3>
        <div class="opts"></div>
        <p class="foot">§ = Raft paper · thesis = Ongaro's dissertation</p>
      </section>
      <section class="rules">
        <h3>Break a rule <small>one at a time</small></h3>
        <div class="rule-list" role="radiogroup" aria-label="break a rule"></div>
        <p class="rule-why" aria-live="polite"></p>
      </section>
      <section class="explore"></section>
      <section class="net">
        <h3>Network</h3>
        <div class="row">
          <button data-cmd="heal" title="Remove every partition and cut link">Heal network</button>
          <button data-cmd="hold" aria-pressed="false" title="Take the network and the timers into your hands: from now on no message arrives and no timer fires by itself. Deliver or drop messages from the inspector, time out a server or send a leader's heartbeat from its menu. Release resumes everything as if no time had passed for it.">Hold the network</button>
        </div>
        <form class="row part">
          <input class="partition" placeholder="1,2 | 3,4,5" aria-label="partition groups" spellcheck="false">
          <button type="submit">Partition</button>
        </form>
        <div class="part-err" role="alert"></div>
        <details>
          <summary>Settings</summary>
          <div class="grid"></div>
        </details>
      </section>
    </aside>
  </div>
</div>`;

/** "label (reference): explanation" → {label, ref, doc}. */
function describe(s) {
  const m = /^(.*?)(?: \(([^)]*)\))?: (.*)$/.exec(s.doc) || [null, s.name, '', s.doc];
  return { label: m[1], ref: m[2] || '', doc: s.doc };
}

/** The protocol switches and network dials, from the settings' one definition (Rust). */
function buildSettings(ui, settings, rules) {
  // Break a rule: one radio per rule of the catalogue (Rust's raft::rules), plus "none".
  ui.rules = rules;
  ui.ruleInputs = [];
  for (const r of [{ id: 'none', rule: 'every rule intact', source: '' }, ...rules]) {
    const label = document.createElement('label');
    label.className = r.id === 'none' ? 'check' : 'check danger';
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'break';
    input.value = r.id;
    const text = document.createElement('span');
    text.textContent = r.id === 'none' ? r.rule : r.id;
    label.title = r.source ? `${r.rule} (${r.source})` : r.rule;
    label.append(input, ' ', text);
    if (r.scenario) {
      const show = document.createElement('button');
      show.className = 'linkish';
      show.dataset.scenario = r.scenario;
      show.textContent = 'show me';
      show.title = `Play the scenario that shows what breaking "${r.id}" does`;
      label.append(' ', show);
    }
    ui.ruleList.append(label);
    ui.ruleInputs.push(input);
  }
  for (const s of settings.filter((x) => x.group === 'protocol' && x.unit !== 'rules')) {
    const d = describe(s);
    const label = document.createElement('label');
    label.title = d.doc;
    const input = document.createElement('input');
    input.dataset.opt = s.name;
    if (s.unit === 'bool') {
      label.className = 'check';
      input.type = 'checkbox';
      label.append(input, ' ');
      const text = document.createElement('span');
      text.append(d.label);
      label.append(text);
    } else {
      label.className = 'num';
      input.type = 'number';
      input.min = s.name === 'max_entries_per_append' ? '1' : '0';
      input.step = '1';
      label.append(`${d.label} `, input);
      if (s.unit === 'ms') label.append(' ms');
    }
    if (d.ref) {
      const i = document.createElement('i');
      i.textContent = d.ref;
      label.append(' ', i);
    }
    ui.optsBox.append(label);
    ui.opts.push(input);
  }
  for (const s of settings.filter((x) => x.group === 'network')) {
    const d = describe(s);
    const label = document.createElement('label');
    label.title = d.doc;
    label.textContent = d.label[0].toUpperCase() + d.label.slice(1);
    const span = document.createElement('span');
    const input = document.createElement('input');
    input.type = 'number';
    input.dataset.net = s.name;
    input.min = '0';
    input.step = '1';
    if (s.unit === 'percent') input.max = '100';
    const unit = document.createElement('i');
    unit.className = 'unit';
    unit.textContent = s.unit === 'percent' ? '%' : 'ms';
    span.append(input, ' ', unit);
    label.append(span);
    ui.netBox.append(label);
    ui.net.push(input);
  }
}

/** Build the widget's DOM in `root` (a shadow root); returns handles to the parts. `settings`:
 * Playground.settings(). */
export function buildDom(root, settings, rules = []) {
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
    scenario: $('[data-cmd=scenario]'),
    scenarioDesc: $('.scenario-desc'),
    time: $('.st-time'),
    next: $('.st-next'),
    term: $('.st-term'),
    leader: $('.st-leader'),
    seed: $('.st-seed code'),
    msgs: $('.st-msgs'),
    unsafe: $('.st-unsafe'),
    held: $('.st-held'),
    hold: $('[data-cmd=hold]'),
    event: $('.st-event'),
    notices: $('.notices'),
    toasts: $('.toasts'),
    stage: $('.stage'),
    canvas: $('canvas'),
    announce: $('.announce'),
    menu: $('.menu'),
    srvs: $('.srvs'),
    links: $('.menu .links'),
    menuTitle: $('.menu-title'),
    menuErr: $('.menu-err'),
    cmd: $('.menu .cmd'),
    reqForm: $('.menu form.req'),
    safety: $('.safety ul'),
    violations: $('.violations'),
    clients: $('.clients ol'),
    clientsEmpty: $('.clients .empty'),
    sendForm: $('form.send'),
    ccmd: $('.ccmd'),
    target: $('select.target'),
    sendErr: $('.send-err'),
    cfgs: $('.members .cfgs'),
    add: $('[data-cmd=add]'),
    memErr: $('.mem-err'),
    changeForm: $('form.change'),
    changeIds: $('.change-ids'),
    opts: [],
    optsBox: $('.switches .opts'),
    sequence: $('section.sequence'),
    explore: $('section.explore'),
    ruleList: $('.rules .rule-list'),
    ruleWhy: $('.rules .rule-why'),
    netBox: $('.net .grid'),
    strip: $('canvas.strip'),
    scrubber: $('.scrubber'),
    scrubEnd: $('.scrub-end'),
    back: $('[data-cmd=back]'),
    fwd: $('[data-cmd=fwd]'),
    branch: $('.branch'),
    forked: $('.forked'),
    events: $('section.events'),
    inspector: $('section.inspector'),
    partForm: $('form.part'),
    partition: $('.partition'),
    partErr: $('.part-err'),
    net: [],
    table: $('.logs table'),
    logscroll: $('.logscroll'),
    keys: {},
  };
  buildSettings(ui, settings, rules);
  ui.safety.innerHTML = PROPERTIES.map((p) => `<li data-prop="${p}"><span class="tick">✓</span> ${p}</li>`).join('');
  return ui;
}

/** Set an element's text if it changed; a lone text node is rewritten in place (replacing it
 * would take it out of layout and style and bring a new one in). */
export function setText(el, text) {
  const t = el.firstChild;
  if (text && t && t === el.lastChild && t.nodeType === 3) {
    if (t.data !== text) t.data = text;
  } else if (el.textContent !== text) el.textContent = text;
}

/** Show or hide an element, writing only a change: setting an attribute to the value it has
 * still makes the browser look at the element's style again (each frame, for nothing). */
export function setHidden(el, hidden) {
  if (el.hidden !== hidden) el.hidden = hidden;
}

/** Set an attribute, writing only a change (see `setHidden`). */
export function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
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

/** The clock while playing at `speed` (simulated ms per wall ms): `t` rounded down to a step it
 * crosses about four times a second (at 1/50×, 10 ms). Digits that change faster blur, and each
 * change costs the page a layout; paused, the clock is shown to the microsecond (fmtMs). */
export function fmtClock(t, speed) {
  const step = CLOCK_STEPS.find((s) => s >= speed * 250) ?? CLOCK_STEPS.at(-1);
  const q = Math.floor(t / step + 1e-9) * step;
  if (q < 10000) return `${q.toFixed(step < 1 ? 1 : 0)} ms`;
  return `${(q / 1000).toFixed(Math.max(0, Math.min(3, 3 - Math.round(Math.log10(step)))))} s`;
}
const CLOCK_STEPS = [0.1, 1, 10, 100, 1000];

export function fmtSpeed(x) {
  if (x >= 0.995) return '1×';
  const d = 1 / x;
  return d < 10 ? `1/${d.toFixed(1).replace(/\.0$/, '')}×` : `1/${Math.round(d)}×`;
}

/** The cluster in words, for the canvas's text alternative. */
export function describeCluster(v) {
  const who = v.servers.map((s) => `S${s.id} ${s.alive ? s.role : 'crashed'} term ${s.term}`).join('; ');
  const lead = v.leader != null ? `leader S${v.leader}` : 'no leader';
  return `${v.servers.length} servers, ${lead}, term ${v.term}: ${who}.`;
}

/** The status line; `speed`: the speed played at (the clock's precision follows it). */
export function updateStatus(ui, v, playing, next, speed) {
  setText(ui.time, `t = ${playing ? fmtClock(v.time_ms, speed) : fmtMs(v.time_ms, true)}`);
  setText(ui.next, !playing && next != null ? `next event at ${fmtMs(next, true)}` : '');
  setText(ui.term, `term ${v.term}`);
  setText(ui.leader, v.leader != null ? `leader S${v.leader}` : 'no leader');
  ui.leader.classList.toggle('none', v.leader == null);
  setText(ui.seed, v.seed);
  setText(ui.msgs, `${v.stats.delivered} delivered · ${v.stats.lost} lost · ${v.messages.length} in flight`);
  setHidden(ui.unsafe, v.config.break === 'none');
  setHidden(ui.held, !v.held);
  setText(ui.hold, v.held ? 'Release the network' : 'Hold the network');
  setAttr(ui.hold, 'aria-pressed', String(v.held));
  setText(ui.unsafe, `⚠ broken on purpose: ${v.config.break}`);
  const label = playing ? '❚❚ Pause' : '▶ Play';
  setText(ui.play, label);
  setAttr(ui.play, 'aria-pressed', String(playing));
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
      p.textContent = x.text; // "<property> violated at t=… after <event> (servers, term, index): <detail>"
      return p;
    }),
  );
}

/** An empty item of the client list: the command, its first server, its outcome, notes. */
function clientItem() {
  const li = document.createElement('li');
  const part = (tag, cls) => Object.assign(document.createElement(tag), cls ? { className: cls } : {});
  li.append(part('code'), ' ', part('span', 'to'), ' ', part('span', 'out'), part('span', 'notes'));
  return li;
}

export function updateClients(ui, v) {
  // The server to send to: "leader" (whoever leads when Send is pressed) or a fixed one.
  const n = v.servers.length;
  if (changed(ui, 'targets', `${n}/${v.leader}`)) {
    const keep = ui.target.value;
    const opts = [new Option(v.leader != null ? `leader (S${v.leader})` : 'leader (none)', '')];
    for (let i = 1; i <= n; i++) opts.push(new Option(`S${i}`, String(i)));
    ui.target.replaceChildren(...opts);
    ui.target.value = Number(keep) <= n ? keep : '';
  }
  // One item per request, newest first, kept from frame to frame (keyed by its number): an item
  // is rewritten only when its request's state changed, and only new requests add items.
  setHidden(ui.clientsEmpty, v.clients.length > 0);
  const items = (ui.clientItems ??= new Map());
  // (A request is named by its number, command and first server: after a seek back and a fork,
  // a number may come back as another request.)
  const name = (c) => `${c.seq}|${c.client}|${c.server}|${c.command}`;
  const wanted = new Set(v.clients.map(name));
  // Items of requests gone from the list are reused for new ones (on a busy run the whole list
  // turns over between two redraws).
  const spare = [];
  for (const [k, it] of items) {
    if (!wanted.has(k)) {
      it.li.remove();
      items.delete(k);
      spare.push(it.li);
    }
  }
  let next = null; // the item that should follow, in newest-first order
  for (const c of v.clients) {
    const sig = `${c.outcome}|${c.at}|${c.redirects}|${c.timeouts}|${c.index}|${c.value}|${c.answered_ms}`;
    let it = items.get(name(c));
    if (!it) {
      const li = spare.pop() ?? clientItem();
      li.value = c.seq;
      li.children[0].textContent = c.command;
      li.children[1].textContent = `→ S${c.server}`;
      it = { li, sig: '' };
      items.set(name(c), it);
    }
    if (it.li.nextSibling !== next || it.li.parentNode !== ui.clients) ui.clients.insertBefore(it.li, next);
    next = it.li;
    if (it.sig === sig) continue;
    it.sig = sig;
    const li = it.li;
    li.className = c.outcome;
    let out;
    if (c.outcome === 'ok') out = `ok · index ${c.index ?? '–'}${c.value != null ? ` · value ${c.value}` : ''}`;
    else if (c.outcome === 'failed') out = 'failed (gave up)';
    else if (c.outcome === 'expired') out = 'session expired (not applied)';
    else out = `waiting on S${c.at}…`;
    const notes = [];
    if (c.redirects) notes.push(`redirected ×${c.redirects}`);
    if (c.timeouts) notes.push(`timed out ×${c.timeouts}, retried`);
    if (c.outcome === 'ok' && c.at !== c.server) notes.push(`answered by S${c.at}`);
    li.children[2].textContent = out;
    li.children[3].textContent = notes.join(' · ');
    li.dataset.redirects = String(c.redirects);
    li.dataset.timeouts = String(c.timeouts);
    li.title = `client ${c.client}, sent at ${fmtMs(c.sent_ms)}${c.answered_ms != null ? `, answered at ${fmtMs(c.answered_ms)}` : ''}`;
  }
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
}

/** The protocol switches, from view.config (the same rule for inputs being edited). */
export function updateSwitches(ui, v, active) {
  const c = v.config;
  if (!changed(ui, 'opts', JSON.stringify(c))) return;
  for (const input of ui.opts) {
    const val = c[input.dataset.opt];
    if (input.type === 'checkbox') input.checked = !!val;
    else if (input === active) ui.keys.opts = null;
    else input.value = String(val);
  }
  for (const input of ui.ruleInputs) input.checked = input.value === c.break;
  const broken = c.break === 'none' ? [] : c.break.split(',');
  const why = broken.map((id) => ui.rules.find((r) => r.id === id)).filter(Boolean);
  setText(
    ui.ruleWhy,
    why.length
      ? why.map((r) => `Broken: ${r.rule} (${r.source}). ${r.explanation} Caught by: ${r.caught_by}.`).join(' ')
      : 'Every rule of Raft is intact: the checker should never fire. Pick a rule to switch it off, or "show me" to watch what it prevents.',
  );
  ui.ruleWhy.classList.toggle('on', why.length > 0);
}

const chip = (v, id, extra = '') => {
  const s = v.servers[id - 1];
  const cls = ['chip', extra, s && !s.alive ? 'down' : '', v.leader === id ? 'lead' : ''].join(' ');
  const what = [v.leader === id ? 'leader' : '', s && !s.alive ? 'crashed' : ''].filter(Boolean).join(', ');
  return `<span class="${cls}" data-id="${id}" title="S${id}${what ? ` (${what})` : ''}">S${id}</span>`;
};

/** The configuration as the leader sees it: C_old and C_new while joint, learners, removed servers. */
export function updateMembership(ui, v) {
  const m = v.membership;
  const lead = v.leader != null ? v.servers[v.leader - 1] : null;
  const transfer = lead?.transferee;
  const key = JSON.stringify([m, v.leader, transfer, v.servers.map((s) => s.alive)]);
  if (!changed(ui, 'members', key)) return;
  const row = (label, ids, cls, note = '') =>
    `<div class="cfg ${cls}"><span class="lbl">${label}</span> ${ids.map((id) => chip(v, id, cls)).join(' ')}${note ? ` <small>${note}</small>` : ''}</div>`;
  const html = [];
  if (m.joint) {
    html.push(`<p class="joint">Joint consensus: every decision needs a majority of C<sub>old</sub> <em>and</em> of C<sub>new</sub>.</p>`);
    html.push(row('C<sub>old</sub>', m.outgoing, 'old'));
    html.push(row('C<sub>new</sub>', m.voters, 'new'));
  } else html.push(row('voters', m.voters, 'voter'));
  if (m.learners.length) html.push(row('learners', m.learners, 'learner', 'catching up, no vote'));
  const removed = v.servers.filter((s) => memberState(v, s.id) === 'removed').map((s) => s.id);
  if (removed.length) html.push(row('removed', removed, 'removed', 'not in the configuration'));
  if (transfer != null) html.push(`<p class="transfer">S${v.leader} is handing leadership to S${transfer}…</p>`);
  html.push(`<code class="cfg-text" title="The configuration entry the leader uses"></code>`);
  ui.cfgs.innerHTML = html.join('');
  ui.cfgs.querySelector('.cfg-text').textContent = m.text;
}

const CONFIG_ENTRY = /^C(_old,new)? \{/;

/** Width of one log column (a 24 px cell and 2 px spacing), of the row names and of the snapshot
 * block; height of a row and of the head row (the style sheet sizes the cells to match). */
const CELL = 26;
const NAMES = 46;
const SNAPS = 156;
const ROW = 26;
const HEAD_ROW = 16;

/** The log table scrolled: if the reader scrolled it, follow the newest entries again once at the
 * end. Returns false for the scroll `followLogs` made itself (nothing new to draw). */
export function logScrolled(ui) {
  const box = ui.logscroll;
  if (ui.logBox && ui.logBox.left === box.scrollLeft && ui.logBox.width === box.clientWidth) return false;
  ui.logBox = { width: box.clientWidth, left: box.scrollLeft };
  ui.keys.logFollow = box.scrollLeft + box.clientWidth >= box.scrollWidth - CELL;
  if (ui.keys.logGeom) ui.keys.logGeom.follow = ui.keys.logFollow;
  return true;
}

/** At the start of a frame (layout still clean from the last one): keep the newest column in
 * sight, if the table grew while following. Scrolling here instead of right after the table changed
 * saves a forced layout per frame. */
export function followLogs(ui) {
  const t = ui.logTable;
  if (!t?.followPending) return;
  t.followPending = false;
  const box = ui.logscroll;
  box.scrollLeft = box.scrollWidth;
  ui.logBox = { width: box.clientWidth, left: box.scrollLeft };
}

/** The log window the next frame should ask the view for: the columns in sight (plus a margin),
 * or the newest ones while the table follows the end. Null before the first table. */
export function logWindow(ui) {
  const g = ui.keys.logGeom;
  if (!g) return null;
  // The box's size and scroll position as last seen (a resize or scroll updates them): reading
  // them here, after other panels wrote to the page, would force a layout every frame.
  const box = ui.logBox ?? { width: ui.logscroll.clientWidth, left: ui.logscroll.scrollLeft };
  const visible = Math.ceil(Math.max(0, box.width - NAMES - (g.snaps ? SNAPS : 0)) / CELL) + 6;
  const from = g.follow ? Math.max(g.lo, g.width + 1 - visible) : g.lo + Math.floor(box.left / CELL) - 3;
  return { from: Math.max(1, from), count: visible + 6 };
}

/** The log table; `playing`: tooltips wait until the run is paused. */
export function updateLogs(ui, v, playing = false) {
  const leader = v.servers.find((s) => s.alive && s.role === 'leader' && s.id === v.leader);
  // Columns are log indexes, aligned across rows, from `lo` (the first index some server still
  // stores) to `width`; only the ones in sight are drawn (the view carries only those entries).
  const lo = Math.min(...v.servers.map((s) => s.snapshot_index + 1));
  let width = 0;
  for (const s of v.servers) width = Math.max(width, s.snapshot_index, s.log_last);
  if (leader) width = Math.max(width, ...leader.next_index.map((n, i) => (i + 1 === leader.id ? 0 : n)));
  width = Math.max(width, lo + 9);
  const follow = ui.keys.logFollow ?? true;
  const win = logWindow(ui) ?? { from: Math.max(lo, width - 79), count: 80 };
  const from = Math.max(lo, Math.min(win.from, width));
  const to = Math.min(width, from + win.count - 1);
  const snaps = v.servers.some((s) => s.snapshot_index > 0);
  ui.keys.logGeom = { lo, width, follow, snaps };
  // The table's cells stay in the DOM from frame to frame: columns that scroll out are removed,
  // new ones appended, and a cell is rewritten only when what it shows changed (a rebuild of every
  // cell each frame cost most of the page's time on long runs). It is a table to assistive
  // technology (roles) but not to layout: every cell is placed at its column's x and sized by the
  // style sheet, so a cell that changes, comes or goes is laid out alone (a table's layout
  // measured every cell each frame: 5 ms a frame with 9 servers).
  let t = ui.logTable;
  const n = v.servers.length;
  if (!t || t.n !== n || t.snaps !== snaps || to < t.from || from > t.to) {
    ui.table.innerHTML = `<thead role="rowgroup"><tr role="row"><th role="columnheader"><span class="sr-only">server</span></th>${snaps ? '<th role="columnheader" class="snapcol" title="snapshots (compacted log prefixes)">snapshot</th>' : ''}</tr></thead><tbody role="rowgroup">${'<tr role="row"><th role="rowheader"></th></tr>'.repeat(n)}</tbody>`;
    const head = ui.table.querySelector('thead tr');
    const rows = [...ui.table.querySelectorAll('tbody tr')].map((tr, k) => {
      tr.style.top = `${HEAD_ROW + k * ROW}px`;
      const snap = snaps ? tr.appendChild(document.createElement('td')) : null;
      if (snap) snap.setAttribute('role', 'cell');
      return { tr, th: tr.firstChild, snap, cells: [], sig: '', snapSig: '' };
    });
    ui.table.style.height = `${HEAD_ROW + n * ROW}px`;
    t = ui.logTable = { n, snaps, lo, from, to: from - 1, head, heads: [], rows, width: 0 };
  }
  const x = (i) => `${NAMES + (snaps ? SNAPS : 0) + (i - lo) * CELL}px`;
  // Scroll the columns: drop those before `from` and after `to`, add the missing ones.
  const column = (i) => {
    const th = document.createElement('th');
    th.setAttribute('role', 'columnheader');
    th.style.left = x(i);
    th.textContent = String(i);
    return th;
  };
  const cell = (i) => {
    const td = document.createElement('td');
    td.setAttribute('role', 'cell');
    td.style.left = x(i);
    return td;
  };
  // Following the end, the columns that scroll out on the left come back on the right: the same
  // elements, moved and rewritten (new elements would each need their style and layout built).
  while (t.from < from && t.to < to && t.heads.length) {
    t.from++;
    t.to++;
    const th = t.heads.shift();
    th.style.left = x(t.to);
    th.textContent = String(t.to);
    t.heads.push(t.head.appendChild(th)); // last in the page too: assistive technology reads in page order
    for (const r of t.rows) {
      const td = r.cells.shift();
      td.style.left = th.style.left;
      r.cells.push(r.tr.appendChild(td));
      td.raftFlags = -1; // shows another index now: rewritten below
    }
  }
  while (t.from < from && t.heads.length) {
    t.heads.shift().remove();
    for (const r of t.rows) r.cells.shift().remove();
    t.from++;
  }
  while (t.to > to && t.heads.length) {
    t.heads.pop().remove();
    for (const r of t.rows) r.cells.pop().remove();
    t.to--;
  }
  if (!t.heads.length) [t.from, t.to] = [from, from - 1];
  // A compaction moved the first column: every column moves with it.
  if (t.lo !== lo) {
    t.lo = lo;
    t.heads.forEach((th, c) => {
      th.style.left = x(t.from + c);
      for (const r of t.rows) r.cells[c].style.left = th.style.left;
    });
  }
  while (t.from > from) {
    t.from--;
    const th = column(t.from);
    t.head.insertBefore(th, t.heads[0] ?? null);
    t.heads.unshift(th);
    for (const r of t.rows) {
      const td = cell(t.from);
      r.tr.insertBefore(td, r.cells[0] ?? null);
      r.cells.unshift(td);
    }
  }
  while (t.to < to) {
    t.to++;
    t.heads.push(t.head.appendChild(column(t.to)));
    for (const r of t.rows) {
      r.cells.push(r.tr.appendChild(cell(t.to)));
    }
  }
  v.servers.forEach((s, k) => {
    const r = t.rows[k];
    const member = memberState(v, s.id);
    const cls = [s.alive ? '' : 'dead', s.role === 'leader' ? 'lead' : '', member === 'voter' ? '' : member].join(' ');
    const who = `${s.alive ? s.role : 'crashed'}${member === 'voter' ? '' : `, ${member}`}, term ${s.term}, commit index ${s.commit_index}`;
    let extra = s.pending_reads ? `, ${s.pending_reads} ReadIndex read(s) waiting` : '';
    if (s.disk_writes) extra += `, ${s.disk_writes} disk write(s) in flight, ${s.disk_held} message(s) and replies waiting for them`;
    const rowSig = `${cls}|${who}${extra}`;
    if (r.sig !== rowSig) {
      r.sig = rowSig;
      r.tr.className = cls;
      r.th.title = who + extra;
      r.th.textContent = `S${s.id}`;
    }
    const si = s.snapshot_index;
    if (r.snap) {
      const snapSig = `${si}|${s.snapshot_term}|${s.commit_index === si}`;
      if (r.snapSig !== snapSig) {
        r.snapSig = snapSig;
        if (si > 0) {
          r.snap.className = `snap${s.commit_index === si ? ' ci' : ''}`;
          r.snap.title = `snapshot ≤ ${si} (term ${s.snapshot_term}): entries 1–${si} are compacted into the state machine's snapshot${s.commit_index === si ? `\ncommitIndex = ${si}` : ''}`;
          r.snap.innerHTML = `<span>snapshot ≤ ${si} <small>(term ${s.snapshot_term})</small></span>`;
        } else {
          r.snap.className = 'nosnap';
          r.snap.title = '';
          r.snap.textContent = '';
        }
      }
    }
    // The view's entries are the window's, in order from the first one this log has there.
    const base = s.log.length ? s.log[0].index : 0;
    const mi = leader && s.id !== leader.id ? leader.match_index[s.id - 1] : null;
    const ni = leader && s.id !== leader.id ? leader.next_index[s.id - 1] : null;
    for (let i = from; i <= to; i++) {
      const td = r.cells[i - from];
      const compacted = i <= si;
      const at = s.log[i - base];
      const e = !compacted && at?.index === i ? at : null;
      const committed = e != null && i <= s.commit_index;
      const unwritten = e != null && s.durable_index != null && i > s.durable_index;
      const ci = !compacted && i === s.commit_index;
      const m = !compacted && mi === i && i > 0;
      const n = !compacted && ni === i;
      // What the cell shows: the entry (by its term and command: an index and a term name one
      // entry within a run, not across a fork) and its marks. Compared, not built into a string.
      const flags = (compacted ? 32 : 0) | (committed ? 1 : 0) | (unwritten ? 2 : 0) | (ci ? 4 : 0) | (m ? 8 : 0) | (n ? 16 : 0);
      const term = e ? e.term : -1;
      const text = e ? e.text : null;
      const same = td.raftFlags === flags && td.raftShownTerm === term && td.raftData === text;
      // Tooltips are written only while paused: while playing nobody reads a cell's (and on a
      // busy run they were most of the table's cost), and a rewritten cell drops its stale one.
      const titleDue = !playing && !td.raftTitled;
      if (same && !titleDue) continue;
      if (!same) {
        td.raftFlags = flags;
        td.raftShownTerm = term;
        td.raftData = text;
        paintEntry(td, e, committed, unwritten, ci, m, n, compacted);
        if (playing && td.raftTitled) {
          td.removeAttribute('title');
          td.raftTitled = false;
        }
      }
      if (!playing) {
        td.title = compacted ? `index ${i}: compacted into S${s.id}'s snapshot` : entryTitle(s, i, e, committed, unwritten, mi, ni);
        td.raftTitled = true;
      }
    }
  });
  // The table is as wide as the whole log (the scroller's width comes from it).
  const total = NAMES + (snaps ? SNAPS : 0) + (width - lo + 1) * CELL;
  if (t.width !== total) {
    t.width = total;
    ui.table.style.width = `${total}px`;
    if (follow) t.followPending = true;
  }
}

/** A log cell: an entry (its term, in its term's colour, solid once committed; C on a configuration
 * entry), or an empty or compacted slot; the commit index, and the leader's matchIndex (m) and
 * nextIndex (n) for this server, as classes (the style sheet draws m and n). */
function paintEntry(td, e, committed, unwritten, ci, m, n, compacted) {
  const conf = e != null && CONFIG_ENTRY.test(e.text);
  const cl = [];
  if (compacted) cl.push('compacted');
  else {
    if (e) {
      cl.push(committed ? 'ent committed' : 'ent');
      if (conf) cl.push('cfg');
      if (unwritten) cl.push('unwritten');
      paintCell(td, e.term);
    }
    if (ci) cl.push('ci');
    if (m) cl.push('mm');
    if (n) cl.push('mn');
  }
  td.className = cl.join(' ');
  // The term (and the C mark), built without the HTML parser, rewritten only when it changes.
  const text = e ? `${e.term}${conf ? 'C' : ''}` : '';
  if (td.raftText === text) return;
  td.raftText = text;
  td.textContent = e ? String(e.term) : '';
  if (conf) {
    const b = td.appendChild(document.createElement('b'));
    b.className = 'mk c';
    b.textContent = 'C';
  }
}

/** A log cell's tooltip: the entry, whether it is committed and on disk, and the marks. */
function entryTitle(s, i, e, committed, unwritten, mi, ni) {
  const lines = [];
  if (e) {
    const conf = CONFIG_ENTRY.test(e.text);
    lines.push(`index ${i}, term ${e.term}: ${conf ? 'configuration ' : ''}${e.text}${committed ? ' (committed)' : ' (not committed)'}${unwritten ? ', not yet on disk' : ''}`);
  }
  if (i === s.commit_index) lines.push(`commitIndex = ${i}`);
  if (mi === i && i > 0) lines.push(`leader's matchIndex[S${s.id}] = ${i}`);
  if (ni === i) lines.push(`leader's nextIndex[S${s.id}] = ${i}`);
  return lines.join('\n');
}

/** A log cell's term colour (the style sheet makes from it the fill of a committed entry and the
 * dashed border of one that is not): written only when the cell's term changes, so a commit
 * changes only the cell's class. */
function paintCell(td, term) {
  if (td.raftTerm === term) return;
  td.raftTerm = term;
  td.style.setProperty('--h', termHue(term));
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
export function openMenu(ui, v, s, x, y, r) {
  const m = ui.menu;
  const member = memberState(v, s.id);
  m.hidden = false;
  m.dataset.server = String(s.id);
  ui.menuTitle.textContent = `S${s.id} · ${s.alive ? s.role : 'crashed'}${member === 'voter' ? '' : ` · ${member}`} · term ${s.term}`;
  m.querySelector('[data-action=crash]').hidden = !s.alive;
  m.querySelector('[data-action=restart]').hidden = s.alive;
  m.querySelector('[data-action=timeout]').disabled = !s.alive;
  m.querySelector('[data-action=heartbeat]').hidden = !s.alive || s.role !== 'leader';
  m.querySelector('[data-action=flush]').hidden = !s.alive || !s.disk_writes;
  m.querySelector('.req').hidden = !s.alive;
  // Operator requests go to the leader, which may refuse them (and then says why).
  m.querySelector('[data-action=transfer]').hidden = !s.alive || s.id === v.leader;
  m.querySelector('[data-action=remove]').hidden = member === 'removed';
  // One toggle per other server: its link to this one, up (pressed) or cut.
  ui.links.replaceChildren(
    document.createTextNode('links: '),
    ...v.servers
      .filter((o) => o.id !== s.id)
      .map((o) => {
        const b = document.createElement('button');
        const state = linkState(v, s.id, o.id);
        b.dataset.peer = String(o.id);
        b.textContent = `S${o.id}`;
        b.setAttribute('aria-pressed', String(state === 'up'));
        b.disabled = state === 'partition';
        b.title = state === 'partition' ? `S${o.id} is in another partition` : state === 'up' ? `cut the link S${s.id}–S${o.id}` : `repair the link S${s.id}–S${o.id}`;
        const words = { up: 'up (press to cut)', cut: 'cut (press to repair)', oneway: 'cut one way (press to repair)', partition: 'across a partition' };
        b.setAttribute('aria-label', `link to S${o.id}: ${words[state]}`);
        return b;
      }),
  );
  ui.menuErr.textContent = '';
  // Beside the server if there is room, else below or above it; always inside the stage, and
  // never over the server: where the menu is too tall for the room it gets, it scrolls.
  m.style.maxHeight = '';
  const W = ui.stage.clientWidth;
  const H = ui.stage.clientHeight;
  const mw = m.offsetWidth;
  let mh = m.offsetHeight;
  const d = r + 12;
  const room = { right: W - 4 - (x + d), left: x - d - 4, below: H - 4 - (y + d), above: y - d - 4 };
  let left;
  let top;
  if (room.right >= mw || room.left >= mw) {
    // Beside: it slides up or down to fit, and scrolls if taller than the stage.
    if (mh > H - 8) {
      m.style.maxHeight = `${H - 8}px`;
      mh = H - 8;
    }
    left = room.right >= mw ? x + d : x - d - mw;
    top = Math.max(4, Math.min(y - mh / 2, H - mh - 4));
  } else {
    // Below or above, whichever has more room; it slides sideways to fit.
    const below = room.below >= mh || room.below >= room.above;
    const space = Math.max(60, below ? room.below : room.above);
    if (mh > space) {
      m.style.maxHeight = `${space}px`;
      mh = space;
    }
    left = Math.max(4, Math.min(x - mw / 2, W - mw - 4));
    top = below ? y + d : y - d - mh;
  }
  m.style.left = `${left}px`;
  m.style.top = `${top}px`;
}

export function closeMenu(ui) {
  ui.menu.hidden = true;
  delete ui.menu.dataset.server;
}

/** The menu's items that can be chosen now, in order (for the arrow keys). */
export function menuItems(ui) {
  return [...ui.menu.querySelectorAll('[role=menuitem]')].filter((b) => !b.hidden && !b.disabled);
}

/** A focusable button over each server on the canvas (a roving-tabindex group): named like
 * "S1, leader, term 2", Enter or Space opens its menu. Placed and named only when they change. */
export function updateServerButtons(ui, v, L, current) {
  const key = JSON.stringify([L.w, L.h, L.n, L.r, v.servers.map((s) => [s.alive ? s.role : 'crashed', s.term]), current]);
  if (!changed(ui, 'srvs', key)) return;
  const bs = ui.srvs.children;
  while (bs.length < v.servers.length) {
    const b = document.createElement('button');
    b.className = 'srv';
    ui.srvs.append(b);
  }
  while (bs.length > v.servers.length) ui.srvs.lastChild.remove();
  v.servers.forEach((s, k) => {
    const b = bs[k];
    const p = L.pos[k];
    setAttr(b, 'data-id', String(s.id));
    setAttr(b, 'tabindex', s.id === current ? '0' : '-1');
    setAttr(b, 'aria-label', `S${s.id}, ${s.alive ? s.role : 'crashed'}, term ${s.term}`);
    setAttr(b, 'aria-haspopup', 'menu');
    const size = 2 * L.r + 8;
    const place = `${p.x - size / 2}/${p.y - size / 2}/${size}`;
    if (b.dataset.place !== place) {
      b.dataset.place = place;
      b.style.cssText = `left:${p.x - size / 2}px;top:${p.y - size / 2}px;width:${size}px;height:${size}px`;
    }
  });
}
