// Canvas drawing of the cluster: servers on a ring, links, messages in flight, election timers.
// Pure functions of (view, layout) onto a 2D context; the only state is what the layout caches:
// the sprites (one per message look, one per server's body and labels) and the links layer. Runs
// in the stage's worker (stage-worker.js), or on the page without one.
import { memberState, linkState, edgePoints, messagePoint, labelHeight, timerGap } from './render.js';

export const ROLE = {
  follower: { fill: '#e7edf6', stroke: '#5c6f89', label: 'follower' },
  precandidate: { fill: '#fff4c2', stroke: '#c99700', label: 'pre-candidate' },
  candidate: { fill: '#ffd9b0', stroke: '#e8590c', label: 'candidate' },
  leader: { fill: '#c6efcf', stroke: '#2b8a3e', label: 'leader' },
  crashed: { fill: '#eceef0', stroke: '#a5acb4', label: 'crashed' },
};

export const MSG = {
  RequestVote: '#e8590c',
  PreVote: '#c99700',
  AppendEntries: '#1c6dd0',
  InstallSnapshot: '#7048e8',
  TimeoutNow: '#d6336c',
  ok: '#2b8a3e',
  bad: '#e03131',
};

/** The colours drawn on the stage's background, per theme (the servers and messages keep theirs). */
export const INK = {
  light: { label: '#212529', sub: '#5c6370', dead: '#868e96', link: '#dfe3e8', linkHot: '#5c6f89', timerBg: '#e9ecef', timer: '#868e96', focus: '#1c6dd0', lost: '#212529' },
  dark: { label: '#e9ecef', sub: '#a9b0b7', dead: '#8f969d', link: '#3a4048', linkHot: '#8fa3bf', timerBg: '#30353c', timer: '#a9b0b7', focus: '#74b3ff', lost: '#e9ecef' },
};

const FONT = 'system-ui, "DejaVu Sans", sans-serif';

const GROUP_TINTS = ['#4dabf7', '#f783ac', '#69db7c', '#ffa94d', '#9775fa', '#3bc9db', '#e599f7', '#a9e34b', '#ffd43b'];

/** A small canvas for a sprite: an OffscreenCanvas where there is one (in a worker there is no
 * document), else a canvas element. */
const surface = () => (typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1) : document.createElement('canvas'));

/** Draw the cluster `view` onto `ctx` (its transform set to CSS pixels) with layout `L` (from
 * render.js's layout(), plus `ink`, the theme's colours, `still`, reduced motion, and `plain`,
 * servers drawn directly rather than from their sprites, which the tests compare); `hover`:
 * what the pointer is over (a hitTest() answer), `selected`: what the inspector shows; `t`: the
 * network's clock (ms) to draw timers and messages at, by default the view's own (it stands still
 * while the network is held). */
export function draw(ctx, view, L, hover, selected = null, t = view.clock_ms ?? view.time_ms) {
  const ink = L.ink || INK.light;
  // An explicit direction: the default ("inherit") makes every fillText read the canvas's
  // computed style, which brings the whole page's style up to date first.
  ctx.direction = 'ltr';
  ctx.clearRect(0, 0, L.w, L.h);
  const dpr = ctx.getTransform().a;
  // The links layer (partition tints, links, one-way cuts) changes only when a link does, or the
  // pointer moves onto one: drawn once into a canvas of the stage's size and copied.
  if (L.plain) drawLinks(ctx, view, L, hover, ink);
  else drawLinksLayer(ctx, view, L, hover, ink, dpr);

  // Messages in flight (under the servers, so they appear to leave and enter them).
  for (const m of view.messages) drawMessage(ctx, L, m, t, dpr);

  // Servers.
  for (const s of view.servers) drawServer(ctx, L, view, s, t, hover && hover.type === 'server' && hover.id === s.id);

  // What the inspector shows: a dashed ring around it.
  const sel = selected?.server != null ? L.pos[selected.server - 1] : null;
  const m = selected?.message != null ? view.messages.find((x) => x.id === selected.message) : null;
  const at = sel ? { ...sel, r: L.r + Math.max(6, L.r * 0.22) } : m && m.from <= L.n && m.to <= L.n ? { ...messagePoint(L, m, t), r: 11 } : null;
  if (at) {
    ctx.strokeStyle = ink.focus;
    ctx.lineWidth = 2;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.arc(at.x, at.y, at.r, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.setLineDash([]);
  }
}

/** The links layer from its copy on `L` (`L.links`: {key, canvas}), redrawn when what it shows
 * changed: the stage's size and pixel ratio, the theme, the servers, the partition, the cut and
 * one-way links, the link under the pointer. */
function drawLinksLayer(ctx, view, L, hover, ink, dpr) {
  const hot = hover?.type === 'link' ? `${hover.a}-${hover.b}` : '';
  const key = `${L.w}x${L.h}@${dpr}|${L.n}|${ink.link}|${hot}|${view.groups.slice(0, view.servers.length)}|${view.cut}|${view.one_way ?? ''}`;
  let layer = L.links;
  if (!layer || layer.key !== key) {
    const canvas = layer?.canvas ?? surface();
    // At least a pixel (as the stage's own canvas): a stage of no size still draws (a canvas of
    // width 0 cannot be copied).
    canvas.width = Math.max(1, Math.round(L.w * dpr));
    canvas.height = Math.max(1, Math.round(L.h * dpr));
    const c = canvas.getContext('2d');
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawLinks(c, view, L, hover, ink);
    layer = L.links = { key, canvas };
  }
  ctx.drawImage(layer.canvas, 0, 0, layer.canvas.width / dpr, layer.canvas.height / dpr);
}

/** Partition tints, links and one-way cuts. */
function drawLinks(ctx, view, L, hover, ink) {
  // view.groups has a slot for every possible server id; only the first n are servers.
  const groups = view.groups.slice(0, view.servers.length);
  const partitioned = groups.some((g) => g !== groups[0]);

  // Partition groups: a soft tint behind the members of each group.
  if (partitioned) {
    const ids = [...new Set(groups)];
    groups.forEach((g, i) => {
      const p = L.pos[i];
      ctx.fillStyle = GROUP_TINTS[ids.indexOf(g) % GROUP_TINTS.length] + '33';
      ctx.beginPath();
      ctx.arc(p.x, p.y, L.r * 1.75, 0, 2 * Math.PI);
      ctx.fill();
    });
  }

  // Links.
  ctx.lineWidth = 1.5;
  for (let a = 1; a <= L.n; a++) {
    for (let b = a + 1; b <= L.n; b++) {
      const s = linkState(view, a, b);
      const hot = hover && hover.type === 'link' && hover.a === a && hover.b === b;
      const e = edgePoints(L, a, b);
      ctx.setLineDash(s === 'up' || s === 'oneway' ? [] : [6, 5]);
      ctx.strokeStyle = s === 'up' || s === 'oneway' ? (hot ? ink.linkHot : ink.link) : s === 'cut' ? '#e03131' : '#e0313155';
      ctx.lineWidth = hot ? 3 : 1.5;
      ctx.beginPath();
      ctx.moveTo(e.x1, e.y1);
      ctx.lineTo(e.x2, e.y2);
      ctx.stroke();
    }
  }
  ctx.setLineDash([]);
  // One-way cuts: the lost direction's half of the link, dashed red from its sender.
  for (const [from, to] of view.one_way ?? []) {
    if (from > L.n || to > L.n) continue;
    const e = edgePoints(L, from, to);
    ctx.strokeStyle = '#e03131';
    ctx.lineWidth = 2.5;
    ctx.setLineDash([5, 4]);
    ctx.beginPath();
    ctx.moveTo(e.x1, e.y1);
    ctx.lineTo((e.x1 + e.x2) / 2, (e.y1 + e.y2) / 2);
    ctx.stroke();
  }
  ctx.setLineDash([]);

}

/** A message in flight: its glyph, drawn once into a sprite per look (kind, outcome, entries,
 * lost, size, pixel ratio) and then copied, at whole device pixels (a hundred messages in flight
 * drew ~1 ms of paths and text a frame). */
function drawMessage(ctx, L, m, t, dpr) {
  if (m.from < 1 || m.to < 1 || m.from > L.n || m.to > L.n) return;
  const { x, y } = messagePoint(L, m, t);
  const k = Math.max(0.6, Math.min(1, L.r / 30));
  const key = `${m.kind}|${m.ok}|${m.kind === 'AppendEntries' ? m.entries : ''}|${m.lost}|${k}|${dpr}`;
  const sprites = (L.sprites ??= new Map());
  let sprite = sprites.get(key);
  if (!sprite) {
    if (sprites.size > 400) sprites.clear();
    const half = Math.ceil(12 * k) + 2;
    sprite = { half, canvas: surface() };
    sprite.canvas.width = sprite.canvas.height = Math.ceil(2 * half * dpr);
    const c = sprite.canvas.getContext('2d');
    c.direction = 'ltr';
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawGlyph(c, L, m, half, half, k);
    sprites.set(key, sprite);
  }
  const px = Math.round((x - sprite.half) * dpr) / dpr;
  const py = Math.round((y - sprite.half) * dpr) / dpr;
  ctx.drawImage(sprite.canvas, px, py, sprite.canvas.width / dpr, sprite.canvas.height / dpr);
}

/** A message's glyph centred at (x, y), `k`: its size. */
function drawGlyph(ctx, L, m, x, y, k) {
  ctx.save();
  ctx.globalAlpha = m.lost ? 0.4 : 1;
  ctx.lineWidth = 2;
  const reply = m.ok === true ? MSG.ok : MSG.bad;
  switch (m.kind) {
    case 'RequestVote':
      dot(ctx, x, y, 6 * k, MSG.RequestVote);
      break;
    case 'PreVote':
      ring(ctx, x, y, 5.5 * k, MSG.PreVote, [3, 2]);
      break;
    case 'RequestVoteReply':
      dot(ctx, x, y, 5.5 * k, reply);
      mark(ctx, x, y, 2.6 * k, m.ok, '#fff');
      break;
    case 'PreVoteReply':
      ring(ctx, x, y, 5 * k, reply, [3, 2]);
      break;
    case 'AppendEntries': {
      const r = 9 * k;
      dot(ctx, x, y, r, MSG.AppendEntries);
      ctx.fillStyle = '#fff';
      ctx.font = `bold ${Math.round(10 * k)}px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(String(m.entries), x, y + 0.5);
      break;
    }
    case 'Heartbeat':
      ring(ctx, x, y, 4 * k, MSG.AppendEntries);
      break;
    case 'InstallSnapshot': {
      // A document: a larger sheet with a folded corner and text lines.
      const w = 8 * k;
      const h = 10 * k;
      const f = 4 * k;
      ctx.fillStyle = MSG.InstallSnapshot;
      ctx.beginPath();
      ctx.moveTo(x - w, y - h);
      ctx.lineTo(x + w - f, y - h);
      ctx.lineTo(x + w, y - h + f);
      ctx.lineTo(x + w, y + h);
      ctx.lineTo(x - w, y + h);
      ctx.closePath();
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.3;
      ctx.beginPath();
      for (let j = -1; j <= 1; j++) {
        ctx.moveTo(x - w * 0.55, y + j * h * 0.42);
        ctx.lineTo(x + w * 0.55, y + j * h * 0.42);
      }
      ctx.stroke();
      break;
    }
    case 'InstallSnapshotReply': {
      const s = 4.5 * k;
      ctx.fillStyle = MSG.InstallSnapshot;
      ctx.fillRect(x - s, y - s, 2 * s, 2 * s);
      mark(ctx, x, y, 2.4 * k, true, '#fff');
      break;
    }
    case 'TimeoutNow':
      star(ctx, x, y, 8.5 * k, MSG.TimeoutNow);
      break;
    case 'AppendEntriesReply': {
      const s = 4.5 * k;
      ctx.fillStyle = m.ok ? MSG.ok : MSG.bad;
      ctx.beginPath();
      ctx.moveTo(x, y - s);
      ctx.lineTo(x + s, y);
      ctx.lineTo(x, y + s);
      ctx.lineTo(x - s, y);
      ctx.closePath();
      ctx.fill();
      break;
    }
    default:
      dot(ctx, x, y, 4, '#888');
  }
  if (m.lost) {
    ctx.globalAlpha = 0.9;
    cross(ctx, x, y, 5 * k, (L.ink || INK.light).lost, 1.8);
  }
  ctx.restore();
}

function dot(ctx, x, y, r, color) {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
}

function ring(ctx, x, y, r, color, dash) {
  ctx.fillStyle = '#fff';
  ctx.strokeStyle = color;
  ctx.setLineDash(dash || []);
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
  ctx.setLineDash([]);
}

function star(ctx, x, y, r, color) {
  ctx.fillStyle = color;
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const d = i % 2 ? r * 0.45 : r;
    ctx.lineTo(x + d * Math.cos(a), y + d * Math.sin(a));
  }
  ctx.closePath();
  ctx.fill();
}

function cross(ctx, x, y, s, color, w) {
  ctx.strokeStyle = color;
  ctx.lineWidth = w;
  ctx.beginPath();
  ctx.moveTo(x - s, y - s);
  ctx.lineTo(x + s, y + s);
  ctx.moveTo(x + s, y - s);
  ctx.lineTo(x - s, y + s);
  ctx.stroke();
}

/** A check (ok) or a cross (not ok) of half-size s. */
function mark(ctx, x, y, s, ok, color) {
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.6;
  ctx.beginPath();
  if (ok) {
    ctx.moveTo(x - s, y);
    ctx.lineTo(x - s * 0.25, y + s * 0.8);
    ctx.lineTo(x + s, y - s * 0.8);
  } else {
    ctx.moveTo(x - s * 0.8, y - s * 0.8);
    ctx.lineTo(x + s * 0.8, y + s * 0.8);
    ctx.moveTo(x + s * 0.8, y - s * 0.8);
    ctx.lineTo(x - s * 0.8, y + s * 0.8);
  }
  ctx.stroke();
}

/** Server `s`: its election timer, drawn live (it runs down with the clock), then its body and
 * labels, which change only with its state: drawn once into a sprite per server and copied while
 * that state lasts (the servers' text and paths were ~70 % of drawing a 9-server stage). */
function drawServer(ctx, L, view, s, t, hot) {
  const p = L.pos[s.id - 1];
  if (!p) return;
  const member = memberState(view, s.id);
  if (s.alive && s.election_deadline_ms != null && s.election_start_ms != null) {
    if (member === 'removed') ctx.globalAlpha = 0.4;
    drawTimer(ctx, L, p, s, t);
    ctx.globalAlpha = 1;
  }
  const look = serverLook(L, s, member, hot);
  if (L.plain) {
    drawBody(ctx, L, p, s, look);
    return;
  }
  const dpr = ctx.getTransform().a;
  const key = `${look.key}|${dpr}`;
  const bodies = (L.bodies ??= []);
  let sprite = bodies[s.id];
  if (!sprite || sprite.key !== key) {
    // The sprite's corner sits on a whole device pixel and its content keeps the fractional
    // offset it has on the stage, so the copy lands on the pixels drawing it directly would.
    const b = bodyBox(ctx, L, p, look);
    const x = Math.floor((p.x + b.x0) * dpr) / dpr;
    const y = Math.floor((p.y + b.y0) * dpr) / dpr;
    const canvas = sprite?.canvas ?? surface();
    canvas.width = Math.ceil((p.x + b.x1 - x) * dpr) + 1;
    canvas.height = Math.ceil((p.y + b.y1 - y) * dpr) + 1;
    const c = canvas.getContext('2d');
    c.direction = 'ltr';
    c.setTransform(dpr, 0, 0, dpr, -x * dpr, -y * dpr);
    drawBody(c, L, p, s, look);
    sprite = bodies[s.id] = { key, canvas, x, y };
  }
  ctx.drawImage(sprite.canvas, sprite.x, sprite.y, sprite.canvas.width / dpr, sprite.canvas.height / dpr);
}

/** The arc of server `s`'s election timer that is left at clock `t`, on its track. */
function drawTimer(ctx, L, p, s, t) {
  const r = L.r;
  const ink = L.ink || INK.light;
  const total = s.election_deadline_ms - s.election_start_ms;
  const left = total > 0 ? Math.max(0, Math.min(1, (s.election_deadline_ms - t) / total)) : 0;
  const rr = timerGap(r) - Math.max(2.5, r * 0.12) / 2;
  ctx.lineWidth = Math.max(2.5, r * 0.12);
  ctx.strokeStyle = ink.timerBg;
  ctx.beginPath();
  ctx.arc(p.x, p.y, rr, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.strokeStyle = left < 0.25 ? '#e8590c' : ink.timer;
  ctx.beginPath();
  ctx.arc(p.x, p.y, rr, -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * left);
  ctx.stroke();
}

/** What server `s`'s body and labels show besides its term and liveness, and `key`: all of that
 * in one string, what its sprite depends on (with the pixel ratio). */
function serverLook(L, s, member, hot) {
  const lines = [`S${s.id}`];
  const label = subLabel(s);
  const sub = member === 'voter' ? label : s.role === 'leader' || !s.alive ? `${member} · ${label}` : member;
  if (sub && L.n <= 12) lines.push(sub);
  const votes = s.role === 'candidate' || s.role === 'precandidate' ? s.votes.length : 0;
  const role = ROLE[s.role] ? s.role : 'follower';
  return { role, member, hot, votes, lines, key: `${role}|${s.term}|${s.alive}|${member}|${votes}|${lines}|${hot}` };
}

/** Where server `s`'s labels go: the first line's anchor (x, y), its alignment, the line height. */
function labelPlace(L, p, lines) {
  const c = Math.cos(p.a);
  const sn = Math.sin(p.a);
  const gap = timerGap(L.r) + 3;
  const lh = labelHeight(L.r);
  // Beside the server, vertically centred.
  if (L.side && Math.abs(sn) < 0.5) return { x: p.x + Math.sign(c) * gap, y: p.y - (lh * (lines.length - 1)) / 2, align: c > 0 ? 'left' : 'right', lh };
  if (sn < -0.01 && L.n > 1) return { x: p.x, y: p.y - gap - lh * (lines.length - 0.5), align: 'center', lh };
  return { x: p.x, y: p.y + gap + lh * 0.5, align: 'center', lh };
}

const labelFont = (k, lh) => (k === 0 ? `bold ${Math.round(lh)}px ${FONT}` : `${Math.round(lh * 0.82)}px ${FONT}`);

/** The box (from the server's centre) its body, hover ring and labels cover. */
function bodyBox(ctx, L, p, look) {
  const e = L.r + Math.max(9, L.r * 0.3) + 2;
  let x0 = -e, x1 = e, y0 = -e, y1 = e;
  const at = labelPlace(L, p, look.lines);
  look.lines.forEach((text, k) => {
    ctx.font = labelFont(k, at.lh);
    const w = ctx.measureText(text).width + 2;
    const left = at.align === 'left' ? at.x : at.align === 'right' ? at.x - w : at.x - w / 2;
    x0 = Math.min(x0, left - 1 - p.x);
    x1 = Math.max(x1, left + w - p.x);
    y0 = Math.min(y0, at.y + (k - 1) * at.lh - p.y);
    y1 = Math.max(y1, at.y + (k + 1) * at.lh - p.y);
  });
  return { x0, x1, y0, y1 };
}

/** Server `s`'s body (its role's colours, the leader's crown, its term, a crashed server's cross,
 * a candidate's votes) and its labels. */
function drawBody(ctx, L, p, s, look) {
  const r = L.r;
  const ink = L.ink || INK.light;
  const style = ROLE[look.role];
  const { member, hot } = look;
  ctx.save();
  if (member === 'removed') ctx.globalAlpha = 0.4;
  ctx.fillStyle = style.fill;
  ctx.strokeStyle = style.stroke;
  ctx.lineWidth = s.role === 'leader' ? Math.max(3, r * 0.14) : hot ? 3 : 2;
  ctx.beginPath();
  ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
  ctx.fill();
  // Learners (no vote yet): a dashed outline.
  if (member === 'learner') ctx.setLineDash([Math.max(3, r * 0.22), Math.max(2, r * 0.14)]);
  ctx.stroke();
  ctx.setLineDash([]);
  if (hot) {
    ctx.strokeStyle = ink.focus;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(p.x, p.y, r + Math.max(9, r * 0.3), 0, 2 * Math.PI);
    ctx.stroke();
  }
  if (s.role === 'leader') crown(ctx, p.x, p.y - r * 0.62, r * 0.36, style.stroke);

  // The term, large in the middle.
  ctx.fillStyle = s.alive ? '#212529' : '#9aa1a9';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `bold ${Math.round(r * 0.62)}px ${FONT}`;
  ctx.fillText(String(s.term), p.x, p.y + r * 0.08);
  if (r >= 20) {
    ctx.font = `${Math.round(r * 0.27)}px ${FONT}`;
    ctx.fillStyle = s.alive ? '#5c6370' : '#9aa1a9';
    ctx.fillText('term', p.x, p.y + r * 0.58);
  }
  if (!s.alive) cross(ctx, p.x, p.y, r * 0.6, '#adb5bdcc', Math.max(2, r * 0.09));

  // Candidates: one small dot per vote granted so far, on the circle.
  for (let k = 0; k < look.votes; k++) {
    const a = -Math.PI / 2 + ((k - (look.votes - 1) / 2) * 0.45);
    dot(ctx, p.x + Math.cos(a) * r, p.y + Math.sin(a) * r, Math.max(2.5, r * 0.11), s.role === 'candidate' ? MSG.RequestVote : MSG.PreVote);
  }

  // Labels outside the ring: the name and who it voted for / how many votes it has.
  const at = labelPlace(L, p, look.lines);
  ctx.textAlign = at.align;
  ctx.textBaseline = 'middle';
  look.lines.forEach((text, k) => {
    ctx.font = labelFont(k, at.lh);
    ctx.fillStyle = k === 0 ? (s.alive ? ink.label : ink.dead) : ink.sub;
    ctx.fillText(text, at.x, at.y + k * at.lh);
  });
  ctx.restore();
}

function subLabel(s) {
  if (!s.alive) return 'crashed';
  // Votes needed: a majority of the voters of the configuration the candidate uses.
  const need = Math.floor(Math.max(1, s.membership.voters.length) / 2) + 1;
  if (s.role === 'leader') return 'leader';
  if (s.role === 'candidate') return `votes ${s.votes.length}/${need}`;
  if (s.role === 'precandidate') return `pre-votes ${s.votes.length}/${need}`;
  if (s.voted_for != null) return `voted S${s.voted_for}`;
  return '';
}

function crown(ctx, x, y, s, color) {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(x - s, y + s * 0.45);
  ctx.lineTo(x - s, y - s * 0.35);
  ctx.lineTo(x - s * 0.5, y + s * 0.05);
  ctx.lineTo(x, y - s * 0.55);
  ctx.lineTo(x + s * 0.5, y + s * 0.05);
  ctx.lineTo(x + s, y - s * 0.35);
  ctx.lineTo(x + s, y + s * 0.45);
  ctx.closePath();
  ctx.fill();
}
