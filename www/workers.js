// Module workers from the widget's own files, wherever the page is: a worker's script must have
// the page's origin, so when the widget is embedded from another origin (a blog loading embed.js
// from a CDN) the worker starts from a one-line module of the page's origin that imports the
// real script (allowed where the script is served for other origins, as a module script must be).

/** A module worker running `url` (a URL object). Throws as `new Worker` does (a policy). */
export function moduleWorker(url) {
  if (url.origin === location.origin) return new Worker(url, { type: 'module' });
  const source = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
  try {
    return new Worker(source, { type: 'module' });
  } finally {
    // The worker has its script's URL once made; the module it imports is fetched by the worker.
    setTimeout(() => URL.revokeObjectURL(source), 10_000);
  }
}
