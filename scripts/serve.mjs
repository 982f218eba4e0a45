// A tiny static server for the page: loopback only, only the files the page needs.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { DIST, ROOT } from './setup.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Serve what ships (index.html and www/ from dist/, the build's output) on 127.0.0.1, and under
 * /src/ the readable sources (the repository's index.html and www/, unbundled; they load the same
 * wasm from www/pkg). Resolves to {server, url}. */
export function serve(port = 8080, host = '127.0.0.1') {
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let root = DIST;
    if (path === '/src' || path.startsWith('/src/')) [root, path] = [ROOT, path.slice(4)];
    if (path === '/' || path === '') path = '/index.html';
    const rel = normalize(path).replace(/^[/\\]+/, '');
    const allowed = rel === 'index.html' || rel === 'embed.html' || rel.startsWith('www/');
    if (!allowed || rel.includes('..')) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      const body = await readFile(join(root, rel));
      // Open to other origins, as a CDN serves module scripts and wasm: a page elsewhere (a blog)
      // may embed the widget from here.
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream', 'cache-control': 'no-cache', 'access-control-allow-origin': '*' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    const tryPort = (p, left) => {
      server.once('error', (e) => (e.code === 'EADDRINUSE' && left > 0 ? tryPort(p + 1, left - 1) : reject(e)));
      server.listen(p, host, () => resolve({ server, url: `http://${host}:${server.address().port}/` }));
    };
    tryPort(port, 20);
  });
}
