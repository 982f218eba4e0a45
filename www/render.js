// The stage's geometry: where the servers of a ring go, where a message in flight is, what is
// under a point, how fast things move. Pure functions of (view, layout), shared by the page
// (hit testing, pacing) and the painter (draw.js, in the stage's worker).

/** Where server `id` stands in the cluster configuration (`view.membership`, as the leader sees it):
 * 'voter' | 'learner' | 'leaving' (in C_old only, while joint) | 'joining' (in C_new only) | 'removed'. */
export function memberState(view, id) {
  const m = view.membership;
  if (!m) return 'voter';
  const inNew = m.voters.includes(id);
  const inOld = m.outgoing.includes(id);
  if (m.learners.includes(id)) return 'learner';
  if (m.joint && inOld && !inNew) return 'leaving';
  if (m.joint && inNew && !inOld) return 'joining';
  return inNew || inOld ? 'voter' : 'removed';
}

/** Where everything goes for a canvas of w×h CSS pixels and n servers: the largest ring whose
 * servers and labels fit, centred. */
export function layout(w, h, n) {
  const lines = n > 12 ? 1 : 2; // label lines by each server: name, then vote / role
  const side = w >= 520; // wide: labels beside the side servers; narrow: above / below them
  const angles = Array.from({ length: n }, (_, i) => -Math.PI / 2 + (2 * Math.PI * i) / n);
  const box = (R, r) => {
    const gap = timerGap(r) + 3;
    const lh = labelHeight(r);
    const halfW = lines === 2 ? 46 : 14;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    const add = (a, b, c, d) => {
      x0 = Math.min(x0, a); x1 = Math.max(x1, b); y0 = Math.min(y0, c); y1 = Math.max(y1, d);
    };
    for (const a of angles) {
      const x = R * Math.cos(a);
      const y = R * Math.sin(a);
      add(x - gap, x + gap, y - gap, y + gap);
      const sn = Math.sin(a);
      if (side && Math.abs(sn) < 0.5) {
        const c = Math.cos(a) > 0 ? 1 : -1;
        add(Math.min(x, x + c * (gap + halfW * 2)), Math.max(x, x + c * (gap + halfW * 2)), y - lh * lines / 2, y + lh * lines / 2);
      } else if (sn < -0.01 && n > 1) add(x - halfW, x + halfW, y - gap - lh * lines, y);
      else add(x - halfW, x + halfW, y, y + gap + lh * lines);
    }
    return { x0, x1, y0, y1 };
  };
  const fits = (R, r) => {
    const b = box(R, r);
    return b.x1 - b.x0 <= w - 16 && b.y1 - b.y0 <= h - 20;
  };
  const largest = (r) => {
    let lo = 0;
    let hi = Math.max(w, h);
    for (let k = 0; k < 30; k++) {
      const mid = (lo + hi) / 2;
      if (fits(mid, r)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  let r = Math.max(7, Math.min(34, Math.min(w, h) * 0.085));
  let R = n === 1 ? 0 : largest(r);
  if (n > 1) {
    const maxR = R * Math.sin(Math.PI / n) * 0.62; // neighbours must not touch
    if (r > maxR) {
      r = Math.max(5, maxR);
      R = largest(r);
    }
  }
  const b = box(R, r);
  const cx = w / 2 - (b.x0 + b.x1) / 2;
  const cy = h / 2 - (b.y0 + b.y1) / 2;
  const pos = angles.map((a) => ({ x: cx + R * Math.cos(a), y: cy + R * Math.sin(a), a }));
  return { w, h, n, r, R, cx, cy, pos, side };
}

export const labelHeight = (r) => Math.max(11, Math.min(15, r * 0.45));
/** Distance from a server's centre to the outside of its election-timer ring. */
export const timerGap = (r) => r + Math.max(4, r * 0.17) + Math.max(2.5, r * 0.12) / 2;

/** Is the link a–b (ids) up? Cut explicitly, or across partition groups, means down. */
export function linkState(view, a, b) {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (view.groups[a - 1] !== view.groups[b - 1]) return 'partition';
  if (view.cut.some(([x, y]) => x === lo && y === hi)) return 'cut';
  if ((view.one_way ?? []).some(([x, y]) => (x === a && y === b) || (x === b && y === a))) return 'oneway';
  return 'up';
}

export function edgePoints(L, a, b) {
  const p = L.pos[a - 1];
  const q = L.pos[b - 1];
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const d = Math.hypot(dx, dy) || 1;
  const k = Math.min(0.45, (L.r + 2) / d);
  return { x1: p.x + dx * k, y1: p.y + dy * k, x2: q.x - dx * k, y2: q.y - dy * k, d, ux: dx / d, uy: dy / d };
}

/** Position of a message in flight, with a small sideways offset so the two directions don't overlap. */
export function messagePoint(L, m, t) {
  const span = m.deliver_ms - m.send_ms;
  let f = span > 0 ? Math.min(1, Math.max(0, (t - m.send_ms) / span)) : 1;
  // Sent while the network is held (after its clock stopped): it waits half-way for the user.
  if (t < m.send_ms) f = 0.5;
  // Reduced motion: nothing flies; a message shows by its sender, then by its receiver.
  if (L.still) f = f < 0.5 ? 0.12 : 0.88;
  const e = edgePoints(L, m.from, m.to);
  const side = Math.min(5, L.r * 0.3);
  return { x: e.x1 + (e.x2 - e.x1) * f - e.uy * side, y: e.y1 + (e.y2 - e.y1) * f + e.ux * side };
}

/** How fast the quickest thing on the stage moves, in CSS px per simulated ms: a message in
 * flight along its link, or an election timer's arc. 0 when nothing moves (the network held,
 * or reduced motion with no timer running). */
/** While playing, how far (CSS px) the quickest thing on the stage may move between two frames
 * before the next is drawn (at most ~30 frames a second all the same: loop.js's frameGap). */
export const STEP_PX = 2;

/** The wall time (ms) until the quickest thing on the stage has moved STEP_PX, playing at `speed`
 * (simulated ms per wall ms): how long the next frame of the stage may wait. */
export const stepGap = (view, L, speed) => STEP_PX / (motion(view, L) * speed);

export function motion(view, L) {
  if (view.held) return 0;
  let fastest = 0;
  // A message crosses at most the ring's diameter in its flight time (no link is longer).
  if (!L.still) for (const m of view.messages) if (m.deliver_ms > m.send_ms) fastest = Math.max(fastest, (2 * L.R) / (m.deliver_ms - m.send_ms));
  const arc = 2 * Math.PI * timerGap(L.r);
  for (const s of view.servers) {
    const total = s.election_deadline_ms - s.election_start_ms;
    if (s.alive && s.election_deadline_ms != null && total > 0) fastest = Math.max(fastest, arc / total);
  }
  return fastest;
}

/** What is under the point (x, y) in CSS pixels: a server, a message, a link, or null. A message
 * and a link under the point: the nearer wins (messages fly beside the line, so a click on the
 * line itself is the link's, one on the dot the message's). `slop`: how far from a link or a
 * server's edge still hits it (more for a finger than for a mouse). */
export function hitTest(view, L, x, y, messages = true, slop = 6) {
  for (const s of view.servers) {
    const p = L.pos[s.id - 1];
    if (p && Math.hypot(p.x - x, p.y - y) <= L.r + slop) return { type: 'server', id: s.id };
  }
  let best = null;
  for (const m of messages ? view.messages : []) {
    const q = messagePoint(L, m, view.clock_ms ?? view.time_ms);
    const d = Math.hypot(q.x - x, q.y - y);
    if (d <= 9 && (!best || d < best.d)) best = { type: 'message', m, d };
  }
  for (let a = 1; a <= L.n; a++) {
    for (let b = a + 1; b <= L.n; b++) {
      const e = edgePoints(L, a, b);
      const d = segDist(x, y, e.x1, e.y1, e.x2, e.y2);
      if (d <= slop && (!best || d < best.d)) best = { type: 'link', a, b, d };
    }
  }
  return best;
}

function segDist(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const len = dx * dx + dy * dy || 1;
  const k = Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len));
  return Math.hypot(px - (x1 + k * dx), py - (y1 + k * dy));
}

/** A stable colour per term for the log table. */
export function termColor(term, light = true) {
  const h = termHue(term);
  return light ? `hsl(${h} 70% 78%)` : `hsl(${h} 55% 32%)`;
}

/** The hue (degrees) of a term's colour. The log table's cells take it as `--h` and the style
 * sheet makes both shades of termColor from it. */
export const termHue = (term) => ((term * 137.508 + 205) % 360).toFixed(0);
