// The cluster's canvas, drawn off the page's thread where the browser allows it: the canvas is
// handed to a worker (stage-worker.js) as an OffscreenCanvas, and each frame crosses as the
// view's JSON (UTF-8 bytes). Drawing and compositing the stage then cost the page's thread nothing (it
// still runs the simulation, reads the view and updates the panels). Without OffscreenCanvas, or
// where the worker cannot start (a policy that forbids workers, a script that does not load), the
// same painter runs on the page.
import { moduleWorker } from './workers.js';

const WORKER = new URL('./stage-worker.js', import.meta.url);
const UTF8 = new TextDecoder();

export class Stage {
  /** Where frames are drawn: 'starting' (none yet), 'worker', 'page', or 'closed'. */
  mode = 'starting';
  /** Frames of the stage drawn so far, and the ms spent on them (from the worker: as it last said,
   * a few times a second). */
  drawn = 0;
  drawnMs = 0;
  #worker = null;
  #paint = null;

  /** `onReady()`: frames can be drawn (draw the current one); `onError(e)`: the stage failed. */
  constructor(canvas, onReady, onError) {
    const onPage = () => {
      this.#worker?.terminate();
      this.#worker = null;
      import(WORKER.href).then(({ painter }) => {
        if (this.mode === 'closed') return;
        this.#paint = painter(canvas);
        this.mode = 'page';
        onReady();
      }, onError);
    };
    if (typeof OffscreenCanvas !== 'function' || !canvas.transferControlToOffscreen) return void onPage();
    try {
      this.#worker = moduleWorker(WORKER);
    } catch {
      return void onPage();
    }
    // The canvas is handed over only once the worker has loaded: until then it can still be
    // drawn on the page if the worker never starts.
    this.#worker.onmessage = ({ data }) => {
      if (this.mode === 'closed') return;
      if (data.type === 'ready' && this.mode === 'starting') {
        let off;
        try {
          off = canvas.transferControlToOffscreen();
        } catch {
          return void onPage(); // (a canvas drawn on already cannot be handed over)
        }
        this.#worker.postMessage({ canvas: off }, [off]);
        this.mode = 'worker';
        onReady();
      } else if (data.type === 'drawn') [this.drawn, this.drawnMs] = [data.count, data.ms];
      else if (data.type === 'error') onError(new Error(data.message));
    };
    this.#worker.onerror = (e) => {
      e.preventDefault();
      if (this.mode === 'starting') onPage();
      else onError(new Error(`its worker stopped: ${e.message || 'an unknown error'}`));
    };
  }

  /** Draw a frame: the view's `json` (UTF-8 bytes; and the view, if the caller has read it already);
   * `frame`: {w, h (CSS px), dpr, dark, still, hover, selected, playing, speed, wall, until} (see
   * stage-worker.js). In the worker the stage then
   * moves on by itself while playing, up to the next event; on the page it is drawn as it is (the
   * page draws a frame whenever something moved). Dropped while the stage is starting (onReady
   * asks for the frame again). */
  draw(json, frame, view = null) {
    if (this.mode === 'worker') this.#worker.postMessage({ ...frame, view: json });
    else if (this.mode === 'page') {
      const t0 = performance.now();
      this.#paint(frame, view ?? JSON.parse(UTF8.decode(json)));
      this.drawnMs += performance.now() - t0;
      this.drawn++;
    }
  }

  /** True if the stage moves on by itself between the page's frames (in its worker). */
  get animates() {
    return this.mode === 'worker';
  }

  /** End the stage: its worker stops (a canvas it had cannot be drawn on again), nothing more is
   * drawn or reported. */
  close() {
    this.#worker?.terminate();
    this.#worker = null;
    this.#paint = null;
    this.mode = 'closed';
  }

  /** Stop moving the stage on (the page stopped drawing: hidden, scrolled away). */
  still() {
    if (this.mode === 'worker') this.#worker.postMessage({ stop: true });
  }
}
