// The stage's painter. In a worker (stage.js starts it), it draws the cluster onto the page's
// canvas, handed over as an OffscreenCanvas, so the page's thread neither draws nor composites
// the stage. Messages in: {canvas} once, then frames {view: the view as JSON text, w, h, dpr,
// dark, still, hover, selected}; when frames come faster than they are drawn, only the newest is.
// Out: {type: 'ready'} once loaded, {type: 'error', message} when a frame could not be drawn.
// Where the page cannot have the worker, it loads this module itself and uses painter().
import { draw, INK } from './draw.js';
import { layout } from './render.js';

/** A function that draws one frame (as posted to the worker, with `view` parsed) onto `canvas`, an
 * OffscreenCanvas or a canvas element: it sizes the canvas's pixels to the frame's CSS size
 * times its pixel ratio, and keeps the layout (and its sprites) while they fit. */
export function painter(canvas) {
  let L = null;
  return (f, view) => {
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
    draw(ctx, view, L, f.hover, f.selected);
  };
}

if (typeof WorkerGlobalScope === 'function' && self instanceof WorkerGlobalScope) {
  let paint = null;
  let next = null;
  // Frames are drawn on the worker's animation frames: a burst of them is drawn once, the newest.
  const later = (fn) => (self.requestAnimationFrame ? self.requestAnimationFrame(fn) : setTimeout(fn, 0));
  const flush = () => {
    const f = next;
    next = null;
    if (!f || !paint) return;
    try {
      paint(f, JSON.parse(f.view));
    } catch (e) {
      self.postMessage({ type: 'error', message: String(e?.message ?? e) });
    }
  };
  self.onmessage = ({ data }) => {
    if (data.canvas) {
      paint = painter(data.canvas);
      return;
    }
    if (!next) later(flush);
    next = data;
  };
  self.postMessage({ type: 'ready' });
}
