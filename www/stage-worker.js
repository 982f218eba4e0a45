// The stage's painter. In a worker (stage.js starts it), it draws the cluster onto the page's
// canvas, handed over as an OffscreenCanvas, so the page's thread neither draws nor composites
// the stage, and it animates the stage between the page's frames: between two events of the
// simulation nothing changes but the clock, so the worker moves the clock on by itself (messages
// fly, election timers run down) up to the next event, and the page needs a frame only when an
// event is due or its panels are.
//
// Messages in: {canvas} once; frames {view: the view's JSON as UTF-8 bytes, w, h, dpr, dark, still, hover,
// selected, playing, speed (simulated ms per wall ms), wall (the wall time, ms since the epoch,
// the view's clock belongs to), until (the clock of the next event, or null)}, drawn at the next
// animation frame while playing (of a burst, the newest), at once while paused; {stop: true}: stop
// animating (the page stopped drawing: hidden, scrolled away). Out: {type: 'ready'} once loaded,
// {type: 'drawn', count, ms (reading and drawing so far)} now and then while drawing, {type: 'error', message}.
// Where the page cannot have the worker, it loads this module itself and uses painter().
import { draw, INK } from './draw.js';
import { layout, stepGap } from './render.js';
import { frameGap } from './loop.js';

/** A function `(f, view, t) → layout` that draws one frame (as posted to the worker, with `view`
 * parsed) onto `canvas`, an OffscreenCanvas or a canvas element, at network clock `t` (default the
 * view's): it sizes the canvas's pixels to the frame's CSS size times its pixel ratio, and keeps
 * the layout (and its sprites) while they fit. */
export function painter(canvas) {
  let L = null;
  return (f, view, t) => {
    const bw = Math.max(1, Math.round(f.w * f.dpr));
    const bh = Math.max(1, Math.round(f.h * f.dpr));
    if (canvas.width !== bw || canvas.height !== bh) {
      canvas.width = bw;
      canvas.height = bh;
    }
    const n = view.servers.length;
    if (!L || L.w !== f.w || L.h !== f.h || L.n !== n || L.still !== f.still || L.dark !== f.dark || L.dpr !== f.dpr) {
      L = Object.assign(layout(f.w, f.h, n), { still: f.still, dark: f.dark, dpr: f.dpr, ink: INK[f.dark ? 'dark' : 'light'] });
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(f.dpr, 0, 0, f.dpr, 0, 0);
    draw(ctx, view, L, f.hover, f.selected, t);
    return L;
  };
}

const UTF8 = new TextDecoder();

/** Wall time now, comparable across the page and its workers (ms since the epoch). */
const wallNow = () => performance.timeOrigin + performance.now();

if (typeof WorkerGlobalScope === 'function' && self instanceof WorkerGlobalScope) {
  let paint = null;
  let f = null; // the newest frame
  let view = null; // its view, parsed when it is drawn (of a burst, only the newest is)
  let fresh = false; // not drawn yet
  let raf = 0;
  let drawnAt = 0; // wall time of the last drawing
  let gap = 0; // how long the next may wait
  let count = 0; // frames drawn
  let busy = 0; // ms spent reading frames and drawing them
  let reported = 0; // the count last told to the page
  let reportedAt = 0;
  const later = (fn) => (self.requestAnimationFrame ? self.requestAnimationFrame(fn) : setTimeout(fn, 16));
  const stop = () => {
    if (raf) (self.cancelAnimationFrame ?? clearTimeout)(raf);
    raf = 0;
  };
  /** The network's clock at wall time `now`: the view's, moved on while playing, never past the
   * next event (the page brings the state after it). */
  const clock = (now) => {
    const t = view.clock_ms ?? view.time_ms;
    if (!f.playing || view.held) return t;
    return Math.min(f.until ?? Infinity, t + Math.max(0, now - f.wall) * f.speed);
  };
  /** Tell the page how many frames it drew and what they cost. */
  const report = (now) => {
    reported = count;
    reportedAt = now;
    self.postMessage({ type: 'drawn', count, ms: busy });
  };
  const tick = () => {
    raf = 0;
    if (!f || !paint) return;
    if (fresh) {
      const t0 = performance.now();
      try {
        view = JSON.parse(UTF8.decode(f.view));
      } catch (e) {
        f = null;
        self.postMessage({ type: 'error', message: `a frame it could not read: ${e?.message ?? e}` });
        return;
      }
      busy += performance.now() - t0;
    }
    const now = wallNow();
    const t = clock(now);
    if (fresh || now - drawnAt >= gap) {
      const t0 = performance.now();
      try {
        const L = paint(f, view, t);
        gap = frameGap(stepGap(view, L, f.speed));
        busy += performance.now() - t0;
      } catch (e) {
        self.postMessage({ type: 'error', message: String(e?.message ?? e) });
        return;
      }
      fresh = false;
      drawnAt = now;
      count++;
    }
    // Animate while the clock moves; it stops at the next event until the page brings it.
    if (f.playing && !view.held && t < (f.until ?? Infinity)) raf = later(tick);
    // How many frames it drew, now and then (and once paused, or stopped: see onmessage).
    if (count !== reported && (!f.playing || now - reportedAt > 250)) report(now);
  };
  self.onmessage = ({ data }) => {
    if (data.canvas) {
      paint = painter(data.canvas);
      return;
    }
    if (data.stop) {
      stop();
      if (count !== reported) report(wallNow());
      return;
    }
    f = data;
    fresh = true;
    // Playing: drawn at the next animation frame (after the page's frame, not competing with it
    // for the cores; of a burst, the newest). Paused: now (an animation frame may never come for
    // a canvas out of sight, and a paused stage must show what the page asked for).
    if (!raf) {
      if (f.playing) raf = later(tick);
      else tick();
    }
  };
  self.postMessage({ type: 'ready' });
}
