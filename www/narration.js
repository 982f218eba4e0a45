// The event list: the run in words (from the Rust describer), filterable by kind and server,
// virtualised (only the rows in view are fetched and drawn), clicking an entry seeks there.

const ROW = 20; // px per entry

/**
 * `fetch(start, count, kinds, server)` returns {total, matching, start, notes: [...]} (Playground.notes);
 * `onSeek(note)` jumps to an entry. Returns {update(force), setServers(n), element}.
 */
export function createNarration(box, { fetch, kinds, onSeek }) {
  box.innerHTML = `
    <h3>Events <small class="ev-count"></small></h3>
    <div class="ev-filter">
      <select class="ev-kind" aria-label="kind of event"><option value="0">every kind</option></select>
      <select class="ev-server" aria-label="server"><option value="0">every server</option></select>
    </div>
    <div class="ev-list" tabindex="0" role="list" aria-label="events of the run (click one to go there)">
      <div class="ev-spacer"></div>
    </div>`;
  const $ = (s) => box.querySelector(s);
  const kind = $('.ev-kind');
  const server = $('.ev-server');
  const list = $('.ev-list');
  const spacer = $('.ev-spacer');
  const count = $('.ev-count');
  for (const [name, bit] of kinds) kind.add(new Option(name, String(bit)));
  let servers = 0;
  let key = '';
  let follow = true; // stick to the newest entry until the reader scrolls up
  let rows = [];
  // The list's height and scroll position as last seen (a resize or a scroll updates them):
  // reading them while the frame writes elsewhere would force a layout each time.
  let height = null;
  let top = 0;
  let pendingTop = null; // where following wants the list scrolled, at the next frame's start
  new ResizeObserver(() => (height = list.clientHeight)).observe(list);

  const filter = () => [Number(kind.value), Number(server.value)];
  let page = null;
  let asked = ''; // what `page` was fetched for
  const isFuture = (note, position) => note.events > position.events || (note.events === position.events && note.applied > position.applied);
  function render(force, position) {
    const [k, s] = filter();
    if (height == null) height = list.clientHeight;
    const first = Math.max(0, Math.floor(top / ROW) - 2);
    const n = Math.ceil(height / ROW) + 5;
    // The same rows as last time unless the filter, the scroll or the run's notes changed (a new
    // note, or a fork that dropped some: the count or the run's end moved).
    const ask = `${k}/${s}/${follow ? 'end' : first}/${n}/${position.notes}/${position.end}`;
    if (force || ask !== asked || !page) page = fetch(follow ? 0xffffffff : first, n, k, s);
    asked = ask;
    const total = page.matching;
    const start = page.start;
    // Notes are in run order: the ones after the moment shown are a suffix of the rows.
    const future = page.notes.filter((note) => isFuture(note, position)).length;
    const here = `${k}/${s}/${start}/${total}/${page.total}/${future}`;
    if (!force && here === key) return;
    key = here;
    spacer.style.height = `${total * ROW}px`;
    if (follow) {
      const want = Math.max(0, total * ROW - height);
      if (Math.abs(top - want) > 1) pendingTop = want;
    }
    count.textContent = page.total ? (total === page.total ? `${total}` : `${total} of ${page.total}`) : '';
    for (const r of rows) r.remove();
    rows = page.notes.map((note, j) => {
      const div = document.createElement('div');
      div.className = `ev ${note.kind}`;
      if (isFuture(note, position)) div.classList.add('future');
      div.setAttribute('role', 'listitem');
      div.style.top = `${(start + j) * ROW}px`;
      div.title = `${note.text} — click to go to this moment`;
      div.innerHTML = '<span class="t"></span> <span class="x"></span>';
      div.firstChild.textContent = fmt(note.time_ms);
      div.lastChild.textContent = note.text;
      div.onclick = () => onSeek(note);
      list.append(div);
      return div;
    });
  }
  list.addEventListener('scroll', () => {
    top = list.scrollTop;
    const bottom = list.scrollTop + list.clientHeight >= list.scrollHeight - ROW;
    follow = bottom;
    render(false, last);
  });
  kind.onchange = server.onchange = () => {
    follow = true;
    render(true, last);
  };
  let last = { events: 0, applied: 0, notes: 0, end: 0 };
  return {
    element: box,
    /** At the start of a frame (layout still clean): scroll to the newest entry if following. */
    beforeFrame() {
      if (pendingTop == null) return;
      list.scrollTop = pendingTop;
      top = list.scrollTop;
      pendingTop = null;
    },
    /** Redraw if what it shows changed (`position`: {events, applied} of the state shown). */
    update(position, force = false) {
      last = position;
      render(force, position);
    },
    setServers(n) {
      if (n === servers) return;
      const keep = server.value;
      for (let i = servers + 1; i <= n; i++) server.add(new Option(`S${i}`, String(i)));
      while (server.options.length > n + 1) server.remove(server.options.length - 1);
      servers = n;
      server.value = Number(keep) <= n ? keep : '0';
    },
    /** Show everything from the start again (a new run). */
    reset() {
      follow = true;
      key = '';
      list.scrollTop = 0;
      top = 0;
      pendingTop = null;
    },
  };
}

function fmt(ms) {
  return ms >= 10000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(3)} ms`;
}
