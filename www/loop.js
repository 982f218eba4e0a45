// The animation loop of one widget. A frame is scheduled only when something will change on
// screen: the simulation is playing, or a redraw was asked for (an action, a resize, a step). It is
// never scheduled while the document is hidden or the widget is scrolled out of view, so a paused
// or invisible widget costs no CPU at all. While playing it draws at most ~30 frames a second (the
// dots move smoothly enough, at half the main-thread cost of 60), and fewer when little moves (the
// frame says how long the next may wait): between two frames it waits on a timer, not on animation
// frames it would skip (each of those costs the browser a frame of its own). A redraw that was
// asked for is drawn at the next animation frame.

/** Least wall time between two frames while playing (ms): the frame is drawn at the animation
 * frame after it, so at most ~30 come a second. */
const PLAY_GAP_MS = 26;
/** Most wall time between two frames while playing (ms), however little moves: four a second
 * (the panels' pace when nothing happens, embed.js's PANEL_IDLE_MS). */
const MAX_GAP_MS = 250;
/** The most wall time one frame advances the simulation by (ms): a stall (a busy page, a slow
 * device) never jumps the simulation far ahead. Above MAX_GAP_MS and an animation frame's
 * lateness, so frames that come as late as asked advance it by all the time that passed. */
const MAX_DT_MS = 400;

/** The wall time (ms) a frame may wait after the last one while playing, for a wanted wait. */
export const frameGap = (wanted) => (wanted >= 0 ? Math.min(MAX_GAP_MS, Math.max(PLAY_GAP_MS, wanted)) : PLAY_GAP_MS);

/**
 * `frame(dtWallMs, playing)` draws one frame and may return how long (wall ms) the next can wait
 * while playing (between PLAY_GAP_MS and MAX_GAP_MS: the stage decides by how fast what it shows
 * moves); it may throw, which stops the loop (the caller shows the error). `stopped()` is called
 * when frames stop coming while playing may go on (hidden, scrolled away, stopped): whatever the
 * caller animates by itself should stop too. Returns {play, pause, invalidate, stop, destroy,
 * playing}.
 */
export function createLoop(host, frame, stopped = () => {}) {
  let raf = 0;
  let wait = 0; // a timer until the next frame is due (while playing)
  let last = 0; // the last frame's animation-frame stamp (the simulation advances by their difference)
  let drawn = 0; // when it was drawn (wall clock)
  let gap = PLAY_GAP_MS; // the wall time to the next frame while playing, as the last frame asked
  let playing = false;
  let dirty = true;
  let halted = false;
  let visible = document.visibilityState !== 'hidden';
  let onscreen = true;

  /** While playing with nothing asked for: how long until the next frame is due (ms; ≤ 0: due).
   * Measured on the wall clock: an animation frame's own stamp is when its display frame began,
   * which may be well before its callback runs. */
  const untilDue = () => (playing && !dirty && drawn ? drawn + gap - performance.now() : 0);

  function schedule() {
    if (raf || halted || !visible || !onscreen || !(playing || dirty)) return;
    // Not yet due: wait on a timer, then ask for the animation frame that draws it.
    const early = untilDue();
    if (early > 0) {
      if (!wait) wait = setTimeout(() => ((wait = 0), schedule()), early);
      return;
    }
    clearTimeout(wait);
    wait = 0;
    raf = requestAnimationFrame(tick);
  }

  function cancel() {
    if (raf) cancelAnimationFrame(raf);
    clearTimeout(wait);
    raf = 0;
    wait = 0;
    last = 0;
    drawn = 0;
    stopped();
  }

  function tick(now) {
    raf = 0;
    if (untilDue() > 0) {
      schedule(); // too soon: wait
      return;
    }
    // Wall time since the previous frame (capped).
    const dt = playing && last ? Math.min(now - last, MAX_DT_MS) : 0;
    last = playing ? now : 0;
    drawn = playing ? performance.now() : 0;
    dirty = false;
    try {
      gap = frameGap(frame(dt, playing));
    } catch (e) {
      halted = true;
      throw e;
    }
    schedule();
  }

  const onVisibility = () => {
    visible = document.visibilityState !== 'hidden';
    if (visible) {
      dirty = true;
      schedule();
    } else cancel();
  };
  document.addEventListener('visibilitychange', onVisibility);

  const io = new IntersectionObserver((entries) => {
    onscreen = entries[entries.length - 1].isIntersecting;
    if (onscreen) {
      dirty = true;
      schedule();
    } else cancel();
  });
  io.observe(host);

  return {
    get playing() {
      return playing;
    },
    get scheduled() {
      return raf !== 0 || wait !== 0;
    },
    play() {
      playing = true;
      last = 0;
      drawn = 0;
      schedule();
    },
    pause() {
      playing = false;
      last = 0;
      drawn = 0;
      dirty = true; // one last frame to show the paused state
      schedule();
    },
    invalidate() {
      dirty = true;
      schedule();
    },
    stop() {
      halted = true;
      playing = false;
      cancel();
    },
    destroy() {
      this.stop();
      document.removeEventListener('visibilitychange', onVisibility);
      io.disconnect();
    },
  };
}
