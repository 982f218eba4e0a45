// The panels whose code loads only when it is needed: the inspector, "Explore from here" and the
// sequence diagram. Each is a chunk of its own in the build (esbuild splits every dynamic import),
// fetched the first time its section is laid out near the viewport, once the page is idle after
// the widget started if the section is laid out at all (so that the keyboard's Tab order, a
// screen reader's headings and a print hold every panel shown, wherever it is on the page), or
// at once when the widget's API asks for what only the panel does (`explore()`). A widget whose
// `controls` and `panels` hide a panel never loads its code (issue 13: a blog post's widgets are
// ~6 KB lighter), and the widget starts without waiting for any of them.
//
// Until its code is there, each panel is a stand-in with the same calls: it keeps what the widget
// told it that the panel needs later (the inspector's selection, which the stage draws too) and
// drops the rest (a panel frame's update: the widget draws its panels again once one has loaded).
// What a panel shares with the widget's own code it is handed here, so that its chunk imports
// nothing (a module both import would become a third chunk, fetched before the widget starts).

import { termColor } from './render.js';
import { moduleWorker } from './workers.js';

/** How far outside the viewport a section may be when its code starts loading (px): by the time
 * a reader scrolls to it, it is there. */
const NEAR = '250px';

/** How long the page may stay busy before a shown panel's code is fetched anyway (ms). */
const IDLE_MS = 2000;

/** The same selection (the inspector's are small plain objects). */
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Load a panel's code when `section` first comes near the viewport, or when the page is first
 * idle if the section is laid out then (a hidden section does neither; shown later, it loads as
 * it comes near). Returns a function that loads it at once; all give the same promise. If the
 * code cannot be fetched, the section says so (and the promise rejects). */
function loadWhenShown(section, load) {
  let loading = null;
  let seen = null;
  const now = () => {
    if (loading) return loading;
    seen?.disconnect();
    loading = load().catch((e) => {
      section.textContent = `This panel could not load: ${e?.message ?? e}. Reload the page to try again.`;
      section.classList.add('lazy-failed');
      throw e;
    });
    return loading;
  };
  const quietly = () => now().catch(() => {});
  if (typeof IntersectionObserver !== 'function') {
    quietly();
    return now;
  }
  seen = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && quietly(), { rootMargin: NEAR });
  seen.observe(section);
  const shown = () => section.getClientRects().length > 0 && quietly();
  if (typeof requestIdleCallback === 'function') requestIdleCallback(shown, { timeout: IDLE_MS });
  else setTimeout(shown, IDLE_MS);
  return now;
}

/** The inspector (www/inspector.js, `createInspector`'s options but `termColor`); `onChange` is also called
 * once it has loaded, so the widget draws it. */
export function lazyInspector(box, options) {
  let real = null;
  let sel = null;
  let focusOn = null; // a selection asked to take the keyboard before the code came
  const load = loadWhenShown(box, () =>
    import('./inspector.js').then(({ createInspector }) => {
      real = createInspector(box, { ...options, termColor });
      if (sel) real.select(sel);
      options.onChange?.();
    }),
  );
  return {
    select(s, focus) {
      if (real) return real.select(s, focus);
      if (!same(s, sel)) {
        sel = s;
        options.onChange?.();
      }
      // Asked to move the keyboard there (the server menu's Inspect): the panel is wanted now,
      // and takes the focus at its first update (which builds what takes it).
      if (focus) {
        focusOn = s;
        load().catch(() => {});
      }
    },
    get selection() {
      return real ? real.selection : sel;
    },
    update(...args) {
      if (!real) return;
      real.update(...args);
      if (focusOn) {
        const s = focusOn;
        focusOn = null;
        if (same(s, real.selection)) real.select(s, true);
      }
    },
    reset() {
      focusOn = null;
      if (real) real.reset();
      else if (sel) {
        sel = null;
        options.onChange?.();
      }
    },
  };
}

/** "Explore from here" (www/explore.js, `createExplorer`'s options but `moduleWorker`, and `loaded`: called once it
 * has loaded, so the widget draws it). */
export function lazyExplorer(section, { loaded, ...options }) {
  let real = null;
  // Each cancel() ends what was asked before it, also a run still waiting for the code.
  let cancels = 0;
  const load = loadWhenShown(section, () =>
    import('./explore.js').then(({ createExplorer }) => {
      real = createExplorer(section, { ...options, moduleWorker });
      loaded?.();
      return real;
    }),
  );
  return {
    run(o) {
      if (real) return real.run(o);
      const asked = cancels;
      return load().then((x) => {
        if (asked !== cancels) throw Object.assign(new Error('exploration cancelled'), { name: 'AbortError' });
        return x.run(o);
      });
    },
    cancel() {
      cancels++;
      real?.cancel();
    },
    forget() {
      real?.forget();
    },
    update(...args) {
      real?.update(...args);
    },
  };
}

/** The sequence diagram (www/sequence.js, `createSequence`'s options; `invalidate` is also called
 * once it has loaded). */
export function lazySequence(section, options) {
  let real = null;
  loadWhenShown(section, () =>
    import('./sequence.js').then(({ createSequence }) => {
      real = createSequence(section, options);
      options.invalidate();
    }),
  );
  return {
    update(...args) {
      real?.update(...args);
    },
  };
}
