// The sequence diagram panel: the run's last stretch as a space-time diagram (one lane per
// server, an arrow per message, terms as bands), drawn by Rust (`sim::diagram`) as SVG, shown
// only while the panel is open and exportable as a file.

const SPANS = [
  ['1000', 'last 1 s'],
  ['5000', 'last 5 s'],
  ['0', 'whole run'],
];
/** While playing, redraw at most this often (ms of real time): each draw replays a stretch. */
const PLAYING_EVERY = 1000;

export function createSequence(section, { diagram, playing, invalidate }) {
  section.innerHTML = `<details><summary>Sequence diagram <small>one lane per server · an arrow per message · terms as bands</small></summary>
    <div class="row"><label>Show <select class="seq-span">${SPANS.map(([v, t]) => `<option value="${v}">${t}</option>`).join('')}</select></label>
    <button class="seq-export" type="button">Export SVG</button></div>
    <div class="seq-svg"></div></details>`;
  const details = section.querySelector('details');
  const span = section.querySelector('.seq-span');
  const box = section.querySelector('.seq-svg');
  let key = '';
  let drawnAt = 0;
  let svg = '';
  const render = (v) => {
    const s = Number(span.value);
    const from = s ? Math.max(0, v.time_ms - s) : 0;
    svg = diagram(from);
    box.innerHTML = svg;
    drawnAt = performance.now();
  };
  const redraw = () => {
    key = '';
    invalidate();
  };
  span.onchange = redraw;
  details.ontoggle = redraw;
  section.querySelector('.seq-export').onclick = () => {
    if (!svg) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
    a.download = 'raft-sequence.svg';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  return {
    /** After each frame: redraw if open and the moment shown changed (while playing, not too often). */
    update(v, position) {
      if (!details.open) return;
      const k = `${position}/${span.value}`;
      if (k === key) return;
      if (playing() && performance.now() - drawnAt < PLAYING_EVERY) return;
      key = k;
      render(v);
    },
    get svg() {
      return svg;
    },
  };
}
