// The term strip (the paper's Figure 5): one lane per server, time left to right over the whole
// run, each term a coloured band (crashed stretches grey), elections marked; a cursor shows the
// moment on screen. Pure drawing: (canvas, strip data from Playground.strip(), time) → pixels.
import { termColor } from './render.js';

const LANE = 9;
const GAP = 2;
const PAD = 4;
const LABELS = 24; // room for the server names on the left

/** The font each strip canvas's context was last given. */
const fonts = new WeakMap();

/** Height in CSS px for `n` servers. */
export function stripHeight(n) {
  return PAD * 2 + n * LANE + Math.max(0, n - 1) * GAP;
}

/** Simulated time (ms) at CSS x. */
export function stripTimeAt(width, x, endMs) {
  return Math.max(0, Math.min(1, (x - LABELS) / Math.max(1, width - LABELS - PAD))) * endMs;
}

/** Draw the strip; `w`, `h`: the canvas's CSS size (read by the caller before it wrote anything). */
export function drawStrip(canvas, strip, timeMs, servers, theme, w = canvas.clientWidth, h = canvas.clientHeight) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.max(1, Math.round(w * dpr));
    canvas.height = Math.max(1, Math.round(h * dpr));
    fonts.delete(canvas); // resizing resets the context's state
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const end = Math.max(strip.end_ms, timeMs, 1);
  const span = Math.max(1, w - LABELS - PAD);
  const x = (t) => LABELS + (t / end) * span;
  const y = (id) => PAD + (id - 1) * (LANE + GAP);
  ctx.fillStyle = theme.ink;
  // Setting a canvas's font, and drawing text in the default direction ("inherit"), make the
  // browser bring the page's style up to date first: the strip is drawn after the panels wrote to
  // the page, where that cost a whole style pass (up to 10 ms with 9 servers and a busy log
  // table). The direction is given; the font is set only when it changes.
  ctx.direction = 'ltr';
  const font = `${servers > 12 ? 7 : 9}px system-ui, "DejaVu Sans", sans-serif`;
  if (fonts.get(canvas) !== font) {
    ctx.font = font;
    fonts.set(canvas, font);
  }
  ctx.textBaseline = 'middle';
  if (servers <= 24) for (let id = 1; id <= servers; id++) ctx.fillText(`S${id}`, 2, y(id) + LANE / 2 + 0.5);
  const b = strip.bands;
  for (let i = 0; i + 4 < b.length; i += 5) {
    const [id, from, to, term, up] = [b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4]];
    if (id > servers) continue;
    ctx.fillStyle = up ? termColor(term) : theme.down;
    const x0 = x(from);
    ctx.fillRect(x0, y(id), Math.max(1, x(to) - x0), LANE);
  }
  const m = strip.marks;
  for (let i = 0; i + 2 < m.length; i += 3) {
    const [id, t, what] = [m[i], m[i + 1], m[i + 2]];
    if (id > servers) continue;
    const cx = x(t);
    const cy = y(id) + LANE / 2;
    if (what === 1) {
      // Won: a dark diamond.
      ctx.fillStyle = theme.ink;
      ctx.beginPath();
      ctx.moveTo(cx, cy - 3.5);
      ctx.lineTo(cx + 3.5, cy);
      ctx.lineTo(cx, cy + 3.5);
      ctx.lineTo(cx - 3.5, cy);
      ctx.fill();
    } else if (what === 2) {
      // Split vote: a red cross.
      ctx.strokeStyle = theme.bad;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(cx - 3, cy - 3);
      ctx.lineTo(cx + 3, cy + 3);
      ctx.moveTo(cx + 3, cy - 3);
      ctx.lineTo(cx - 3, cy + 3);
      ctx.stroke();
    } else {
      // Election started: a thin tick.
      ctx.fillStyle = theme.ink;
      ctx.fillRect(cx - 0.5, y(id), 1, LANE);
    }
  }
  // The moment on screen.
  ctx.fillStyle = theme.cursor;
  ctx.fillRect(Math.round(x(timeMs)) - 1, 0, 2, h);
}
