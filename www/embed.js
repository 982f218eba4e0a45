// <raft-playground servers="5" seed="42" speed="1/50" autoplay>: a self-contained Raft cluster
// simulation. Everything lives in the element's shadow root; several widgets can share a page.
//
// A widget shows one run: its record (every setting, the seed and the timed actions) with the
// cluster at the moment being looked at. The scrubber and ←/→ move through it; acting in the past
// starts a new branch; "copy link" carries the whole record and the moment.
import init, { Playground } from './pkg/raft_wasm.js';
import { createLoop } from './loop.js';
import { layout, hitTest, linkState, stepGap } from './render.js';
import { Stage } from './stage.js';
import { createNarration } from './narration.js';
import { lazyInspector, lazyExplorer, lazySequence } from './lazy.js';
import { drawStrip, stripHeight, stripTimeAt } from './strip.js';
import * as C from './controls.js';

const MIN_SPEED = 1 / 500;
const MAX_SPEED = 1;
const DEFAULT_SPEED = 1 / 50;
const DEFAULT_SERVERS = 5;
const KEYS = 'xyzabc';
/** Where "copy link" points by default: the standalone page beside this module. */
const STANDALONE = new URL('../index.html', import.meta.url).href;
/** How far (px) from a link or a server's edge a touch still hits it. */
const TOUCH_SLOP = 18;
/** The name of the author's inline scenario (a `<script type="text/x-raft-scenario">` child). */
const INLINE = '(inline)';
/** The element's `controls` and `panels` attributes. */
const CONTROLS = ['full', 'minimal', 'none'];
const PANELS = ['inspector', 'safety', 'log', 'events', 'sequence', 'clients', 'membership', 'switches', 'rules', 'explore', 'network'];
const STRIP_THEME = {
  light: { ink: '#343a40', bad: '#e03131', down: '#ced4da', cursor: '#1c6dd0' },
  dark: { ink: '#ced4da', bad: '#ff8787', down: '#4a5058', cursor: '#74b3ff' },
};
const THEMES = ['auto', 'light', 'dark'];
const UTF8 = new TextDecoder();
const darkMedia = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
/** Which narrated events a screen reader hears (the rest are in the event list), and how often. */
const ANNOUNCE = /wins the election|steps down|^you: (crash|restart|partition|isolate|heal|cut|repair|add-server|remove|transfer|drop-message|duplicate-message)|answered by|refused by|gives up|violated/;
const ANNOUNCE_MS = 1500;
const DESCRIBE_MS = 1000;

/** Until the first leader of a run is elected, play at least this fast: something happens within
 * a second or two of opening the page (at 1/50× the first election takes 5–10 s). */
const FIRST_ELECTION_SPEED = 1 / 8;
/** While playing, the panels (everything but the stage) are redrawn about ten times a second: on
 * the first frame at least this long (ms) after the last time (at ~30 frames a second, one in three). */
const PANEL_MS = 90;
/** …and while nothing happened since they last were (no event, no action: only the clock, the
 * scrubber and the timers moved on), four times a second. */
const PANEL_IDLE_MS = 250;
/** A frame that comes this little (ms) before the panels are due draws them (timers and animation
 * frames are not exact: it would otherwise ask for another frame just after). */
const PANEL_SLACK_MS = 10;
/** What a panel frame draws of the busiest panels (`logs`: the log table; `lists`: the client
 * list; `timeline`: the term strip and the event list; the inspector and the sequence diagram
 * come with either of the last two): everything (paused), or while playing each in its turn, the
 * log table every other panel frame (five times a second), the others every fourth. */
const PANELS_ALL = { logs: true, lists: true, timeline: true };
const PANEL_TURNS = [
  { logs: true, lists: false, timeline: false },
  { logs: false, lists: true, timeline: false },
  { logs: true, lists: false, timeline: false },
  { logs: false, lists: false, timeline: true },
];
const reducedMotion = () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

let shared; // wasm module + stylesheet, loaded once per page
function loadShared() {
  shared ??= Promise.all([
    init({ module_or_path: new URL('./pkg/raft_wasm_bg.wasm', import.meta.url) }),
    fetch(new URL('./style.css', import.meta.url))
      .then((r) => (r.ok ? r.text() : Promise.reject(new Error(`style.css: HTTP ${r.status}`))))
      .then((css) => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(css);
        return sheet;
      })
      .catch(() => null),
  ]);
  return shared;
}

// Speed slider: 0..1000 on a log scale from 1/500× to 1×.
const toSlider = (x) => Math.round((1000 * Math.log(x / MIN_SPEED)) / Math.log(MAX_SPEED / MIN_SPEED));
const fromSlider = (v) => MIN_SPEED * Math.pow(MAX_SPEED / MIN_SPEED, v / 1000);

const message = (e) => (e && e.message ? e.message : String(e));

/** The element's attributes: the observed ones change a running widget; the rest are read once. */
const OBSERVED = ['servers', 'seed', 'speed', 'scenario', 'load', 'run', 'controls', 'panels', 'height', 'theme', 'break'];
const ATTRIBUTES = [...OBSERVED, 'autoplay', 'href', 'url-params'];
/** What the page's URL may set, with the `url-params` attribute (only where the page sets nothing). */
const URL_PARAMS = ['seed', 'servers', 'scenario', 'load', 'run', 'break'];
/** The settings a scenario, an inline story or a permalink brings its own value of. */
const RUN_SETTINGS = ['servers', 'seed', 'load', 'break'];
/** Attributes any HTML element may carry (besides data-*, aria-* and on* event handlers). */
const GLOBAL_ATTRIBUTES = new Set([
  'id', 'class', 'style', 'title', 'lang', 'dir', 'hidden', 'tabindex', 'slot', 'part', 'exportparts', 'autofocus',
  'accesskey', 'autocapitalize', 'autocorrect', 'contenteditable', 'draggable', 'enterkeyhint', 'inert', 'inputmode',
  'is', 'nonce', 'popover', 'spellcheck', 'translate', 'role', 'itemid', 'itemprop', 'itemref', 'itemscope',
  'itemtype', 'writingsuggestions', 'virtualkeyboardpolicy', 'xmlns', 'xml:lang',
]);
const isGlobalAttribute = (name) => GLOBAL_ATTRIBUTES.has(name) || /^(data-|aria-)./.test(name) || /^on[a-z]+$/.test(name);

/** The closest of `names` to `word` (at most two edits away), for "did you mean". */
function closest(word, names) {
  const dist = (a, b) => {
    let row = Array.from({ length: b.length + 1 }, (_, k) => k);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  let best = null;
  for (const n of names) if (dist(word, n) <= 2 && (!best || dist(word, n) < dist(word, best))) best = n;
  return best;
}

/** Names `k` and its value as the author wrote it: `k="v"` for an attribute, `?k=v` for a URL
 * parameter (`fromUrl`: the names the URL set). */
const sourceOf = (fromUrl) => (k, v) => (fromUrl.has(k) ? `?${k}=${v}` : `${k}="${v}"`);

/** Read the attributes; returns {config, speed, autoplay, scenario, run, …, problems[]} with bad
 * values replaced by defaults. Each problem is {attr, text}. */
function readAttributes(el, fromUrl = new Set()) {
  const src = sourceOf(fromUrl);
  const problems = [];
  const problem = (attr, text) => problems.push({ attr, text });
  const config = {};
  const servers = el.getAttribute('servers');
  if (servers != null && servers.trim() !== '') {
    const n = Number(servers.trim());
    if (/^\d+$/.test(servers.trim()) && n >= 1 && n <= 51) config.servers = n;
    else problem('servers', `${src('servers', servers)} is not a cluster size (a whole number 1–51, 3–9 recommended): using ${DEFAULT_SERVERS}.`);
  }
  const seed = el.getAttribute('seed');
  if (seed != null && seed.trim() !== '') {
    const s = seed.trim();
    if (/^\d{1,20}$/.test(s) && BigInt(s) <= 18446744073709551615n) config.seed = s;
    else problem('seed', `${src('seed', seed)} is not a whole number 0–18446744073709551615: using a random seed.`);
  }
  const load = el.getAttribute('load');
  if (load != null && load.trim() !== '') {
    const n = Number(load.trim());
    if (/^\d+$/.test(load.trim()) && n <= 10000) config.load = n;
    else problem('load', `${src('load', load)} is not a number of client writes per simulated second (0–10000): no background load.`);
  }
  const brk = el.getAttribute('break');
  if (brk != null && brk.trim() !== '') {
    const ids = brk.split(',').map((w) => w.trim()).filter(Boolean);
    const known = (Playground.rules() ?? []).map((r) => r.id);
    const bad = ids.filter((id) => id !== 'none' && !known.includes(id));
    if (bad.length) problem('break', `${src('break', brk)}: there is no rule ${bad.join(', ')} (rules: ${known.join(', ')}): every rule intact.`);
    else config.break = ids.join(',');
  }
  let speed = DEFAULT_SPEED;
  const sp = el.getAttribute('speed');
  if (sp != null && sp.trim() !== '') {
    const m = /^\s*1\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(sp);
    const x = m ? 1 / Number(m[1]) : Number(sp);
    if (Number.isFinite(x) && x >= MIN_SPEED && x <= MAX_SPEED) speed = x;
    else problem('speed', `speed="${sp}" is not between 1/500 and 1: using 1/50.`);
  }
  // A boolean attribute: present (`autoplay`, `autoplay=""`, `autoplay="true"`) or `"false"`.
  const ap = el.getAttribute('autoplay');
  let autoplay = ap != null && ap.trim() !== 'false';
  if (ap != null && !['', 'true', 'false'].includes(ap.trim())) {
    problem('autoplay', `autoplay="${ap}" is not "", "true" or "false": ignored, so the widget starts paused.`);
    autoplay = false;
  }
  const scenario = (el.getAttribute('scenario') ?? '').trim();
  const run = (el.getAttribute('run') ?? '').trim();
  let controls = (el.getAttribute('controls') ?? 'full').trim() || 'full';
  if (!CONTROLS.includes(controls)) {
    problem('controls', `controls="${controls}" is not one of ${CONTROLS.join(', ')}: showing the full playground.`);
    controls = 'full';
  }
  const panels = (el.getAttribute('panels') ?? '').split(/[\s,]+/).filter(Boolean);
  const unknown = panels.filter((p) => !PANELS.includes(p));
  if (unknown.length) problem('panels', `panels="${el.getAttribute('panels')}": there is no panel ${unknown.join(', ')} (panels: ${PANELS.join(', ')}).`);
  let theme = (el.getAttribute('theme') ?? 'auto').trim() || 'auto';
  if (!THEMES.includes(theme)) {
    problem('theme', `theme="${theme}" is not one of ${THEMES.join(', ')}: following the reader's preference.`);
    theme = 'auto';
  }
  let height = null;
  const h = el.getAttribute('height');
  if (h != null && h.trim() !== '') {
    const n = Number(h.trim().replace(/px$/, ''));
    if (Number.isFinite(n) && n >= 160 && n <= 2000) height = n;
    else problem('height', `height="${h}" is not a stage height in pixels (160–2000): using the default.`);
  }
  return { config, speed, autoplay, scenario, run, controls, panels: panels.filter((p) => PANELS.includes(p)), height, theme, problems };
}

/** What the widget leaves out of what its author (or the URL) asked for, once it is set up:
 * attributes it does not know, and settings a scenario, story or link brings its own value of.
 * `a`: readAttributes; `link`: a permalink was opened; `story`: the name of the scenario playing
 * (INLINE for the story on the page), if any; `inline`: the element holds a story. Returns
 * problems {attr, text}. */
function ignoredAttributes(el, a, { link, story, inline, fromUrl }) {
  const src = sourceOf(fromUrl);
  const problems = [];
  for (const name of el.getAttributeNames()) {
    if (ATTRIBUTES.includes(name) || isGlobalAttribute(name)) continue;
    const near = closest(name, ATTRIBUTES);
    problems.push({
      attr: name,
      text: `Unknown attribute ${name}="${el.getAttribute(name)}" ignored${near ? ` (did you mean ${near}?)` : ''}. The widget's attributes: ${ATTRIBUTES.join(', ')}.`,
    });
  }
  const set = RUN_SETTINGS.filter((k) => (el.getAttribute(k) ?? '').trim() !== '').map((k) => src(k, el.getAttribute(k)));
  const playing = link
    ? `${src('run', '…')} opens a permalink, which carries its own settings`
    : story === INLINE
      ? 'The story on this page plays with its own settings (its config line)'
      : story
        ? `${src('scenario', a.scenario)} plays with the scenario's own settings`
        : null;
  if (playing && set.length) problems.push({ attr: 'scenario', text: `${playing}: ${set.join(', ')} ignored.` });
  if (a.run && a.scenario) problems.push({ attr: 'run', text: `${src('run', '…')} opens a permalink: ${src('scenario', a.scenario)} ignored.` });
  if (a.run && a.autoplay) problems.push({ attr: 'run', text: `${src('run', '…')} opens paused at the link's moment: autoplay ignored.` });
  if (!a.run && a.scenario && inline) problems.push({ attr: 'scenario', text: `${src('scenario', a.scenario)} plays instead of the story on this page.` });
  return problems;
}

class RaftPlayground extends HTMLElement {
  static observedAttributes = OBSERVED;

  #pg = null;
  /** The attributes the page's URL set (url-params), for messages that name them as `?k=v`. */
  #fromUrl = new Set();
  /** The view last drawn: its JSON (UTF-8 bytes), read when first asked for (while playing, most
   * frames only hand the bytes to the stage's worker). */
  #shown = { json: null, v: null };
  get #view() {
    const s = this.#shown;
    if (!s.v && s.json) s.v = JSON.parse(UTF8.decode(s.json));
    return s.v;
  }
  set #view(v) {
    this.#shown = { json: null, v };
  }
  #ui = null;
  #loop = null;
  #layout = null;
  #ro = null;
  #speed = DEFAULT_SPEED;
  #dead = false;
  #hover = null;
  /** Draws the cluster's canvas (stage.js): in a worker where it can. */
  #stage = null;
  /** The last frame handed to the stage: [the view's JSON bytes, the frame's stage settings]. */
  #lastStage = null;
  /** The canvas was handed to a worker that has ended, or drawn on by the page: the next stage
   * needs a new one (a canvas can be handed to a worker only before anything drew on it). */
  #canvasSpent = false;
  #cmdCount = 0;
  #started = false;
  #docKey = null;
  /** The notice that the run shown stopped on a violation, if one is up. */
  #runNoticeBox = null;
  /** The scenario being played ({name, description, text}), or null in free play. */
  #scenario = null;
  /** 'auto' | 'light' | 'dark' (the theme attribute). */
  #theme = 'auto';
  /** Whether the dark theme is in use: known until the theme attribute or the system's scheme
   * changes (#onScheme). */
  #darkNow = null;
  #onScheme = () => {
    this.#darkNow = null;
    this.#layout = null;
    this.#stripAt = -1;
    this.#invalidate();
  };
  get #dark() {
    return (this.#darkNow ??= this.#theme === 'dark' || (this.#theme === 'auto' && !!darkMedia?.matches));
  }
  /** The author's inline scenario, if any ({name, description, text}). */
  #inline = null;
  /** Recorded actions still ahead at the last frame (to tell when a story's scripted part ends). */
  #scheduledLeft = 0;
  /** The run came from a permalink (Reset goes back to its start, keeping its recorded future). */
  #fromLink = false;
  #narration = null;
  #inspector = null;
  #sequence = null;
  #explorer = null;
  /** When the panels were last brought up to date (performance.now()). */
  #panelsAt = -Infinity;
  /** Panel frames drawn while playing (the busiest panels take turns by it). */
  #panelTurn = 0;
  /** The run's events and actions when the panels were last drawn (see PANEL_IDLE_MS). */
  #panelsFor = -1;
  #strip = null;
  #stripAt = -1;
  #eventsSeen = 0;
  /** The server that holds the keyboard focus stop in the ring (roving tabindex). */
  #kbServer = 1;
  #pending = [];
  #announcedAt = -Infinity;
  #announceTimer = 0;
  #describedAt = -Infinity;
  /** This run has had a leader (the first-election speed-up is over). */
  #sawLeader = false;
  #ready;
  #resolveReady;
  frames = 0;
  /** The script time of the last 256 frames, ms (`frameTimes[frames % 256]` is the newest): for
   * benchmarks. */
  frameTimes = new Float64Array(256);
  /** Where the stage is drawn: 'worker' (off the page's thread), 'page', or 'starting'. */
  get renderer() {
    return this.#stage?.mode ?? 'starting';
  }
  /** Frames of the stage drawn so far (in its worker: as it last said, a few times a second):
   * for benchmarks. `frames` counts the page's own. */
  get stageFrames() {
    return this.#stage?.drawn ?? 0;
  }
  /** The ms those frames took to read and draw (in the worker, on its own thread). */
  get stageTime() {
    return this.#stage?.drawnMs ?? 0;
  }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).textContent = 'Loading the Raft simulator…';
    this.#ready = new Promise((resolve, reject) => (this.#resolveReady = { resolve, reject }));
    this.#ready.catch(() => {}); // an unobserved failure is shown on the page, not thrown
  }

  // ---- public API (documented in the README; tests and blog authors script the widget) ----

  /** Resolves once the simulator is loaded and the first run is set up. */
  get ready() {
    return this.#ready;
  }
  /** The raw wasm Playground (for tests). */
  get playground() {
    return this.#pg;
  }
  /** Simulated time shown, ms. */
  get time() {
    return this.#pg && !this.#dead ? this.#wasm(() => this.#pg.time_ms()) ?? 0 : 0;
  }
  /** Fingerprint of the run up to the moment shown (16 hex digits). */
  digest() {
    return this.#pg && !this.#dead ? this.#wasm(() => this.#pg.digest()) : null;
  }
  view() {
    if (this.#pg && !this.#dead) {
      const v = this.#wasm(() => this.#pg.view());
      if (v) this.#view = v;
    }
    return this.#view;
  }
  /** Go to simulated time `ms` (back or forward); resolves when the state is there. */
  seek(ms) {
    return this.#api(() => {
      const t = Number(ms);
      if (!Number.isFinite(t) || t < 0) throw new Error(`seek(${ms}): expected a time in ms ≥ 0`);
      this.pause();
      this.#pg.seek(t);
    });
  }
  /** Run forward to simulated time `ms`. */
  runUntil(ms) {
    return this.#api(() => {
      const t = Number(ms);
      if (!Number.isFinite(t) || t < 0) throw new Error(`runUntil(${ms}): expected a time in ms ≥ 0`);
      this.#pg.run_until(t);
    });
  }
  /** `n` single steps (events or recorded actions); negative steps go back. */
  step(n = 1) {
    return this.#api(() => {
      const k = Math.trunc(Number(n));
      if (!Number.isFinite(k)) throw new Error(`step(${n}): expected a whole number`);
      this.pause();
      if (k) this.#pg.steps(k);
    });
  }
  /** Carry out an action: `{type: "crash", server: 2}`, `{type: "request", server: 1, command:
   * "x <- 3"}`, … or a script line (`"crash 2"`). Rejects with the reason if it is refused. */
  act(action) {
    return this.#api(() => this.#actNow(action));
  }
  /** Explore from the moment shown with the model checker, in a Web Worker: every interleaving of
   * deliveries, losses, duplicates, timeouts, crashes, restarts and requests up to `depth` steps
   * (`{depth: 8, crashes: 0, requests: 0, duplicates: 0, symmetry: false}`). Resolves with the
   * report (`states`, `depth`, `exhausted`, `goals`, `violation`: null or `{property, detail, steps,
   * permalink}`; set the `run` attribute to the permalink to step through it). The panel shows its
   * progress; a new call or `cancelExplore()` rejects the one running with an AbortError. */
  explore(options) {
    if (!this.#explorer || !this.#pg || this.#dead) return Promise.reject(new Error('explore(): the widget is not ready'));
    try {
      return this.#explorer.run(options);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  cancelExplore() {
    this.#explorer?.cancel();
  }
  /** A link to this run at this moment (the standalone page, or the `href` attribute's page). */
  permalink() {
    if (!this.#pg || this.#dead) return null;
    const base = new URL(this.getAttribute('href') || (this.hasAttribute('url-params') ? location.href : STANDALONE), location.href);
    base.search = '';
    base.hash = '';
    base.searchParams.set('run', this.#pg.permalink());
    return base.href;
  }
  get paused() {
    return !this.#loop || !this.#loop.playing;
  }
  play() {
    if (this.#dead || !this.#loop) return;
    if (this.#wasm(() => this.#pg.violation_count())) {
      this.#runNotice('The run stopped on a safety violation: press Reset or New seed, or go back in time.');
      return;
    }
    if (this.#ui) this.#ui.event.textContent = '';
    this.#loop.play();
  }
  pause() {
    this.#loop?.pause();
  }
  setSpeed(x) {
    const v = Number(x);
    if (!Number.isFinite(v) || v <= 0) return;
    this.#speed = Math.min(50, Math.max(MIN_SPEED, v));
    if (this.#ui) {
      this.#ui.speed.value = String(toSlider(Math.min(this.#speed, MAX_SPEED)));
      this.#ui.speedOut.textContent = C.fmtSpeed(this.#speed);
    }
  }
  get speed() {
    return this.#speed;
  }
  /** Centre of server `id` in CSS pixels, relative to the canvas's bounding box. */
  serverPosition(id) {
    const v = this.view(); // fresh: servers may have been added since the last frame
    const c = this.#ui?.canvas;
    const L = this.#layout;
    if (v && c && (!L || L.w !== c.clientWidth || L.h !== c.clientHeight || L.n !== v.servers.length)) {
      this.#layout = layout(c.clientWidth, c.clientHeight, v.servers.length);
      this.#layout.still = reducedMotion();
    }
    const p = this.#layout?.pos[id - 1];
    return p ? { x: p.x, y: p.y } : null;
  }

  /** Run `fn` against the playground; a Promise of its result (rejected with a readable Error). */
  #api(fn) {
    return this.#ready.then(() => {
      if (this.#dead) throw new Error('the simulator has crashed');
      let out;
      try {
        out = this.#wasm(fn);
      } catch (e) {
        throw new Error(message(e));
      }
      if (this.#dead) throw new Error('the simulator has crashed');
      this.#invalidate();
      this.#emitEvents();
      return out;
    });
  }

  // ---- lifecycle ----
  connectedCallback() {
    if (!this.hasAttribute('tabindex')) this.tabIndex = 0;
    if (this.#started) {
      if (this.#ui && !this.#loop) this.#startLoop();
      return;
    }
    this.#started = true;
    loadShared().then(
      ([, sheet]) => {
        this.#setup(sheet);
        if (this.#pg) this.#resolveReady.resolve();
        else this.#resolveReady.reject(new Error('the simulator could not start'));
      },
      (e) => {
        this.shadowRoot.textContent = '';
        const p = document.createElement('p');
        p.setAttribute('role', 'alert');
        p.style.cssText = 'color:#c92a2a;font:14px system-ui,sans-serif';
        p.textContent = `Could not load the Raft simulator (wasm): ${message(e)}`;
        this.shadowRoot.append(p);
        this.#resolveReady.reject(e);
      },
    );
  }

  disconnectedCallback() {
    darkMedia?.removeEventListener('change', this.#onScheme);
    clearTimeout(this.#announceTimer);
    this.#announceTimer = 0;
    this.#loop?.destroy();
    this.#loop = null;
    // The stage's worker ends with the widget's time on the page (a widget removed for good must
    // not keep a thread); a canvas it had is spent.
    this.#canvasSpent ||= this.#stage?.mode === 'worker' || this.#stage?.mode === 'page';
    this.#stage?.close();
    this.#stage = null;
    this.#ro?.disconnect();
    this.#explorer?.cancel();
    if (this.#docKey) document.removeEventListener('keydown', this.#docKey);
  }

  attributeChangedCallback(name, old, value) {
    if (!this.#ui || old === value) return;
    const a = readAttributes(this, this.#fromUrl);
    a.problems.filter((p) => p.attr === name).forEach((p) => this.#notice(p.text, 'warn'));
    if (name === 'speed') this.setSpeed(a.speed);
    else if (name === 'scenario' && this.#inline && !a.scenario) this.#playScenario(INLINE);
    else if (name === 'controls' || name === 'panels' || name === 'height' || name === 'theme') this.#applyLayout(a);
    else if (name === 'scenario') this.#playScenario(a.scenario);
    else if (name === 'run') this.#openLink(a.run, a.config);
    else this.#rebuild({ ...this.#configNow(true), ...a.config });
  }

  /** The built-in scenarios, [{name, description, text}]. */
  get scenarios() {
    return this.#wasm(() => Playground.scenarios()) ?? [];
  }

  /** Play a built-in scenario live by name ('' or unknown: back to free play, saying why). */
  #playScenario(name) {
    const ui = this.#ui;
    const sc = name === INLINE ? this.#inline : name ? this.scenarios.find((x) => x.name === name) : null;
    if (name && !sc) this.#notice(`There is no scenario "${name}": free play.`, 'warn');
    if (!sc) {
      this.#setScenario(null);
      this.#rebuild(this.#configNow(true));
      return;
    }
    let pg;
    try {
      pg = Playground.from_script(sc.text);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return this.#fatal(e);
      this.#notice(`${name === INLINE ? 'The story on this page' : `Scenario "${name}"`}: ${message(e)}`, 'error');
      return;
    }
    this.#install(pg);
    this.#setScenario(sc);
    if (ui && sc.name !== INLINE) ui.scenario.value = sc.name;
  }

  /** The author's own story: `<script type="text/x-raft-scenario">` inside the element, in the
   * same language as the built-in scenarios. A bad script shows its line and message. */
  #readInline() {
    const script = this.querySelector('script[type="text/x-raft-scenario"]');
    if (!script) return null;
    const text = script.textContent.replace(/^\n/, '');
    const lines = text.split('\n');
    const description = lines
      .filter((l) => l.trim().startsWith('#'))
      .slice(0, 4)
      .map((l) => l.trim().replace(/^#\s?/, ''))
      .join(' ');
    return { name: INLINE, description: description || 'A scripted story.', text };
  }

  /** Open a permalink's run at its moment; a bad link says why and starts a default run. */
  #openLink(link, fallback) {
    let pg;
    try {
      pg = Playground.from_permalink(link);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return this.#fatal(e);
      this.#notice(`This link could not be opened: ${message(e)}. Starting a default run instead.`, 'error');
      this.#rebuild(fallback);
      return;
    }
    this.#install(pg);
    this.#setScenario(null);
    this.#fromLink = true;
    this.pause();
  }

  /** Open a run from a permalink the widget made (a counterexample): true if it opened. */
  #openRun(link) {
    let pg;
    try {
      pg = this.#wasm(() => Playground.from_permalink(link));
    } catch (e) {
      this.#notice(`The run could not be opened: ${message(e)}`, 'error');
      return false;
    }
    if (!pg) return false;
    this.#install(pg);
    this.#setScenario(null);
    this.#fromLink = true;
    this.pause();
    return true;
  }

  /** The `controls`, `panels` and `height` attributes: what the widget shows, and how tall. */
  #applyLayout(a) {
    const root = this.#ui.root;
    this.#theme = a.theme;
    root.dataset.controls = a.controls;
    root.dataset.panels = a.panels.join(' ');
    if (a.height != null) this.style.setProperty('--raft-stage-height', `${a.height}px`);
    else this.style.removeProperty('--raft-stage-height');
    this.#onScheme();
    this.#resize();
  }

  #setScenario(sc) {
    this.#scenario = sc;
    this.#scheduledLeft = sc ? this.#wasm(() => this.#pg.scheduled()) ?? 0 : 0;
    const ui = this.#ui;
    if (!ui) return;
    ui.scenario.value = sc ? sc.name : '';
    ui.scenarioDesc.hidden = !sc;
    ui.scenarioDesc.textContent = sc ? sc.description : '';
    ui.scenarioDesc.classList.remove('over');
  }

  /** A story's scripted part is over once its last recorded action has happened: say so (a mark
   * on the page and a `raft-scenario-end` event); from there the cluster runs on its own. */
  #checkScenarioEnd() {
    if (!this.#scenario) return;
    const left = this.#wasm(() => this.#pg.scheduled()) ?? 0;
    const ui = this.#ui;
    if (this.#scheduledLeft > 0 && left === 0) {
      ui.scenarioDesc.classList.add('over');
      ui.scenarioDesc.dataset.over = 'The scripted part is over: from here the cluster runs on its own.';
      this.dispatchEvent(new CustomEvent('raft-scenario-end', { bubbles: true, detail: { scenario: this.#scenario.name, time: this.#pg.time_ms() } }));
    } else if (left > 0) ui.scenarioDesc.classList.remove('over');
    this.#scheduledLeft = left;
  }

  #setup(sheet) {
    // Parameters from the page URL (index.html opts in with the url-params attribute). They fill in
    // only what the author left unset: an attribute on the page always wins over the URL.
    const problems = [];
    if (this.hasAttribute('url-params')) {
      const q = new URLSearchParams(location.search);
      const unknown = [];
      for (const k of new Set(q.keys())) {
        if (!URL_PARAMS.includes(k)) {
          unknown.push(`?${k}=${q.get(k)}`);
        } else if (this.hasAttribute(k)) {
          problems.push({ attr: k, text: `The page sets ${k}="${this.getAttribute(k)}", so the URL's ?${k}=${q.get(k)} is ignored (the URL sets only what the page leaves unset).` });
        } else {
          const all = q.getAll(k);
          if (all.length > 1) problems.push({ attr: k, text: `The URL gives ?${k}= ${all.length} times (${all.map((v) => `"${v}"`).join(', ')}): the first, "${all[0]}", is used.` });
          this.setAttribute(k, q.get(k));
          this.#fromUrl.add(k);
        }
      }
      if (unknown.length) {
        const near = unknown.map((p) => closest(p.slice(1).split('=')[0], URL_PARAMS)).filter(Boolean);
        problems.push({
          attr: 'url-params',
          text: `Unknown URL parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ignored${near.length ? ` (did you mean ${[...new Set(near)].join(', ')}?)` : ''}. The URL may set: ${URL_PARAMS.join(', ')}.`,
        });
      }
    }
    const root = this.shadowRoot;
    root.textContent = '';
    if (sheet) root.adoptedStyleSheets = [sheet];
    let settings;
    try {
      settings = Playground.settings();
    } catch (e) {
      root.textContent = `The simulator could not start: ${message(e)}`;
      return;
    }
    const ui = (this.#ui = C.buildDom(root, settings, Playground.rules()));
    const a = readAttributes(this, this.#fromUrl);
    problems.push(...a.problems);
    this.#applyLayout(a);
    this.setSpeed(a.speed);
    this.#narration = createNarration(ui.events, {
      fetch: (start, count, kinds, server) => this.#wasm(() => this.#pg.notes(start, count, kinds, server)) ?? { total: 0, matching: 0, start: 0, notes: [] },
      kinds: Playground.note_kinds(),
      onSeek: (n) => {
        this.pause();
        this.#bounded(() => this.#pg.seek_note(n.time_ms, n.events, n.applied));
        this.#invalidate();
      },
    });
    // A refusal (a server that is not there) shows nothing; only a panic stops the widget.
    const ask = (fn) => {
      try {
        return this.#wasm(fn) ?? null;
      } catch {
        return null;
      }
    };
    this.#sequence = lazySequence(ui.sequence, {
      diagram: (fromMs) => ask(() => this.#pg.diagram(fromMs)) ?? '',
      playing: () => this.#loop?.playing ?? false,
      invalidate: () => this.#invalidate(),
    });
    this.#explorer = lazyExplorer(ui.explore, {
      loaded: () => this.#invalidate(),
      permalink: () => this.#pg.permalink(),
      open: (link) => this.#openRun(link),
      seek: (at) => {
        this.pause();
        this.#bounded(() => this.#pg.seek_note(at.time_ms, at.events, at.applied));
        this.#invalidate();
      },
    });
    this.#inspector = lazyInspector(ui.inspector, {
      inspect: (id, from, count) => ask(() => this.#pg.inspect(id, from, count)),
      inspectBefore: (id, from, count) => ask(() => this.#pg.inspect_before(id, from, count)),
      message: (id) => ask(() => this.#pg.message(id)),
      act: (action, where) => this.#act(action, where),
      onChange: () => this.#invalidate(),
    });
    if (a.run) this.#openLink(a.run, a.config);
    else this.#rebuild(a.config);
    if (!this.#pg) return;
    for (const sc of this.scenarios) ui.scenario.add(new Option(sc.name.replaceAll('_', ' '), sc.name));
    this.#inline = this.#readInline();
    if (this.#inline) ui.scenario.add(new Option('the story on this page', INLINE), 1);
    if (a.scenario && !a.run) this.#playScenario(a.scenario);
    else if (this.#inline && !a.run) this.#playScenario(INLINE);
    const story = this.#scenario?.name ?? null;
    problems.push(...ignoredAttributes(this, a, { link: this.#fromLink, story, inline: !!this.#inline, fromUrl: this.#fromUrl }));
    this.#problems(problems);

    for (let n = 3; n <= 9; n++) ui.servers.add(new Option(String(n), String(n)));
    this.#wire();
    this.#startLoop();
    if (a.autoplay && !a.run) this.play();
    // Ready to use (even if scrolled out of view, where no frame is drawn yet).
    this.setAttribute('data-ready', '1');
    ui.root.dataset.ready = '1';
  }

  #startLoop() {
    darkMedia?.addEventListener('change', this.#onScheme);
    // A canvas is handed to a worker only once: after a removal from the page (which ended that
    // worker) the stage starts on a new canvas in its place.
    if (!this.#stage) {
      if (this.#canvasSpent) {
        const fresh = this.#ui.canvas.cloneNode(false);
        this.#ui.canvas.replaceWith(fresh);
        this.#ui.canvas = fresh;
        this.#canvasSpent = false;
        this.#wireCanvas();
      }
      // Once it can draw: the last frame the page made meanwhile (a widget out of sight gets no
      // new frame until it comes into sight), then the next.
      const ready = () => {
        if (this.#lastStage) this.#stage.draw(this.#lastStage[0], { ...this.#lastStage[1], playing: false });
        this.#invalidate();
      };
      this.#stage = new Stage(this.#ui.canvas, ready, (e) => this.#fatal(e, 'The cluster could not be drawn'));
    }
    this.#loop = createLoop(this, (dt, playing) => this.#frame(dt, playing), () => this.#stage?.still());
    this.#ro = new ResizeObserver(() => this.#resize());
    this.#ro.observe(this.#ui.canvas);
    // On the standalone page (url-params) the keys work before anything is focused; embedded in
    // someone else's page, only while the widget has focus.
    this.#docKey = (e) => {
      const idle = e.target === document.body || e.target === document.documentElement;
      if (idle && this.hasAttribute('url-params') && document.querySelector('raft-playground') === this) this.#key(e);
    };
    document.addEventListener('keydown', this.#docKey);
  }

  /** New cluster from `config` (every setting by name, as view.config has them, plus a seed); on
   * a refused config, say why and use the defaults. */
  #rebuild(config) {
    let pg = null;
    try {
      pg = new Playground(config);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) return this.#fatal(e);
      this.#notice(`${message(e)}: using the defaults.`, 'warn');
      try {
        pg = new Playground({});
      } catch (e2) {
        return this.#fatal(e2);
      }
    }
    this.#install(pg);
    this.#setScenario(null);
  }

  /** Make `pg` the widget's cluster, freeing the old one. */
  #install(pg) {
    if (pg !== this.#pg) {
      try {
        this.#pg?.free();
      } catch {
        /* already gone */
      }
      this.#fromLink = false;
    }
    this.#pg = pg;
    this.#runNoticeBox?.remove();
    this.#runNoticeBox = null;
    this.#sawLeader = false;
    this.#view = null;
    this.#strip = null;
    this.#stripAt = -1;
    this.#eventsSeen = this.#wasm(() => pg.note_count()) ?? 0;
    this.#narration?.reset();
    this.#inspector?.reset();
    this.#explorer?.forget();
    if (this.#ui) {
      C.closeMenu(this.#ui);
      this.#ui.keys = {};
      this.#ui.logTable = null;
      this.#ui.clientItems = null;
      this.#ui.clients.replaceChildren();
      this.#ui.event.textContent = '';
    }
    this.#invalidate();
  }

  /** Every call into wasm: a panic (RuntimeError) kills the widget visibly; an Error is returned. */
  #wasm(fn) {
    if (this.#dead) return undefined;
    try {
      return fn();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) this.#fatal(e);
      else throw e;
      return undefined;
    }
  }

  /** A call that runs the simulation (advance, seek): one that would do more work than one call
   * may stops where it got to and throws; say so. False if it stopped short. */
  #bounded(fn) {
    try {
      this.#wasm(fn);
      return true;
    } catch (e) {
      this.#notice(message(e), 'error');
      return false;
    }
  }

  /** The wasm's act. In the past it forks: the new branch's events from here on are new ground,
   * to be told as `raft-event`s, though as many were told on the branch it left. */
  #actNow(action) {
    const here = this.#pg.notes_here();
    this.#pg.act(action);
    this.#eventsSeen = Math.min(this.#eventsSeen, here);
  }

  /** Carry out an action; a refused one shows its reason (in `where`, or as a notice). */
  #act(action, where) {
    try {
      this.#wasm(() => this.#actNow(action));
    } catch (e) {
      if (where) where.textContent = message(e);
      else this.#notice(message(e), 'error');
      return false;
    }
    if (this.#dead) return false;
    this.#invalidate();
    return true;
  }

  /** Stop for good and say why (`what`: the headline). */
  #fatal(e, what = 'The simulator crashed') {
    if (this.#dead) return;
    this.#dead = true;
    this.#loop?.stop();
    const ui = this.#ui;
    const msg = message(e);
    if (!ui) {
      this.shadowRoot.textContent = `${what}: ${msg}`;
      return;
    }
    console.error('raft-playground:', e);
    ui.root.classList.add('dead');
    ui.banner.hidden = false;
    const wasm = e instanceof WebAssembly.RuntimeError;
    let panic = null;
    if (wasm) {
      try {
        panic = Playground.last_panic() ?? null;
      } catch {
        /* the module is unusable */
      }
    }
    const why = wasm ? ' (a panic in the Rust code, not a Raft failure)' : '';
    ui.banner.innerHTML = `<b></b>${why}: <code></code> <button>Reload page</button>`;
    ui.banner.querySelector('b').textContent = what;
    ui.banner.querySelector('code').textContent = panic ?? `${e && e.name ? e.name + ': ' : ''}${msg}`;
    ui.banner.querySelector('button').onclick = () => location.reload();
    C.closeMenu(ui);
    this.setAttribute('data-crashed', '1');
  }

  /** What was wrong with the attributes and URL parameters, in one notice (a list if several). */
  #problems(problems) {
    if (!problems.length) return;
    if (problems.length === 1) {
      this.#notice(problems[0].text, 'warn');
      return;
    }
    const ul = document.createElement('ul');
    for (const p of problems) ul.append(Object.assign(document.createElement('li'), { textContent: p.text }));
    this.#notice(`${problems.length} problems with this widget's attributes:`, 'warn', ul);
  }

  /** An error about the run shown (it stopped on a violation): one at a time, and gone with the
   * run (a new scenario, Reset, New seed, a link). */
  #runNotice(text) {
    this.#runNoticeBox?.remove();
    this.#runNoticeBox = this.#notice(text, 'error');
  }

  #notice(text, kind = 'info', node = null) {
    const ui = this.#ui;
    if (!ui) return;
    const div = document.createElement('div');
    div.className = `notice ${kind}`;
    div.innerHTML = '<span></span><button aria-label="dismiss">×</button>';
    div.firstChild.textContent = text;
    if (node) div.firstChild.append(node);
    div.lastChild.onclick = () => div.remove();
    // Passing information floats over the canvas; warnings and errors stay in the flow until dismissed.
    const box = kind === 'info' ? ui.toasts : ui.notices;
    box.append(div);
    while (box.children.length > 3) box.firstChild.remove();
    if (kind === 'info') setTimeout(() => div.remove(), 4000);
    return div;
  }

  #invalidate() {
    this.#loop?.invalidate();
  }

  /** The stage's size changed (its canvas's pixels follow on the next frame it draws). */
  #resize() {
    this.#layout = null;
    this.#stripAt = -1;
    this.#ui.logBox = null; // read afresh: the log box may have changed size too
    this.#invalidate();
  }

  /** A `raft-event` per event narrated since the last call (new ground only, not replays). */
  #emitEvents() {
    const count = this.#wasm(() => this.#pg.note_count()) ?? 0;
    if (count < this.#eventsSeen) this.#eventsSeen = count; // a fork dropped the future
    if (count === this.#eventsSeen) return;
    // In pages of the most one call hands over (500); events the narration no longer keeps
    // (it holds the newest MAX_NOTES) cannot be told.
    while (this.#eventsSeen < count && !this.#dead) {
      const page = this.#wasm(() => this.#pg.notes_from(this.#eventsSeen, Math.min(500, count - this.#eventsSeen)));
      if (!page) break;
      this.#eventsSeen = page.start + page.notes.length;
      if (!page.notes.length) break;
      for (const n of page.notes) {
        this.dispatchEvent(new CustomEvent('raft-event', { bubbles: true, detail: { text: n.text, kind: n.kind, server: n.server, term: n.term, time: n.time_ms } }));
        if (ANNOUNCE.test(n.text)) this.#pending.push(n.text);
      }
    }
    this.#eventsSeen = count;
    this.#announce();
  }

  /** Tell a screen reader the important events, at most every ANNOUNCE_MS (a burst becomes one
   * message naming the newest few and how many more). */
  #announce() {
    const ui = this.#ui;
    const now = performance.now();
    if (!ui || !this.#pending.length || now - this.#announcedAt < ANNOUNCE_MS) {
      if (this.#pending.length && !this.#announceTimer) {
        this.#announceTimer = setTimeout(() => {
          this.#announceTimer = 0;
          this.#announce();
        }, ANNOUNCE_MS);
      }
      return;
    }
    const all = this.#pending.splice(0);
    const shown = all.slice(-3);
    ui.announce.textContent = shown.join('. ') + (all.length > shown.length ? ` (and ${all.length - shown.length} more events)` : '') + '.';
    this.#announcedAt = now;
  }

  /** The speed the run plays at: the chosen one, or faster until the first leader. */
  #playSpeed() {
    return this.#sawLeader ? this.#speed : Math.max(this.#speed, FIRST_ELECTION_SPEED);
  }

  #frame(dt, playing) {
    if (this.#dead) return;
    const started = performance.now();
    try {
      const speed = this.#playSpeed();
      if (playing && dt > 0) {
        // One call's work is bounded (sim::limits): a run that asks for more stops, and says so.
        if (!this.#bounded(() => this.#pg.advance(dt * speed))) this.#loop.pause();
      }
      // While playing, the page's panels are brought up to date together, about ten times a
      // second; the frames between draw only the stage (in its worker), so the browser has nothing
      // on the page to lay out, paint or composite. The busiest panels take turns on those
      // frames (PANEL_TURNS). Paused, every frame draws everything.
      const step = this.#runStep();
      const panels = !playing || started - this.#panelsAt >= this.#panelGap(step) - PANEL_SLACK_MS || !this.#ui.logTable;
      const turn = !panels ? null : !playing || !this.#ui.logTable ? PANELS_ALL : PANEL_TURNS[this.#panelTurn++ % PANEL_TURNS.length];
      if (panels) [this.#panelsAt, this.#panelsFor] = [started, step];
      if (turn?.logs) C.followLogs(this.#ui);
      if (turn?.timeline) this.#narration.beforeFrame();
      // Only the log columns in sight cross the boundary, and only on the table's turn (a frame
      // costs the same however long the logs); the client requests come on theirs.
      const win = C.logWindow(this.#ui);
      const [from, count] = !turn?.logs ? [0, 0] : win ? [win.from, win.count] : [undefined, undefined];
      const json = this.#wasm(() => this.#pg.view_json(from, count, !!turn?.lists));
      if (json == null) return;
      this.#shown = { json, v: null };
      // The page reads the view only to draw its panels or the stage itself; what every frame
      // needs it asks the wasm for.
      const v = turn || !this.#stage.animates ? this.#view : null;
      const n = this.#pg.server_count();
      if (!this.#sawLeader) this.#sawLeader = this.#pg.leader() != null || this.#pg.time_ms() > 2000;
      const ui = this.#ui;
      if (this.#pg.violation_count() && this.#loop.playing) {
        this.#loop.pause();
        this.#runNotice('A safety property was violated: the simulation stopped. Go back in time to see how it happened.');
      }
      const c = ui.canvas;
      // The strip's height follows the number of servers (set before the sizes are read).
      const hh = `${stripHeight(n)}px`;
      if (ui.strip.style.height !== hh) ui.strip.style.height = hh;
      // Every size this frame needs, read before anything else is written (no forced layout).
      const w = c.clientWidth;
      const h = c.clientHeight;
      const sizes = { scrubber: ui.scrubber.clientWidth, strip: ui.strip.clientWidth, stripH: ui.strip.clientHeight };
      const L = this.#layout;
      if (!L || L.w !== w || L.h !== h || L.n !== n) {
        if (L && L.n !== n) C.closeMenu(ui); // the ring moved under it
        this.#layout = layout(w, h, n);
        this.#layout.still = reducedMotion();
        this.#stripAt = -1;
        ui.root.dataset.motion = this.#layout.still ? 'reduced' : 'full';
      }
      const { still } = this.#layout;
      // While playing, the clock of the next event: the stage's worker moves the clock on up to it.
      const until = playing ? this.#wasm(() => this.#pg.next_event_ms()) ?? null : null;
      const wall = performance.timeOrigin + performance.now();
      const stage = { w, h, dpr: window.devicePixelRatio || 1, dark: this.#dark, still, hover: this.#hover, selected: this.#inspector.selection, playing, speed, wall, until };
      this.#stage.draw(json, stage, v);
      this.#lastStage = [json, stage];
      if (turn) this.#updatePanels(v, sizes, turn);
      this.#checkScenarioEnd();
      this.#emitEvents();
      this.frames++;
      this.frameTimes[this.frames % 256] = performance.now() - started;
      // The next frame: where the stage moves on by itself (its worker), when the next event is
      // due or the panels are, whichever is first; where it does not, when the quickest thing on
      // the stage has moved a step (at the default speed a message in flight moves ~12 px a
      // frame, so while one flies every frame is drawn; with only timers running, about one in
      // two).
      if (!this.#stage.animates) return stepGap(v, this.#layout, speed);
      const panelsDue = Math.max(0, this.#panelsAt + this.#panelGap(step) - performance.now());
      return until == null ? panelsDue : Math.min(panelsDue, Math.max(0, until - this.#pg.time_ms()) / speed);
    } catch (e) {
      this.#fatal(e);
    }
  }

  /** Where the run is, as the count of its events and actions (it changes when anything happened). */
  #runStep() {
    return this.#pg.events() + this.#pg.applied() * 2 ** 32;
  }

  /** How long after the panels were last drawn they are due again while playing, the run being
   * at `step` (#runStep): PANEL_MS, or PANEL_IDLE_MS if nothing happened since. */
  #panelGap(step) {
    return step === this.#panelsFor ? PANEL_IDLE_MS : PANEL_MS;
  }

  /** Everything on the page but the stage, from view `v` (`sizes`: read before any write); of the
   * busiest panels, those whose `turn` it is ({logs, lists}). The strip is drawn before any panel
   * writes to the page: drawing text makes the browser bring the page's style up to date, which
   * is free only while nothing changed it. */
  #updatePanels(v, sizes, turn) {
    const ui = this.#ui;
    const running = this.#loop.playing;
    if (turn.timeline) this.#drawStrip(v, sizes);
    C.updateServerButtons(ui, v, this.#layout, this.#kbServer);
    // The canvas's text alternative: the cluster in words, at most once a second.
    const now = performance.now();
    if (now - this.#describedAt > DESCRIBE_MS || !running) {
      this.#describedAt = now;
      const text = C.describeCluster(v);
      if (ui.canvas.getAttribute('aria-label') !== text) ui.canvas.setAttribute('aria-label', text);
    }
    const next = running ? null : this.#wasm(() => this.#pg.next_event_ms());
    C.updateStatus(ui, v, running, next, this.#playSpeed());
    C.updateSafety(ui, v);
    C.updateMembership(ui, v);
    if (turn.lists) C.updateClients(ui, v);
    if (turn.logs) C.updateLogs(ui, v, running);
    // The log grew past the box while following its end: the next frame scrolls to the end and
    // draws the columns there (while playing, that frame comes anyway).
    if (ui.logTable?.followPending && !running) this.#loop.invalidate();
    // The inspector and the sequence diagram: rebuilt when what they show changes (and while
    // playing that is always), so only on their turn.
    if (turn.lists || turn.timeline) {
      this.#inspector.update(v, `${v.stats.events}/${this.#pg.applied()}`, !running);
      this.#sequence.update(v, `${v.stats.events}/${this.#pg.applied()}`);
    }
    this.#explorer.update(this.#pg.applied(), v.servers.length);
    C.updateNet(ui, v, this.shadowRoot.activeElement);
    C.updateSwitches(ui, v, this.shadowRoot.activeElement);
    this.#updateTimeline(v, sizes, turn.timeline);
    // The cluster size the run started with (servers added later do not change it).
    const size = String(v.config.servers);
    if (ui.servers.value !== size) {
      if (![...ui.servers.options].some((o) => o.value === size)) ui.servers.add(new Option(size, size));
      ui.servers.value = size;
    }
    ui.root.classList.toggle('violated', v.violations.length > 0);
  }

  /** The stage's canvas: click a server for its menu, a message to inspect it, a link to cut or
   * repair it; hover for details. A finger is less precise than a mouse: touches hit links and
   * servers from further away. (Again for a new canvas: see #startLoop.) */
  #wireCanvas() {
    const ui = this.#ui;
    let touch = false;
    ui.canvas.addEventListener('pointerdown', (e) => (touch = e.pointerType === 'touch' || e.pointerType === 'pen'), { passive: true });
    const at = (e, messages = true) => {
      const r = ui.canvas.getBoundingClientRect();
      const slop = touch ? TOUCH_SLOP : 6;
      return this.#view && this.#layout ? hitTest(this.#view, this.#layout, e.clientX - r.left, e.clientY - r.top, messages, slop) : null;
    };
    ui.canvas.addEventListener('click', (e) => {
      const hit = at(e);
      if (hit && hit.type === 'server') {
        this.#kbServer = hit.id;
        this.#inspector.select({ server: hit.id });
        if (ui.menu.dataset.server === String(hit.id)) return C.closeMenu(ui);
        this.#openMenuFor(hit.id, false);
      } else if (hit && hit.type === 'message') {
        C.closeMenu(ui);
        this.#inspector.select({ message: hit.m.id });
      } else if (hit && hit.type === 'link') {
        C.closeMenu(ui);
        const state = linkState(this.#view, hit.a, hit.b);
        if (state === 'partition') this.#notice(`S${hit.a} and S${hit.b} are in different partitions: use "Heal network".`, 'info');
        else this.#act({ type: state === 'up' ? 'cut' : 'repair', a: hit.a, b: hit.b });
      } else C.closeMenu(ui);
    });
    ui.canvas.addEventListener('mousemove', (e) => {
      const hit = at(e);
      const key = hit ? `${hit.type}${hit.id ?? ''}${hit.a ?? ''}-${hit.b ?? ''}${hit.m ? hit.m.id : ''}` : '';
      if (key === (this.#hover?.key ?? '')) return;
      this.#hover = hit ? { ...hit, key } : null;
      ui.canvas.style.cursor = hit ? 'pointer' : '';
      let title = '';
      if (hit?.type === 'message') title = (this.#wasm(() => this.#pg.message_text(hit.m.id)) ?? hit.m.kind) + (hit.m.lost ? ' — will be lost' : '') + ': click to inspect';
      else if (hit?.type === 'link') title = `S${hit.a}–S${hit.b}: click to ${linkState(this.#view, hit.a, hit.b) === 'up' ? 'cut' : 'repair'} this link`;
      else if (hit?.type === 'server') title = `S${hit.id}: click to inspect it and for actions`;
      ui.canvas.title = title;
      this.#invalidate();
    });
    ui.canvas.addEventListener('mouseleave', () => {
      if (this.#hover) {
        this.#hover = null;
        this.#invalidate();
      }
    });
  }

  /** The term strip: refetched when the narration grew (at most every 250 ms of wall time while
   * playing), redrawn when its cursor moved by a pixel. */
  #drawStrip(v, sizes) {
    const ui = this.#ui;
    const pg = this.#pg;
    const end = Math.max(pg.end_ms(), v.time_ms);
    const count = pg.note_count();
    const now = performance.now();
    const stale = this.#strip && this.#strip.count !== count && (!this.#loop.playing || now - this.#strip.at > 250);
    if (!this.#strip || stale || this.#stripAt === -1) {
      this.#strip = { data: pg.strip(), count, at: now };
      this.#stripAt = -1;
    }
    const n = v.servers.length;
    const cursor = Math.round((v.time_ms / Math.max(end, this.#strip.data.end_ms, 1e-9)) * sizes.strip);
    // While playing, the whole run rescales as it grows: redrawn at most every 100 ms (it is a
    // map of the run, not an animation); paused, at once.
    const due = !this.#loop.playing || this.#stripAt === -1 || now - (this.#strip.drawnAt ?? 0) > 100;
    if ((this.#stripAt !== cursor || this.#strip.drawn !== this.#strip.count) && due) {
      drawStrip(ui.strip, this.#strip.data, v.time_ms, n, STRIP_THEME[this.#dark ? 'dark' : 'light'], sizes.strip, sizes.stripH);
      this.#stripAt = cursor;
      this.#strip.drawn = this.#strip.count;
      this.#strip.drawnAt = now;
    }
  }

  /** The scrubber and its labels; the event list too if `events`. */
  #updateTimeline(v, sizes, events) {
    const ui = this.#ui;
    const pg = this.#pg;
    const end = Math.max(pg.end_ms(), v.time_ms);
    // The scrubber and the strip's cursor move only when they would move by a pixel.
    const px = Math.round((v.time_ms / Math.max(end, 1e-9)) * sizes.scrubber);
    const scrubKey = `${px}/${end === v.time_ms}`;
    if (this.#shadowActive() !== ui.scrubber && (ui.keys.scrub !== scrubKey || !this.#loop.playing)) {
      ui.keys.scrub = scrubKey;
      ui.scrubber.max = String(end);
      ui.scrubber.value = String(v.time_ms);
    }
    const endText = `of ${this.#loop.playing ? C.fmtClock(end, this.#playSpeed()) : C.fmtMs(end)}`;
    C.setText(ui.scrubEnd, endText);
    C.setHidden(ui.branch, !(v.time_ms < end - 1e-9) || this.#loop.playing);
    C.setHidden(ui.forked, !pg.can_undo());
    this.#narration.setServers(v.servers.length);
    if (events) this.#narration.update({ events: pg.events(), applied: pg.applied(), notes: pg.note_count(), end: pg.end_ms() });
  }

  #shadowActive() {
    return this.shadowRoot.activeElement;
  }

  // ---- input ----
  #wire() {
    const ui = this.#ui;
    ui.play.onclick = () => (this.paused ? this.play() : this.pause());
    ui.step.onclick = () => this.#step(1);
    ui.fwd.onclick = () => this.#step(1);
    ui.back.onclick = () => this.#step(-1);
    ui.speed.oninput = () => this.setSpeed(fromSlider(Number(ui.speed.value)));
    // The scrubber: dragging seeks (the simulation pauses).
    ui.scrubber.oninput = () => {
      this.pause();
      this.#bounded(() => this.#pg.seek(Number(ui.scrubber.value)));
      this.#invalidate();
    };
    ui.scrubber.onchange = () => this.#invalidate();
    // Scrolling the log table brings other columns into sight: they come with the next frame.
    ui.logscroll.addEventListener('scroll', () => C.logScrolled(ui) && this.#invalidate(), { passive: true });
    ui.strip.addEventListener('click', (e) => {
      const r = ui.strip.getBoundingClientRect();
      const end = Math.max(this.#pg.end_ms(), this.#pg.time_ms());
      this.pause();
      this.#bounded(() => this.#pg.seek(stripTimeAt(r.width, e.clientX - r.left, end)));
      this.#invalidate();
    });
    ui.root.querySelector('[data-cmd=undo]').onclick = () => {
      this.pause();
      if (this.#wasm(() => this.#pg.undo_fork())) {
        // The future that comes back was told as it first happened.
        this.#eventsSeen = this.#wasm(() => this.#pg.note_count()) ?? 0;
        this.#notice('The recorded future is back.', 'info');
      }
      this.#invalidate();
    };
    // Reset: back to the start of the run (a scenario or a link keeps its recorded future; free
    // play starts over with the same seed and the settings as they are now).
    ui.root.querySelector('[data-cmd=reset]').onclick = () => {
      if (this.#scenario) this.#playScenario(this.#scenario.name);
      else if (this.#fromLink) {
        this.#wasm(() => this.#pg.reset());
        this.#install(this.#pg);
      } else this.#rebuild(this.#configNow(true));
    };
    ui.scenario.onchange = () => this.#playScenario(ui.scenario.value);
    ui.root.querySelector('[data-cmd=newseed]').onclick = () => this.#rebuild(this.#configNow(false));
    ui.servers.onchange = () => this.#rebuild({ ...this.#configNow(true), servers: Number(ui.servers.value) });
    ui.root.querySelector('[data-cmd=copy]').onclick = () => this.#copyLink();
    const hold = (on) => this.#act({ type: on ? 'hold' : 'release' });
    ui.hold.onclick = () => hold(!this.#view?.held);
    ui.root.querySelector('[data-cmd=release]').onclick = () => hold(false);
    ui.root.querySelector('[data-cmd=heal]').onclick = () => {
      if (this.#act({ type: 'heal' })) ui.partErr.textContent = '';
    };
    ui.partForm.onsubmit = (e) => {
      e.preventDefault();
      ui.partErr.textContent = '';
      let groups;
      try {
        groups = C.parsePartition(ui.partition.value, this.#view.servers.length);
      } catch (err) {
        ui.partErr.textContent = err.message;
        return;
      }
      this.#act({ type: 'partition', groups }, ui.partErr);
    };
    for (const input of ui.net) {
      input.onchange = () => {
        const x = Number(input.value);
        if (input.value.trim() === '' || !Number.isFinite(x)) {
          this.#notice(`${input.dataset.net}: "${input.value}" is not a number`, 'error');
          ui.keys.net = null;
          return;
        }
        if (!this.#act({ type: 'network', [input.dataset.net]: x })) ui.keys.net = null;
      };
      input.onblur = () => this.#invalidate();
    }
    // Protocol switches apply live.
    for (const input of ui.opts) {
      const k = input.dataset.opt;
      input.onchange = () => {
        let x = input.checked;
        if (input.type === 'number') {
          x = Number(input.value);
          if (input.value.trim() === '' || !Number.isFinite(x) || x < 0) {
            this.#notice(`${k}: "${input.value}" is not a number ≥ 0`, 'error');
            ui.keys.opts = null;
            return;
          }
        }
        if (!this.#act({ type: 'options', [k]: x })) ui.keys.opts = null;
      };
      if (input.type === 'number') input.onblur = () => this.#invalidate();
    }
    // Break a rule: one at a time, live; "show me" plays the scenario that shows the failure.
    for (const input of ui.ruleInputs) {
      input.onchange = () => {
        if (!this.#act({ type: 'options', break: input.value })) return void (ui.keys.opts = null);
        const r = ui.rules.find((x) => x.id === input.value);
        if (r) this.#notice(`Rule broken on purpose: ${r.rule} (${r.source}). ${r.caught_by} should catch what goes wrong.`, 'warn');
      };
    }
    for (const b of ui.ruleList.querySelectorAll('button[data-scenario]')) {
      b.onclick = (e) => {
        e.preventDefault();
        this.#playScenario(b.dataset.scenario);
      };
    }

    // Membership.
    ui.add.onclick = () => {
      ui.memErr.textContent = '';
      this.#act({ type: 'add_server' }, ui.memErr); // the ring and this panel show the new learner
    };
    ui.changeForm.onsubmit = (e) => {
      e.preventDefault();
      ui.memErr.textContent = '';
      if (this.#act(`change ${ui.changeIds.value.trim()}`, ui.memErr)) ui.changeIds.value = '';
    };

    // Client panel: send a command to the leader or a chosen server.
    ui.sendForm.onsubmit = (e) => {
      e.preventDefault();
      ui.sendErr.textContent = '';
      const v = this.view();
      const server = ui.target.value ? Number(ui.target.value) : v.leader;
      if (server == null) {
        ui.sendErr.textContent = 'No leader right now: pick a server (a follower redirects; the client retries elsewhere on a timeout).';
        return;
      }
      this.#act({ type: 'request', server, command: ui.ccmd.value.trim() }, ui.sendErr);
    };
    ui.ccmd.addEventListener('input', () => (ui.sendErr.textContent = ''));

    this.#wireCanvas();

    // Server menu.
    ui.menu.addEventListener('click', (e) => {
      const peer = e.target.closest('[data-peer]');
      if (peer && !peer.disabled) {
        const a = Number(ui.menu.dataset.server);
        const up = peer.getAttribute('aria-pressed') === 'true';
        if (this.#act({ type: up ? 'cut' : 'repair', a, b: Number(peer.dataset.peer) }, ui.menuErr)) {
          this.#openMenuFor(a, false);
          ui.links.querySelector(`[data-peer="${peer.dataset.peer}"]`)?.focus();
        }
        return;
      }
      const b = e.target.closest('[data-action]');
      if (!b || b.disabled) return;
      this.#menuAction(b.dataset.action);
    });
    ui.reqForm.onsubmit = (e) => {
      e.preventDefault();
      this.#menuAction('request');
    };
    // The menu from the keyboard: arrows move between items, Escape closes it (back to its server).
    ui.menu.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        this.#closeMenu(true);
        return;
      }
      const items = C.menuItems(ui);
      const k = items.indexOf(e.composedPath()[0]);
      const to = { ArrowDown: k + 1, ArrowUp: k - 1, Home: 0, End: items.length - 1 }[e.key];
      if (k < 0 || to === undefined || !items.length) return;
      e.preventDefault();
      e.stopPropagation();
      items[(to + items.length) % items.length].focus();
    });
    // The servers from the keyboard: a roving-tabindex group over the ring.
    ui.srvs.addEventListener('keydown', (e) => {
      const b = e.composedPath()[0];
      const id = Number(b?.dataset?.id);
      if (!id) return;
      const n = this.#view?.servers.length ?? 0;
      const next = { ArrowRight: id + 1, ArrowDown: id + 1, ArrowLeft: id - 1, ArrowUp: id - 1, Home: 1, End: n }[e.key];
      if (next !== undefined && n) {
        e.preventDefault();
        e.stopPropagation();
        this.#kbServer = ((next - 1 + n) % n) + 1;
        C.updateServerButtons(ui, this.#view, this.#layout, this.#kbServer);
        ui.srvs.querySelector(`[data-id="${this.#kbServer}"]`)?.focus();
      } else if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        e.stopPropagation();
        this.#kbServer = id;
        this.#openMenuFor(id, true);
      }
    });
    ui.cmd.addEventListener('input', () => (ui.menuErr.textContent = ''));
    // The inspector follows the server that has the keyboard focus in the ring.
    ui.srvs.addEventListener('focusin', (e) => {
      const id = Number(e.target?.dataset?.id);
      if (id && this.#inspector.selection?.server !== id) this.#inspector.select({ server: id });
    });

    this.addEventListener('keydown', (e) => this.#key(e));
    ui.root.addEventListener('pointerdown', (e) => {
      if (!ui.menu.hidden && !e.composedPath().some((n) => n === ui.menu || n === ui.canvas)) C.closeMenu(ui);
    });
  }

  /** Open server `id`'s menu beside it (moving focus into it when opened from the keyboard). */
  #openMenuFor(id, focus) {
    const ui = this.#ui;
    const v = this.view();
    const s = v?.servers[id - 1];
    const p = this.#layout?.pos[id - 1];
    if (!s || !p) return;
    C.openMenu(ui, v, s, ui.canvas.offsetLeft + p.x, ui.canvas.offsetTop + p.y, this.#layout.r);
    if (!ui.cmd.value || ui.cmd.dataset.used === '1') this.#freshCommand();
    if (focus) C.menuItems(ui)[0]?.focus();
  }

  /** Close the menu; `refocus`: give the keyboard back to the server it was for. */
  #closeMenu(refocus) {
    const ui = this.#ui;
    const id = ui.menu.dataset.server;
    C.closeMenu(ui);
    if (refocus && id) ui.srvs.querySelector(`[data-id="${id}"]`)?.focus();
  }

  #menuAction(action) {
    const ui = this.#ui;
    const server = Number(ui.menu.dataset.server);
    if (!server) return;
    if (action === 'request') {
      const command = ui.cmd.value.trim();
      if (this.#act({ type: 'request', server, command }, ui.menuErr)) {
        ui.cmd.dataset.used = '1';
        C.closeMenu(ui);
        this.#notice(`Sent "${command}" to S${server}.`, 'info');
      }
      return;
    }
    if (action === 'inspect') {
      C.closeMenu(ui);
      this.#inspector.select({ server }, true);
      return;
    }
    const type = { remove: 'remove_server' }[action] ?? action;
    const fromKeyboard = ui.menu.contains(this.shadowRoot.activeElement);
    if (this.#act({ type, server }, ui.menuErr)) {
      this.#closeMenu(fromKeyboard);
      if (action === 'remove') this.#notice(`Asked the leader to remove S${server} (C_old,new, then C_new).`, 'info');
      else if (action === 'transfer') this.#notice(`Asked the leader to hand leadership to S${server}.`, 'info');
    }
  }

  #freshCommand() {
    const k = this.#cmdCount++;
    this.#ui.cmd.value = `${KEYS[k % KEYS.length]} <- ${k + 1}`;
    this.#ui.cmd.dataset.used = '0';
  }

  #key(e) {
    const t = e.composedPath()[0];
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    if (e.key === ' ' && !(t && t.tagName === 'BUTTON')) {
      e.preventDefault();
      this.paused ? this.play() : this.pause();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      this.#step(1);
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      this.#step(-1);
    } else if (e.key === 'Escape') this.#closeMenu(false);
  }

  /** One step forward (the next event or recorded action) or back. */
  #step(dir) {
    if (this.#dead) return;
    this.pause();
    let event;
    if (dir > 0) {
      event = this.#wasm(() => this.#pg.step());
      if (this.#dead) return;
      if (event == null) this.#notice('Nothing to step: the run has stopped.', 'info');
    } else {
      const moved = this.#wasm(() => this.#pg.step_back());
      if (this.#dead) return;
      event = moved ? `back to ${C.fmtMs(this.#pg.time_ms(), true)}` : null;
      if (!moved) this.#notice('This is the start of the run.', 'info');
    }
    this.#ui.event.textContent = event != null ? `step: ${event}` : '';
    this.#invalidate();
  }

  /** The current cluster's config (every setting by name), for rebuilding (optionally keeping the seed). */
  #configNow(keepSeed) {
    const v = this.#view || this.view();
    const c = { ...(v?.config ?? {}) };
    if (keepSeed && v) c.seed = v.seed;
    return c;
  }

  #copyLink() {
    const href = this.permalink();
    if (!href) return;
    if (this.hasAttribute('url-params')) history.replaceState(null, '', href);
    const show = () => {
      // No clipboard (an iframe without permission, an old browser): a field to copy from.
      const input = document.createElement('input');
      input.className = 'linkfield';
      input.readOnly = true;
      input.value = href;
      input.setAttribute('aria-label', 'link to this run');
      const box = this.#notice('Copy this link to the run: ', 'warn', input);
      input.focus();
      input.select();
      return box;
    };
    const clip = navigator.clipboard;
    if (!clip?.writeText || window.top !== window) return show();
    clip.writeText(href).then(() => this.#notice(`Link copied (${href.length} characters): ${href}`, 'info'), show);
  }
}

if (!customElements.get('raft-playground')) customElements.define('raft-playground', RaftPlayground);
