// The vendor's unmodified browser SDK (@clerk/clerk-js, pinned in package.json) on a
// page of its own origin, served from node_modules, talking to a real Latchkey server:
// either straight to Latchkey's origin (`proxyUrl` = Latchkey's URL, credentialed CORS)
// or through a same-origin path that this page server forwards to Latchkey, as a team
// that proxies its Frontend API would.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { ROOT, listen, withPage } from './harness.js';

/**
 * The vendor's built files, served under `/clerk/` (clerk-js) and `/clerk-ui/` (the
 * prebuilt UI): the pinned packages', or those `scripts/vendor-drift` names.
 */
const DISTS = {
  '/clerk/': process.env.LATCHKEY_VENDOR_CLERK_JS_DIST ?? path.join(ROOT, 'node_modules', '@clerk', 'clerk-js', 'dist'),
  '/clerk-ui/': process.env.LATCHKEY_VENDOR_CLERK_UI_DIST ?? path.join(ROOT, 'node_modules', '@clerk', 'ui', 'dist'),
};

/** A publishable key's host: any host with a dot, since `proxyUrl` decides where calls go. */
export const KEY_HOST = 'clerk.example.com';

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
 * outcome is `window.loaded` (a promise) and `#status`. With `ui`, the vendor's prebuilt
 * components are loaded too, to be mounted on `#mount`.
 * @param {string} key
 * @param {string} proxyUrl
 * @param {{ ui?: boolean }} [options]
 */
export function vendorPage(key, proxyUrl, { ui = false } = {}) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vendor SDK</title></head>
<body>
<p id="status">loading</p>
<form><input id="identifier" name="identifier" autocomplete="username webauthn"></form>
<div id="mount"></div>
${ui ? '<script src="/clerk-ui/ui.browser.js"></script>' : ''}
<script src="/clerk/clerk.browser.js" data-clerk-publishable-key="${key}" data-clerk-proxy-url="${proxyUrl}"></script>
<script>
  window.loaded = window.Clerk.load(${ui ? '{ ui: { ClerkUI: window.__internal_ClerkUICtor } }' : ''}).then(
    () => { document.getElementById('status').textContent = 'status: ' + window.Clerk.status; return window.Clerk.status; },
    (error) => { document.getElementById('status').textContent = 'failed: ' + error; throw error; },
  );
</script>
</body></html>`;
}

/** The vendor package directory whose prefix `pathname` starts with. @param {string} pathname */
function dist(pathname) {
  return Object.entries(DISTS).find(([prefix]) => pathname.startsWith(prefix));
}

/**
 * Serve `pages` (path → HTML), the vendor's files under `/clerk/` and `/clerk-ui/`, and forward
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
      } else if (dist(url.pathname) && !url.pathname.includes('..')) {
        const [prefix, dir] = /** @type {[string, string]} */ (dist(url.pathname));
        const file = path.join(dir, url.pathname.slice(prefix.length));
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
  return listen(server, port);
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

/**
 * @typedef {object} VendorPage
 * @property {import('playwright-core').Page} page
 * @property {string[]} calls      every Frontend API call: `METHOD /v1/... status`, with the
 *   method the SDK meant (it sends PATCH and DELETE as POST with `_method`)
 * @property {() => Promise<string>} load  (re)load the SDK's page; its `Clerk.status`
 */

/**
 * Run `body` on a fresh page at `pagePath` of the page server (on `server.origin2`) with a
 * virtual authenticator. A browser driven by automation reports `navigator.webdriver`,
 * which the SDK takes for a bot and refuses passkeys to; a user's browser reports false,
 * and so does this one. Errors thrown on the page fail the test.
 * @param {import('playwright-core').Browser} browser
 * @param {import('./harness.js').LatchkeyServer} server
 * @param {import('node:test').TestContext} t
 * @param {string} pagePath
 * @param {(v: VendorPage) => Promise<void>} body
 */
export function withVendorPage(browser, server, t, pagePath, body) {
  return withPage(browser, t, async ({ context, page }) => {
    await context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false }),
    );
    /** @type {string[]} */
    const calls = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      const at = url.pathname.indexOf('/v1/');
      if (at !== -1 && (url.origin === server.url || url.pathname.startsWith(PROXY_PATH))) {
        const method = url.searchParams.get('_method') ?? response.request().method();
        calls.push(`${method} ${url.pathname.slice(at)} ${response.status()}`);
      }
    });
    const load = async () => {
      await page.goto(`${server.origin2}${pagePath}`);
      return /** @type {string} */ (await page.evaluate(() => /** @type {any} */ (window).loaded));
    };
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await body({ page, calls, load });
    assert.deepEqual(errors, [], 'errors thrown on the page');
  });
}

/** Sign a new user up with a username through the SDK and make the session active. */
export const SIGN_UP = async (/** @type {string} */ username) => {
  const clerk = /** @type {any} */ (window).Clerk;
  const signUp = await clerk.client.signUp.create({ username });
  await clerk.setActive({ session: signUp.createdSessionId });
  return { status: signUp.status, username: clerk.user?.username, sessionId: clerk.session?.id };
};

/**
 * Sign a new user up, give them a passkey and sign out, so that a passkey sign-in can
 * follow. `signOut(callback)` runs the callback instead of navigating to the
 * after-sign-out URL, as an app that routes by itself does.
 * @param {import('playwright-core').Page} page
 * @param {string} username
 */
export async function userWithPasskey(page, username) {
  await page.evaluate(SIGN_UP, username);
  await page.evaluate(async () => {
    const clerk = /** @type {any} */ (window).Clerk;
    await clerk.user.createPasskey();
    await clerk.signOut(() => {});
  });
}
