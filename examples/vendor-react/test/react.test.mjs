/**
 * The example app, built with Vite, in a real Chromium against a real Latchkey server:
 * @clerk/react's hooks over the unmodified @clerk/clerk-js, every step driven through the
 * page (buttons and text) with a CDP virtual authenticator standing in for the user's.
 *
 * Needs the server binary and Chromium:
 *   LATCHKEY_BIN=target/debug/latchkey npm test    (relative to here or to the repository root)
 * The database is a fresh SQLite file, or PostgreSQL when LATCHKEY_E2E_POSTGRES_URL (or
 * LATCHKEY_E2E_DATABASE_URL) is set. CHROMIUM_PATH overrides /usr/bin/chromium.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { chromium } from 'playwright-core';

import { createServer, publishableKey } from '../server.mjs';

const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = path.join(HERE, 'test', 'artifacts');
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
/** The publishable key's host: any host with a dot, since `proxyUrl` decides where calls go. */
const KEY_HOST = 'clerk.example.com';

/** A port nobody listens on right now. @returns {Promise<number>} */
function freePort() {
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

/** A username no earlier run has taken (the PostgreSQL database may be shared). */
function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** @type {string} */ let latchkeyUrl;
/** @type {string} */ let appUrl;
/** @type {import('node:child_process').ChildProcess | undefined} */ let latchkey;
/** @type {string | undefined} */ let dir;
let latchkeyLogs = '';
/** @type {import('node:http').Server | undefined} */ let app;
/** @type {import('playwright-core').Browser | undefined} */ let browser;

before(async () => {
  if (!process.env.LATCHKEY_BIN) throw new Error('Set LATCHKEY_BIN to the latchkey binary (e.g. target/debug/latchkey).');
  // A relative path is taken from the working directory, else from the repository's root
  // (CI names `target/debug/latchkey` while npm runs this from the example's directory).
  const bin = [path.resolve(process.env.LATCHKEY_BIN), path.resolve(HERE, '..', '..', process.env.LATCHKEY_BIN)].find((p) =>
    existsSync(p),
  ) ?? path.resolve(process.env.LATCHKEY_BIN);

  // The app as a user deploys it: a production build.
  await promisify(execFile)(process.execPath, [path.join(HERE, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: HERE,
  });

  const port = await freePort();
  let appPort = await freePort();
  while (appPort === port) appPort = await freePort();
  latchkeyUrl = `http://localhost:${port}`;
  appUrl = `http://localhost:${appPort}`;
  dir = await mkdtemp(path.join(tmpdir(), 'latchkey-vendor-react-'));
  const database =
    process.env.LATCHKEY_E2E_DATABASE_URL || process.env.LATCHKEY_E2E_POSTGRES_URL || `sqlite://${dir}/latchkey.db`;
  latchkey = spawn(bin, ['serve'], {
    cwd: dir,
    env: {
      ...process.env,
      LATCHKEY_SERVER__LISTEN: `127.0.0.1:${port}`,
      LATCHKEY_SERVER__PUBLIC_URL: latchkeyUrl,
      LATCHKEY_DATABASE__URL: database,
      // The app's page is another origin than Latchkey's: it must be allowed, and WebAuthn's
      // RP ID is `localhost`, which both origins share.
      LATCHKEY_WEBAUTHN__RP_ID: 'localhost',
      LATCHKEY_WEBAUTHN__ORIGINS: JSON.stringify([latchkeyUrl, appUrl]),
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  latchkey.stdout?.on('data', (d) => (latchkeyLogs += d));
  latchkey.stderr?.on('data', (d) => (latchkeyLogs += d));
  /** @type {Error | undefined} */
  let spawnError;
  latchkey.on('error', (e) => (spawnError = e));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (spawnError || latchkey.exitCode !== null) {
      throw new Error(`latchkey serve did not start (${bin}): ${spawnError?.message ?? 'exited'}\n${latchkeyLogs}`);
    }
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`latchkey serve was not ready within 60 s\n${latchkeyLogs}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  app = createServer({ latchkeyUrl, publishableKey: publishableKey(KEY_HOST, 'live') });
  await new Promise((resolve) => app?.listen(appPort, '127.0.0.1', () => resolve(undefined)));

  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (app) {
    app.closeAllConnections();
    await new Promise((resolve) => app?.close(() => resolve(undefined)));
  }
  if (latchkey && latchkey.exitCode === null) {
    const exited = new Promise((r) => latchkey?.once('exit', r));
    latchkey.kill('SIGTERM');
    const timer = setTimeout(() => latchkey?.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Wait until the first match of `locator` has a text matching `expected`; its text.
 * @param {import('playwright-core').Locator} locator
 * @param {RegExp} expected
 */
async function textOf(locator, expected, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last = '';
  for (;;) {
    last = (await locator.first().textContent({ timeout: 1000 }).catch(() => null)) ?? '';
    if (expected.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${expected}; last text: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('signs up, manages a passkey, signs out and in with it, through @clerk/react on Latchkey', async (t) => {
  if (!browser) throw new Error('no browser');
  const context = await browser.newContext();
  // A browser under automation reports navigator.webdriver, which clerk-js takes for a bot
  // and refuses passkeys to; a person's browser reports false, and so does this one.
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false }));
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);

  /** @type {string[]} */ const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  /** Every Frontend API call: `METHOD /v1/...?query STATUS`, METHOD the one tunnelled in
   * `_method` when there is one (clerk-js sends PATCH and DELETE as POST). @type {string[]} */
  const calls = [];
  /** Requests to anywhere but the app's and Latchkey's origins (the vendor's CDN...). @type {string[]} */
  const foreign = [];
  /** @type {string[]} */ const failed = [];
  await context.route('**/*', (route) => {
    const { origin } = new URL(route.request().url());
    if (origin === appUrl || origin === latchkeyUrl || origin === 'null' || origin.startsWith('data:')) return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.origin === latchkeyUrl && url.pathname.startsWith('/v1/')) {
      const method = url.searchParams.get('_method') ?? response.request().method();
      calls.push(`${method} ${url.pathname}${url.search} ${response.status()}`);
    }
  });
  page.on('requestfailed', (request) => failed.push(`${request.method()} ${request.url()} ${request.failure()?.errorText}`));

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
  const credentialCount = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length;

  const button = (/** @type {string} */ name) => page.getByRole('button', { name, exact: true });
  const signedOut = page.locator('#signed-out');
  const signedIn = page.locator('#signed-in');
  const passkeys = page.locator('#passkeys li');
  const sessionId = () => textOf(page.getByTestId('session-id'), /^sess_\w+$/);
  /** The page shows no error; else the test fails with it. */
  const noAlert = async () => {
    const alerts = await page.getByRole('alert').allTextContents();
    assert.deepEqual(alerts, [], `the page shows an error: ${alerts.join(' / ')}`);
  };

  try {
    await page.goto(appUrl + '/');
    await signedOut.waitFor();
    // clerk-js is the pinned version, bundled into the app rather than fetched from a CDN.
    assert.equal(await textOf(page.getByTestId('clerk-version'), /\d/), '6.40.0');
    assert.ok(calls.some((c) => c.startsWith('GET /v1/environment') && c.endsWith(' 200')), calls.join('\n'));

    // Sign up with a username: signed in at once, with a session.
    const username = unique('ada');
    await page.getByPlaceholder('Username').fill(username);
    await button('Sign up').click();
    await signedIn.waitFor();
    await noAlert();
    assert.equal(await page.getByTestId('username').textContent(), username);
    const signUpSession = await sessionId();
    assert.ok(calls.some((c) => /^POST \/v1\/client\/sign_ups\S* 200$/.test(c)), calls.join('\n'));

    // Create a passkey: the authenticator holds it and the list shows it, named by the browser.
    assert.equal(await page.getByText('No passkeys yet.').count(), 1);
    await button('Create passkey').click();
    const created = await textOf(passkeys, /^Name: .+ \| ID: pk_\w+/);
    await noAlert();
    const passkeyId = /ID: (pk_\w+)/.exec(created)?.[1];
    assert.equal(await passkeys.count(), 1);
    assert.equal(await credentialCount(), 1);

    // Rename it.
    await passkeys.first().getByPlaceholder('New name').fill('Work laptop');
    await button('Rename').click();
    assert.equal(await textOf(passkeys.first().locator('.passkey'), /Work laptop/), `Name: Work laptop | ID: ${passkeyId}`);
    await noAlert();
    assert.ok(calls.some((c) => c.startsWith(`PATCH /v1/me/passkeys/${passkeyId}?`) && c.endsWith(' 200')), calls.join('\n'));

    // Sign out: back to the signed-out screen, through the SDK's DELETE /v1/client/sessions.
    await button('Sign out').click();
    await signedOut.waitFor();
    assert.equal(await signedIn.count(), 0);
    assert.ok(calls.some((c) => /^DELETE \/v1\/client\/sessions\S* 200$/.test(c)), calls.join('\n'));

    // Sign in with the passkey (discoverable): the same user, in a new session.
    await button('Sign in with a passkey').click();
    await signedIn.waitFor();
    await noAlert();
    assert.equal(await page.getByTestId('username').textContent(), username);
    const signInSession = await sessionId();
    assert.notEqual(signInSession, signUpSession);
    assert.ok(calls.some((c) => /^POST \/v1\/client\/sign_ins\/sia_\w+\/attempt_first_factor\S* 200$/.test(c)), calls.join('\n'));
    assert.equal(await textOf(passkeys.first().locator('.passkey'), /Work laptop/), `Name: Work laptop | ID: ${passkeyId}`);

    // A reload keeps the session (the __client cookie on Latchkey's origin).
    await page.reload();
    await signedIn.waitFor();
    assert.equal(await page.getByTestId('username').textContent(), username);
    assert.equal(await sessionId(), signInSession);

    // The same through the package root's signal-based useSignIn (passkey() + finalize()).
    await button('Sign out').click();
    await signedOut.waitFor();
    await button('Sign in with a passkey (signal API)').click();
    await signedIn.waitFor();
    await noAlert();
    assert.equal(await page.getByTestId('username').textContent(), username);
    const signalSession = await sessionId();
    assert.ok(![signUpSession, signInSession].includes(signalSession), signalSession);

    // Delete the passkey: the list is empty, and stays so after a reload.
    await button('Delete').click();
    await page.getByText('No passkeys yet.').waitFor();
    await noAlert();
    assert.equal(await passkeys.count(), 0);
    assert.ok(calls.some((c) => c.startsWith(`DELETE /v1/me/passkeys/${passkeyId}?`) && c.endsWith(' 200')), calls.join('\n'));
    await page.reload();
    await signedIn.waitFor();
    assert.equal(await page.getByText('No passkeys yet.').count(), 1);

    // Sign out for good: a reload finds no session.
    await button('Sign out').click();
    await signedOut.waitFor();
    await page.reload();
    await signedOut.waitFor();
    assert.equal(await signedIn.count(), 0);

    // Nothing failed on the way: every Frontend API call succeeded, nothing left localhost.
    assert.deepEqual(calls.filter((c) => !/ 2\d\d$/.test(c)), [], calls.join('\n'));
    assert.deepEqual(foreign, []);
    assert.deepEqual(failed, []);
  } catch (error) {
    await mkdir(ARTIFACTS, { recursive: true }).catch(() => {});
    await page.screenshot({ path: path.join(ARTIFACTS, 'react-flow.png'), fullPage: true }).catch(() => {});
    const err = /** @type {Error} */ (error);
    err.message += `\n--- Frontend API calls ---\n${calls.join('\n')}\n--- requests elsewhere ---\n${foreign.join('\n')}` +
      `\n--- failed requests ---\n${failed.join('\n')}\n--- page console ---\n${consoleLines.join('\n')}` +
      `\n--- latchkey (last 4000 chars) ---\n${latchkeyLogs.slice(-4000)}`;
    throw err;
  } finally {
    await context.close();
    const shapes = new Set(calls.map((c) => c.replace(/\?\S*/, '').replace(/\b(sess|pk|sia|sua|user)_\w+/g, '$1_…')));
    t.diagnostic(`${calls.length} Frontend API calls: ${[...shapes].join(', ')}`);
  }
});
