/**
 * `@clerk/backend`'s `verifyToken` against session tokens of a real Latchkey server
 * signing with RS256 (`keys.algorithm = "RS256"`), the one algorithm that SDK accepts:
 * with the PEM that `latchkey keys pem` prints as `jwtKey`, and with the JWKS fetched
 * from the Backend API (`apiUrl` + `secretKey`). Good tokens pass with our origin as
 * authorized party; tampered, expired, foreign-key and other-party tokens are refused.
 *
 * Needs the binary: `cargo build -p latchkey-server`, then
 *   LATCHKEY_BIN=target/debug/latchkey node --test examples/node-backend/test/
 * Without LATCHKEY_BIN the tests use target/debug/latchkey and are skipped when it is
 * missing.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, mock, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { verifyToken } from '@clerk/backend';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = process.env.LATCHKEY_BIN
  ? path.resolve(process.env.LATCHKEY_BIN)
  : path.join(ROOT, 'target/debug/latchkey');
const SKIP = !process.env.LATCHKEY_BIN && !existsSync(BIN)
  ? `no Latchkey binary at ${BIN}: build it or set LATCHKEY_BIN`
  : false;
const SECRET_KEY = 'sk_test_clerk_backend_example_0123456789';

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

/**
 * `verifyToken` as the package exports it: it resolves to the claims or rejects with a
 * `TokenVerificationError`; here either becomes `{ data }` or `{ error }`.
 * @param {string} token
 * @param {Parameters<typeof verifyToken>[1]} options
 * @returns {Promise<{ data?: import('jose').JWTPayload, error?: { reason?: string, message: string } }>}
 */
async function verify(token, options) {
  try {
    return { data: await verifyToken(token, options) };
  } catch (error) {
    return { error: /** @type {{ reason?: string, message: string }} */ (error) };
  }
}

/** @type {string} the server's public URL, also its own allowed origin */
let origin;
/** @type {NodeJS.ProcessEnv} */
let env;
/** @type {import('node:child_process').ChildProcess | undefined} */
let child;
/** @type {string} */
let dir;
let logs = '';

/** Runs `latchkey <args>` against the test server's configuration. @param {string[]} args */
async function latchkey(...args) {
  const { stdout } = await promisify(execFile)(BIN, args, { cwd: dir, env });
  return stdout;
}

before(async () => {
  if (SKIP) return;
  const port = await freePort();
  dir = await mkdtemp(path.join(tmpdir(), 'latchkey-clerk-'));
  origin = `http://localhost:${port}`;
  env = {
    PATH: process.env.PATH,
    LATCHKEY_SERVER__LISTEN: `127.0.0.1:${port}`,
    LATCHKEY_SERVER__PUBLIC_URL: origin,
    LATCHKEY_DATABASE__URL: `sqlite://${dir}/latchkey.db`,
    LATCHKEY_KEYS__ALGORITHM: 'RS256',
    LATCHKEY_BACKEND__SECRET_KEYS: JSON.stringify([SECRET_KEY]),
    RUST_LOG: 'warn',
  };
  child = spawn(BIN, ['serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d) => (logs += d));
  child.stderr?.on('data', (d) => (logs += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`latchkey serve exited:\n${logs}`);
    const ready = await fetch(`${origin}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`latchkey serve did not get ready:\n${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Signs up a new user with a username (which signs them in: the session is active),
 * the way a browser on our origin does, and mints a session token.
 * @returns {Promise<{ jwt: string, userId: string, sessionId: string }>}
 */
async function signIn() {
  const username = `user${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const signUp = await fetch(`${origin}/v1/client/sign_ups`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username }),
  });
  assert.equal(signUp.status, 200, await signUp.clone().text());
  const cookie = signUp.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('__client='));
  assert.ok(cookie, 'the client cookie is set');
  const { response } = await signUp.json();
  const sessionId = response.created_session_id;
  const userId = response.created_user_id;
  const minted = await fetch(`${origin}/v1/client/sessions/${sessionId}/tokens`, {
    method: 'POST',
    headers: { origin, cookie },
  });
  assert.equal(minted.status, 200, await minted.clone().text());
  const { jwt } = await minted.json();
  return { jwt, userId, sessionId };
}

describe('@clerk/backend verifyToken with an RS256 Latchkey', { skip: SKIP }, () => {
  /** @type {string} */
  let pem;
  /** @type {{ jwt: string, userId: string, sessionId: string }} */
  let session;

  before(async () => {
    pem = await latchkey('keys', 'pem');
    session = await signIn();
  });

  test('the token is RS256, signed by the RSA key the JWKS lists first', async () => {
    const header = decodeProtectedHeader(session.jwt);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.typ, 'JWT');
    const jwks = await (await fetch(`${origin}/.well-known/jwks.json`)).json();
    const [key] = jwks.keys;
    assert.deepEqual(
      { kty: key.kty, alg: key.alg, use: key.use, kid: key.kid, e: key.e },
      { kty: 'RSA', alg: 'RS256', use: 'sig', kid: header.kid, e: 'AQAB' },
    );
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
    // The PEM's modulus is the JWK's: what verifyToken reads out of a jwtKey.
    const body = pem.replace(/-----[^-]+-----|\s/g, '');
    assert.ok(Buffer.from(body, 'base64').includes(Buffer.from(key.n, 'base64url')));
  });

  test('accepts our token with jwtKey and our origin as authorized party', async () => {
    const { data, error } = await verify(session.jwt, { jwtKey: pem, authorizedParties: [origin] });
    assert.equal(error, undefined, error?.message);
    assert.equal(data?.sub, session.userId);
    assert.equal(data?.sid, session.sessionId);
    assert.equal(data?.azp, origin);
    assert.equal(data?.iss, origin);
  });

  test('accepts our token with the JWKS of the Backend API (apiUrl and secretKey)', async () => {
    const { data, error } = await verify(session.jwt, {
      apiUrl: `${origin}/backend`,
      secretKey: SECRET_KEY,
      authorizedParties: [origin],
    });
    assert.equal(error, undefined, error?.message);
    assert.equal(data?.sub, session.userId);
  });

  test('refuses a tampered token', async () => {
    const [header, payload, signature] = session.jwt.split('.');
    const claims = { ...decodeJwt(session.jwt), sub: 'user_admin' };
    const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
    assert.notEqual(forged, payload);
    const { data, error } = await verify(`${header}.${forged}.${signature}`, { jwtKey: pem });
    assert.equal(data, undefined);
    assert.equal(error?.reason, 'token-invalid-signature');
    // A flipped bit in the signature, too.
    const bytes = Buffer.from(signature, 'base64url');
    bytes[7] ^= 1;
    const flipped = await verify(`${header}.${payload}.${bytes.toString('base64url')}`, { jwtKey: pem });
    assert.equal(flipped.error?.reason, 'token-invalid-signature');
  });

  test('refuses an expired token', async () => {
    const { exp } = decodeJwt(session.jwt);
    assert.ok(typeof exp === 'number');
    // The clock moved past exp and the default 5 s of clock skew.
    mock.timers.enable({ apis: ['Date'], now: (exp + 6) * 1000 });
    try {
      const { data, error } = await verify(session.jwt, { jwtKey: pem, authorizedParties: [origin] });
      assert.equal(data, undefined);
      assert.equal(error?.reason, 'token-expired');
    } finally {
      mock.timers.reset();
    }
    // Still good on the real clock.
    const { error } = await verify(session.jwt, { jwtKey: pem });
    assert.equal(error, undefined);
  });

  test('refuses a token whose authorized party is not listed', async () => {
    const { data, error } = await verify(session.jwt, {
      jwtKey: pem,
      authorizedParties: ['https://app.example.com'],
    });
    assert.equal(data, undefined);
    assert.equal(error?.reason, 'token-invalid-authorized-parties');
  });

  test('refuses a token signed by a key that is not ours', async () => {
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
    const header = decodeProtectedHeader(session.jwt);
    const foreign = await new SignJWT(decodeJwt(session.jwt))
      .setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: 'JWT' })
      .sign(privateKey);
    for (const options of [
      { jwtKey: pem },
      { apiUrl: `${origin}/backend`, secretKey: SECRET_KEY },
    ]) {
      const { data, error } = await verify(foreign, options);
      assert.equal(data, undefined);
      assert.equal(error?.reason, 'token-invalid-signature');
    }
  });

  test('another user\'s token verifies too', async () => {
    const again = await signIn();
    assert.notEqual(again.jwt, session.jwt);
    const { data, error } = await verify(again.jwt, { jwtKey: pem, authorizedParties: [origin] });
    assert.equal(error, undefined, error?.message);
    assert.equal(data?.sub, again.userId);
  });
});
