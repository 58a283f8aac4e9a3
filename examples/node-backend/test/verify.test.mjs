/**
 * The Node backend against tokens signed here, with the JWKS served from a local server:
 * accepted and refused tokens, where the token is read from, and an unreachable JWKS.
 *
 *   npm ci --prefix examples/node-backend && node --test examples/node-backend/test/
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

import { createServer, createVerifier } from '../server.mjs';

const ISS = 'http://localhost:8080';
const KID = 'key_test';

/**
 * Listens on 127.0.0.1 on a free port.
 * @param {http.Server} server
 * @returns {Promise<string>} the base URL
 */
async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return `http://127.0.0.1:${address.port}`;
}

/** @type {CryptoKey} */
let privateKey;
/** @type {http.Server[]} */
const servers = [];
let jwksFetches = 0;
/** @type {string} */
let backend;

before(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  const jwksServer = http.createServer((req, res) => {
    jwksFetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  servers.push(jwksServer);
  const jwksUrl = `${await listen(jwksServer)}/.well-known/jwks.json`;
  const app = createServer({ verify: createVerifier({ issuer: ISS, jwksUrl }) });
  servers.push(app);
  backend = await listen(app);
});

after(() => {
  for (const server of servers) server.close();
});

/**
 * A token like the Latchkey server's, issued `age` seconds ago, with `changes` to its
 * claims and header.
 * @param {{ age?: number, claims?: Record<string, unknown>, header?: Record<string, unknown>, iss?: string, key?: CryptoKey }} [changes]
 */
async function sign({ age = 0, claims = {}, header = {}, iss = ISS, key } = {}) {
  const iat = Math.floor(Date.now() / 1000) - age;
  return new SignJWT({ sid: 'sess_1', jti: 'jti_1', azp: 'http://localhost:3000', sts: 'active', v: 1, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT', ...header })
    .setIssuer(iss)
    .setSubject('user_1')
    .setIssuedAt(iat)
    .setNotBefore(iat - 5)
    .setExpirationTime(iat + 60)
    .sign(key ?? privateKey);
}

/**
 * GET /api/me with the given headers.
 * @param {Record<string, string>} headers
 * @param {string} [base]
 */
async function me(headers, base = backend) {
  const response = await fetch(`${base}/api/me`, { headers });
  return { status: response.status, body: await response.json() };
}

/** @param {string} token */
const bearer = (token) => ({ authorization: `Bearer ${token}` });

describe('GET /api/me', () => {
  test('a good token is accepted', async () => {
    const { status, body } = await me(bearer(await sign()));
    assert.equal(status, 200);
    assert.deepEqual(body, { user_id: 'user_1', session_id: 'sess_1' });
  });

  test('the __session cookie is read when there is no bearer token', async () => {
    const { status, body } = await me({ cookie: `theme=dark; __session=${await sign()}` });
    assert.equal(status, 200);
    assert.equal(body.session_id, 'sess_1');
  });

  test('the JWKS is fetched once and cached', async () => {
    await me(bearer(await sign()));
    await me(bearer(await sign()));
    assert.equal(jwksFetches, 1);
  });

  test('a token expired beyond the 5 s leeway is refused', async () => {
    const { status, body } = await me(bearer(await sign({ age: 70 })));
    assert.equal(status, 401);
    assert.equal(body.errors[0].code, 'authentication_invalid');
    assert.match(body.errors[0].long_message, /exp/);
  });

  test('a token expired within the leeway is accepted', async () => {
    assert.equal((await me(bearer(await sign({ age: 62 })))).status, 200);
  });

  test('a token of another issuer is refused', async () => {
    const { status, body } = await me(bearer(await sign({ iss: 'http://evil.example.com' })));
    assert.equal(status, 401);
    assert.match(body.errors[0].long_message, /iss/);
  });

  test('a pending session counts as signed out', async () => {
    const { status, body } = await me(bearer(await sign({ claims: { sts: 'pending' } })));
    assert.equal(status, 401);
    assert.match(body.errors[0].long_message, /pending/);
  });

  test('another token version is refused', async () => {
    assert.equal((await me(bearer(await sign({ claims: { v: 2 } })))).status, 401);
  });

  test('a token signed by another key is refused', async () => {
    const other = await generateKeyPair('ES256');
    assert.equal((await me(bearer(await sign({ key: other.privateKey })))).status, 401);
  });

  test('a tampered payload is refused', async () => {
    const [header, , signature] = (await sign()).split('.');
    const forged = Buffer.from(JSON.stringify({ iss: ISS, sub: 'user_admin', sid: 'sess_1', v: 1, sts: 'active', iat: 0, nbf: 0, exp: 4e9 })).toString('base64url');
    assert.equal((await me(bearer(`${header}.${forged}.${signature}`))).status, 401);
  });

  test('alg none is refused', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: KID })).toString('base64url');
    const payload = (await sign()).split('.')[1];
    assert.equal((await me(bearer(`${header}.${payload}.`))).status, 401);
  });

  test('no token, or garbage, is 401 with the error body', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-jwt' }, { cookie: '__session=x.y.z' }]) {
      const { status, body } = await me(headers);
      assert.equal(status, 401, JSON.stringify(headers));
      assert.equal(body.errors[0].code, 'authentication_invalid');
    }
  });

  test('an unreachable JWKS is 503, not 401', async () => {
    const closed = http.createServer();
    const url = await listen(closed);
    closed.close();
    const app = createServer({ verify: createVerifier({ issuer: ISS, jwksUrl: `${url}/jwks.json` }) });
    servers.push(app);
    const { status, body } = await me(bearer(await sign()), await listen(app));
    assert.equal(status, 503);
    assert.equal(body.errors[0].code, 'jwks_unavailable');
  });
});
