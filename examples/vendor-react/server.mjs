// Serves the built app (dist/) and /config.json, which tells the app where Latchkey is and
// which publishable key to give the SDK. Any path that is not a file gets index.html.
//
//   npm run build
//   LATCHKEY_URL=http://localhost:8080 PORT=3000 node server.mjs
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The publishable key's host when none is given: any host with a dot will do, since
 * `proxyUrl` decides where the SDK's calls go. */
export const DEFAULT_KEY_HOST = 'clerk.example.com';

/**
 * A publishable key in the vendor's format for a Frontend API host:
 * `pk_<live|test>_` + base64(`host$`).
 * @param {string} host
 * @param {'live' | 'test'} [kind]
 */
export function publishableKey(host, kind = 'live') {
  return `pk_${kind}_${Buffer.from(`${host}$`).toString('base64')}`;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * An HTTP server (not yet listening) for the built app.
 * @param {{ latchkeyUrl: string, publishableKey?: string, root?: string }} options
 * @returns {http.Server}
 */
export function createServer({ latchkeyUrl, publishableKey: key = publishableKey(DEFAULT_KEY_HOST), root = path.join(HERE, 'dist') }) {
  const config = JSON.stringify({ proxyUrl: latchkeyUrl, publishableKey: key });
  return http.createServer(async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(config);
      return;
    }
    let file = path.join(root, path.normalize(decodeURIComponent(pathname)));
    if (!file.startsWith(root + path.sep)) file = path.join(root, 'index.html');
    try {
      if (!(await stat(file)).isFile()) file = path.join(root, 'index.html');
    } catch {
      file = path.join(root, 'index.html');
    }
    try {
      const body = await readFile(file);
      const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
      // Vite puts a content hash in every asset's name: those can be cached for good.
      const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
      res.writeHead(200, { 'content-type': type, 'cache-control': cache });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      const missing = /** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT';
      res.writeHead(missing ? 404 : 500, { 'content-type': 'text/plain' });
      res.end(missing ? 'Not built yet: run `npm run build`.\n' : String(error));
    }
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000);
  const latchkeyUrl = process.env.LATCHKEY_URL ?? 'http://localhost:8080';
  const key = process.env.CLERK_PUBLISHABLE_KEY ?? publishableKey(process.env.CLERK_KEY_HOST ?? DEFAULT_KEY_HOST);
  const server = createServer({ latchkeyUrl, publishableKey: key });
  server.listen(port, '127.0.0.1', () => {
    console.log(`App on http://localhost:${port}, talking to Latchkey at ${latchkeyUrl}`);
    console.log(`Latchkey must allow this origin: LATCHKEY_WEBAUTHN__ORIGINS='["${latchkeyUrl}","http://localhost:${port}"]'`);
  });
}
