// End-to-end harness: starts a real Latchkey server per test file, a headless
// Chromium with a CDP virtual authenticator per test, and small waiting
// helpers (playwright-core has no `expect`). Screenshots of failed tests go
// to e2e/artifacts/.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

/** A desktop Chrome user agent, so passkey names derived from it are predictable. */
export const CHROME_LINUX_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A port nobody listens on right now. @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** A short random suffix for unique usernames (the database may be shared). */
export function unique(prefix = 'user') {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * The database the e2e servers share instead of a fresh SQLite file each:
 * `LATCHKEY_E2E_DATABASE_URL`, or `LATCHKEY_E2E_POSTGRES_URL` as scripts/test names it.
 * @returns {string | undefined}
 */
function e2eDatabaseUrl() {
  return process.env.LATCHKEY_E2E_DATABASE_URL || process.env.LATCHKEY_E2E_POSTGRES_URL || undefined;
}

/**
 * @typedef {object} LatchkeyServer
 * @property {string} url       the server's public URL, `http://localhost:<port>`
 * @property {number} port
 * @property {number} port2     a second allowed web origin's port
 * @property {string} origin2   `http://localhost:<port2>`
 * @property {() => string} logs
 * @property {() => Promise<void>} stop
 * @property {Record<string, string | undefined>} env  the environment the server runs with
 * @property {string} dir       the server's working directory (its SQLite database's)
 */

/** The `latchkey` binary the tests run: `$LATCHKEY_BIN`, else the debug build. */
function latchkeyBin() {
  return path.resolve(ROOT, process.env.LATCHKEY_BIN ?? 'target/debug/latchkey');
}

/**
 * Start `$LATCHKEY_BIN serve` on a free port with a fresh SQLite database
 * (or the database of `$LATCHKEY_E2E_DATABASE_URL`) and wait until `/readyz` answers 200.
 * @param {{ env?: Record<string, string> }} [options]
 * @returns {Promise<LatchkeyServer>}
 */
export async function startServer(options = {}) {
  const bin = latchkeyBin();
  const port = await freePort();
  let port2 = await freePort();
  while (port2 === port) port2 = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-e2e-'));
  const url = `http://localhost:${port}`;
  const origin2 = `http://localhost:${port2}`;
  const env = {
    ...process.env,
    LATCHKEY_SERVER__LISTEN: `127.0.0.1:${port}`,
    LATCHKEY_SERVER__PUBLIC_URL: url,
    LATCHKEY_WEBAUTHN__ORIGINS: JSON.stringify([url, origin2]),
    LATCHKEY_DATABASE__URL: e2eDatabaseUrl() ?? `sqlite://${dir}/latchkey.db`,
    RUST_LOG: process.env.RUST_LOG ?? 'info',
    ...options.env,
  };
  let output = '';
  const child = spawn(bin, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  /** @type {Error | null} */
  let failure = null;
  child.on('error', (e) => (failure = e));
  let exited = false;
  child.on('exit', () => (exited = true));

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const done = new Promise((r) => child.once('exit', r));
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (failure || exited) {
      await stop();
      throw new Error(`latchkey serve did not start (${bin}): ${failure?.message ?? 'exited'}\n${output}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`latchkey serve was not ready within 60 s\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, port2, origin2, logs: () => output, stop, env, dir };
}

/**
 * Run a `latchkey` command (`admin create NAME`, say) against the database and
 * configuration of a running test server.
 * @param {LatchkeyServer} server
 * @param {string[]} args
 * @returns {Promise<{ stdout: string, stderr: string }>}
 */
export function runLatchkey(server, args) {
  return new Promise((resolve, reject) => {
    execFile(latchkeyBin(), args, { cwd: server.dir, env: server.env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        error.message += `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;
        reject(error);
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

/**
 * A tiny static HTTP server for the second origin: `routes` maps paths to
 * `[contentType, body]`; files under `files` are read from the repository.
 * @param {number} port
 * @param {Record<string, [string, string]>} routes
 * @param {Record<string, string>} [files] path → repository-relative file
 * @returns {Promise<{ close: () => Promise<void> }>}
 */
export async function startStaticServer(port, routes, files = {}) {
  const server = http.createServer(async (req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    try {
      if (routes[pathname]) {
        const [type, body] = routes[pathname];
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      } else if (files[pathname]) {
        const body = await readFile(path.join(ROOT, files[pathname]));
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
        res.end(body);
      } else {
        res.writeHead(404).end('not found');
      }
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  return listen(server, port);
}

/**
 * Listen with `server` on 127.0.0.1:`port`; `close` drops open connections and stops it.
 * @param {http.Server} server
 * @param {number} port
 * @returns {Promise<{ close: () => Promise<void> }>}
 */
export async function listen(server, port) {
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
 * @typedef {object} SmtpSink
 * @property {number} port
 * @property {Record<string, string>} serverEnv  what points a Latchkey server at this sink
 * @property {(to: string, timeout?: number) => Promise<string>} nextCode
 *   the 6-digit code of the next message to `to` not read before
 * @property {() => Promise<void>} stop
 */

/**
 * Start a real SMTP server that stores every message in a maildir: aiosmtpd's
 * Mailbox handler, run by `$LATCHKEY_TEST_PYTHON` (else `python3`).
 * @returns {Promise<SmtpSink>}
 */
export async function startSmtpSink() {
  const python = process.env.LATCHKEY_TEST_PYTHON || 'python3';
  try {
    await new Promise((resolve, reject) =>
      execFile(python, ['-c', 'import aiosmtpd'], (error) => (error ? reject(error) : resolve(undefined))),
    );
  } catch (error) {
    throw new Error(
      `The email tests need aiosmtpd: \`${python} -c "import aiosmtpd"\` failed. Install it (pip install aiosmtpd) ` +
        `or point LATCHKEY_TEST_PYTHON at a Python that has it.\n${/** @type {Error} */ (error).message}`,
    );
  }
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-mail-'));
  const maildir = path.join(dir, 'maildir');
  const child = spawn(python, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await done;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (exited) throw new Error(`aiosmtpd exited:\n${output}`);
      return new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
        socket.on('error', () => resolve(false));
      });
    }, `aiosmtpd listening on ${port}`);
  } catch (error) {
    await stop();
    throw error;
  }
  /** @type {Set<string>} */
  const read = new Set();
  /** @param {string} to */
  const unreadCode = async (to) => {
    for (const sub of ['new', 'cur']) {
      /** @type {string[]} */
      let names = [];
      try {
        names = (await readdir(path.join(maildir, sub))).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        if (read.has(name)) continue;
        const message = parseMessage(await readFile(path.join(maildir, sub, name), 'latin1'));
        const rcpt = `${message.headers.get('to') ?? ''} ${message.headers.get('x-rcptto') ?? ''}`;
        if (!rcpt.toLowerCase().includes(to.toLowerCase())) continue;
        read.add(name);
        const code = /(?<!\d)(\d{6})(?!\d)/.exec(message.text)?.[1];
        if (!code) throw new Error(`The message to ${to} has no 6-digit code:\n${message.text}`);
        return code;
      }
    }
    return null;
  };
  return {
    port,
    serverEnv: {
      LATCHKEY_EMAIL__SMTP_HOST: '127.0.0.1',
      LATCHKEY_EMAIL__SMTP_PORT: String(port),
      LATCHKEY_EMAIL__SMTP_TLS: 'none',
    },
    nextCode: async (to, timeout = 15_000) => {
      /** @type {string | null} */
      let code = null;
      await until(async () => (code = await unreadCode(to)) !== null, `a code mailed to ${to}`, timeout);
      return /** @type {string} */ (/** @type {unknown} */ (code));
    },
    stop,
  };
}

/**
 * A MIME message, enough of it to read: its top-level headers (lower-case
 * names) and the decoded text of its text parts, multipart or not.
 * @param {string} raw the message as stored, one char per byte
 * @returns {{ headers: Map<string, string>, text: string }}
 */
export function parseMessage(raw) {
  const normalised = raw.replace(/\r\n/g, '\n');
  const split = normalised.indexOf('\n\n');
  const head = split === -1 ? normalised : normalised.slice(0, split);
  const body = split === -1 ? '' : normalised.slice(split + 2);
  /** @type {Map<string, string>} */
  const headers = new Map();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const parts = body.split(`--${boundary}`).slice(1).filter((p) => !p.startsWith('--'));
    return { headers, text: parts.map((p) => parseMessage(p.replace(/^\n/, '')).text).join('\n') };
  }
  if (!/^text\//i.test(type)) return { headers, text: '' };
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  /** @type {Buffer} */
  let bytes;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') {
    bytes = Buffer.from(
      body.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    );
  } else bytes = Buffer.from(body, 'latin1');
  return { headers, text: bytes.toString('utf8') };
}

/** @returns {Promise<import('playwright-core').Browser>} */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/**
 * @typedef {object} Harness
 * @property {import('playwright-core').BrowserContext} context
 * @property {import('playwright-core').Page} page
 * @property {import('playwright-core').CDPSession} cdp
 * @property {string} authenticatorId
 * @property {string[]} console  the page's console messages and errors
 */

/**
 * Run `body` with a fresh browser context, page and virtual authenticator
 * (CTAP2, internal, resident keys, user verification). On failure: a
 * screenshot in e2e/artifacts/ and the page's console in the error.
 * @param {import('playwright-core').Browser} browser
 * @param {import('node:test').TestContext} t
 * @param {(h: Harness) => Promise<void>} body
 */
export async function withPage(browser, t, body) {
  const context = await browser.newContext({ userAgent: CHROME_LINUX_UA });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  /** @type {string[]} */
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  try {
    await body({ context, page, cdp, authenticatorId, console: consoleLines });
  } catch (error) {
    try {
      await mkdir(ARTIFACTS, { recursive: true });
      const name = t.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').slice(0, 80);
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
    } catch {
      // A screenshot is a bonus; the test's own error matters.
    }
    const err = /** @type {Error} */ (error);
    err.message += `\n--- page console ---\n${consoleLines.join('\n')}`;
    throw err;
  } finally {
    await context.close();
  }
}

/**
 * Wait until the text of `locator` (first match) contains `expected`.
 * @param {import('playwright-core').Locator} locator
 * @param {string | RegExp} expected
 * @param {number} [timeout]
 * @returns {Promise<string>} the text seen
 */
export async function waitForText(locator, expected, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    try {
      last = (await locator.first().textContent({ timeout: 1000 })) ?? '';
      const ok = typeof expected === 'string' ? last.includes(expected) : expected.test(last);
      if (ok) return last;
    } catch {
      // Not attached yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${String(expected)}; last text: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Wait until a visible element has exactly/partly this text.
 * @param {import('playwright-core').Page} page
 * @param {string} text
 */
export async function waitForVisibleText(page, text) {
  await page.getByText(text).first().waitFor({ state: 'visible' });
}

// ----- demo page steps -----

/**
 * Open the demo and wait until it has loaded (one of its views shows).
 * @param {import('playwright-core').Page} page
 * @param {string} url
 */
export async function openDemo(page, url) {
  await page.goto(url + '/');
  await page.locator('#signed-in:not([hidden]), #signed-out:not([hidden])').first().waitFor();
  // The demo's own first calls (its autofill sign-in) create the browser's client; a test
  // that drives a second SDK instance on the page must not race them for the cookie.
  await page.waitForLoadState('networkidle');
}

/** @param {import('playwright-core').Page} page */
export const button = (page, /** @type {string} */ name) => page.getByRole('button', { name, exact: true });

/**
 * Sign up with a username on the demo and wait for the signed-in view.
 * @param {import('playwright-core').Page} page
 * @param {string} username
 */
export async function signUpWithUsername(page, username) {
  await page.getByPlaceholder('Username', { exact: true }).fill(username);
  await button(page, 'Sign up').click();
  await waitForVisibleText(page, `Signed in as ${username}`);
}

/**
 * Passkey-first sign-up on the demo.
 * @param {import('playwright-core').Page} page
 * @param {string} username
 */
export async function signUpWithPasskey(page, username) {
  await page.getByPlaceholder('Username', { exact: true }).fill(username);
  await button(page, 'Sign up with a passkey').click();
  await waitForVisibleText(page, `Signed in as ${username}`);
}

/**
 * Click "Create a passkey" and wait for one more item in the list.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<{ id: string, name: string, text: string }>} the newest passkey
 */
export async function createPasskey(page) {
  const items = page.locator('#passkeys li');
  const before = await items.count();
  await button(page, 'Create a passkey').click();
  await page.waitForFunction((n) => document.querySelectorAll('#passkeys li').length > n, before);
  const text = (await items.first().textContent()) ?? '';
  return { ...parsePasskeyItem(text), text };
}

/** @param {string} text @returns {{ id: string, name: string }} */
export function parsePasskeyItem(text) {
  const match = /Name: (.+?) \| ID: (pk_[A-Za-z0-9_-]+)/.exec(text);
  if (!match) throw new Error(`Not a passkey item: ${text}`);
  return { name: match[1], id: match[2] };
}

/** @param {import('playwright-core').Page} page */
export async function signOut(page) {
  await button(page, 'Sign out').click();
  await button(page, 'Sign in with a passkey').waitFor({ state: 'visible' });
}

/** @param {import('playwright-core').Page} page */
export function alertText(page) {
  return page.getByRole('alert');
}

/**
 * The virtual authenticator's credentials.
 * @param {import('playwright-core').CDPSession} cdp
 * @param {string} authenticatorId
 */
export async function credentials(cdp, authenticatorId) {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}

/**
 * Poll `check` until it returns true.
 * @param {() => Promise<boolean>} check
 * @param {string} what
 * @param {number} [timeout]
 */
export async function until(check, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
