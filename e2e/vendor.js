// The vendor's unmodified browser SDK (@clerk/clerk-js, pinned in package.json) on a
// page of its own origin, served from node_modules, talking to a real Latchkey server:
// either straight to Latchkey's origin (`proxyUrl` = Latchkey's URL, credentialed CORS)
// or through a same-origin path that this page server forwards to Latchkey, as a team
// that proxies its Frontend API would.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { ROOT } from './harness.js';

/** clerk-js's built files: the pinned package's, or those `scripts/vendor-drift` names. */
const DIST = process.env.LATCHKEY_VENDOR_CLERK_JS_DIST ?? path.join(ROOT, 'node_modules', '@clerk', 'clerk-js', 'dist');

/** The path under which the page server forwards to Latchkey in same-origin mode. */
export const PROXY_PATH = '/__auth';

/**
 * A publishable key in the vendor's format for a Frontend API host:
 * `pk_<live|test>_` + base64(`host$`).
 * @param {'live' | 'test'} kind
 * @param {string} host
 */
export function publishableKey(kind, host) {
  return `pk_${kind}_${Buffer.from(`${host}$`).toString('base64')}`;
}

/** @param {string} file */
function contentType(file) {
  if (file.endsWith('.js') || file.endsWith('.mjs')) return 'text/javascript; charset=utf-8';
  if (file.endsWith('.css')) return 'text/css; charset=utf-8';
  if (file.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

/**
 * The page that loads clerk-js with `key` and `proxyUrl`, then `Clerk.load()`; the
 * outcome is `window.loaded` (a promise) and `#status`.
 * @param {string} key
 * @param {string} proxyUrl
 */
export function vendorPage(key, proxyUrl) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vendor SDK</title></head>
<body>
<p id="status">loading</p>
<form><input id="identifier" name="identifier" autocomplete="username webauthn"></form>
<script src="/clerk/clerk.browser.js" data-clerk-publishable-key="${key}" data-clerk-proxy-url="${proxyUrl}"></script>
<script>
  window.loaded = window.Clerk.load().then(
    () => { document.getElementById('status').textContent = 'status: ' + window.Clerk.status; return window.Clerk.status; },
    (error) => { document.getElementById('status').textContent = 'failed: ' + error; throw error; },
  );
</script>
</body></html>`;
}

/**
 * Serve `pages` (path → HTML), clerk-js's files under `/clerk/`, and forward
 * `${PROXY_PATH}/…` to `latchkeyUrl` (method, headers, body and cookies as they come).
 * @param {number} port
 * @param {string} latchkeyUrl
 * @param {Record<string, string>} pages
 * @returns {Promise<{ close: () => Promise<void> }>}
 */
export async function startVendorPageServer(port, latchkeyUrl, pages) {
  const upstream = new URL(latchkeyUrl);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (url.pathname.startsWith(PROXY_PATH + '/')) {
        forward(req, res, upstream, url.pathname.slice(PROXY_PATH.length) + url.search);
      } else if (pages[url.pathname] !== undefined) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(pages[url.pathname]);
      } else if (url.pathname.startsWith('/clerk/') && !url.pathname.includes('..')) {
        const file = path.join(DIST, url.pathname.slice('/clerk/'.length));
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': contentType(file) });
        res.end(body);
      } else {
        res.writeHead(404).end('not found');
      }
    } catch (error) {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT' ? 404 : 500;
      res.writeHead(code).end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  return {
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve(undefined));
      }),
  };
}

/**
 * Forward one request to Latchkey as a reverse proxy does, with the caller's address
 * in `X-Forwarded-For`.
 * @param {http.IncomingMessage} req
 * @param {http.ServerResponse} res
 * @param {URL} upstream
 * @param {string} pathAndQuery
 */
function forward(req, res, upstream, pathAndQuery) {
  const headers = { ...req.headers, host: upstream.host, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
  const proxied = http.request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: pathAndQuery, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  proxied.on('error', (error) => res.writeHead(502).end(String(error)));
  req.pipe(proxied);
}
