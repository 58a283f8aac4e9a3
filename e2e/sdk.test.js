// The SDK used directly from pages: identifier-first sign-in, a page on a
// second origin (credentialed CORS), and session tokens verified against the
// server's JWKS.
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import {
  CHROME_LINUX_UA,
  alertText,
  credentials,
  launchBrowser,
  openDemo,
  signOut,
  signUpWithPasskey,
  startServer,
  startStaticServer,
  unique,
  withPage,
} from './harness.js';

/** @type {import('./harness.js').LatchkeyServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {{ close: () => Promise<void> }} */
let second;

const SECOND_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Second origin</title></head>
<body><p id="status">second origin</p></body></html>`;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  second = await startStaticServer(
    server.port2,
    { '/': ['text/html; charset=utf-8', SECOND_PAGE] },
    {
      '/local-sdk/latchkey.js': 'sdk/latchkey.js',
      ...Object.fromEntries(
        readdirSync(new URL('../sdk/src/', import.meta.url))
          .filter((name) => name.endsWith('.js'))
          .map((name) => [`/local-sdk/src/${name}`, `sdk/src/${name}`]),
      ),
    },
  );
});

after(async () => {
  await browser?.close();
  await second?.close();
  await server?.stop();
});

/** @param {string} text */
function b64urlBytes(text) {
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

describe('SDK from a page', () => {
  test('identifier-first sign-in: create({ identifier }) then authenticateWithPasskey()', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('hedy');
      await openDemo(page, server.url);
      await signUpWithPasskey(page, username);
      await signOut(page);

      const result = await page.evaluate(async (identifier) => {
        const { Latchkey } = await import('/sdk/latchkey.js');
        const latchkey = new Latchkey();
        await latchkey.load();
        /** @type {any} */
        let unknown = null;
        try {
          await latchkey.signIn.create({ identifier: identifier + 'nobody' });
        } catch (error) {
          unknown = JSON.parse(JSON.stringify(error));
        }
        const started = await latchkey.signIn.create({ identifier });
        const done = await started.authenticateWithPasskey();
        await latchkey.setActive({ session: done.createdSessionId });
        return {
          unknown,
          started: { status: started.status, identifier: started.identifier, factors: started.supportedFirstFactors },
          done: { status: done.status, createdSessionId: done.createdSessionId },
          username: latchkey.user?.username,
          sessionId: latchkey.session?.id,
          isSignedIn: latchkey.isSignedIn,
        };
      }, username);

      assert.equal(result.unknown?.status, 422);
      assert.equal(result.unknown?.code, 'form_identifier_not_found');
      assert.equal(result.started.status, 'needs_first_factor');
      assert.equal(result.started.identifier, username);
      assert.deepEqual(result.started.factors, [{ strategy: 'passkey' }]);
      assert.equal(result.done.status, 'complete');
      assert.match(String(result.done.createdSessionId), /^sess_/);
      assert.equal(result.sessionId, result.done.createdSessionId);
      assert.equal(result.username, username);
      assert.equal(result.isSignedIn, true);

      // The demo sees the same client after a reload.
      await page.reload();
      await page.getByText(`Signed in as ${username}`).waitFor();
      assert.equal(await alertText(page).isVisible(), false);
    });
  });

  test('sessions on two clients: list them, revoke the other one', async (t) => {
    await withPage(browser, t, async ({ page, cdp, authenticatorId }) => {
      const username = unique('radia');
      await openDemo(page, server.url);
      await signUpWithPasskey(page, username);

      // A second browser (its own client cookie) holding the same passkey.
      const other = await browser.newContext({ userAgent: CHROME_LINUX_UA });
      try {
        const page2 = await other.newPage();
        const cdp2 = await other.newCDPSession(page2);
        await cdp2.send('WebAuthn.enable');
        const { authenticatorId: second } = await cdp2.send('WebAuthn.addVirtualAuthenticator', {
          options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
        });
        const [credential] = await credentials(cdp, authenticatorId);
        await cdp2.send('WebAuthn.addCredential', { authenticatorId: second, credential });
        await openDemo(page2, server.url);
        // The page load's autofill request signs the second browser in.
        await page2.getByText(`Signed in as ${username}`).waitFor();

        const result = await page.evaluate(async () => {
          const { Latchkey } = await import('/sdk/latchkey.js');
          const latchkey = new Latchkey();
          await latchkey.load();
          const mine = latchkey.session?.id;
          const sessions = (await latchkey.user?.getSessions()) ?? [];
          const foreign = sessions.find((s) => s.id !== mine);
          const revoked = await foreign?.revoke();
          return { mine, ids: sessions.map((s) => s.id), revoked: revoked?.status, stillMine: latchkey.session?.id };
        });
        assert.equal(result.ids.length, 2);
        assert.ok(result.ids.includes(String(result.mine)));
        assert.equal(result.revoked, 'revoked');
        assert.equal(result.stillMine, result.mine);

        // The second browser's client no longer has a session. (A reload of
        // the demo would start autofill, which the virtual authenticator
        // answers at once, so ask the SDK instead.)
        const after = await page2.evaluate(async () => {
          const { Latchkey } = await import('/sdk/latchkey.js');
          const latchkey = new Latchkey();
          await latchkey.load();
          return { isSignedIn: latchkey.isSignedIn, sessions: latchkey.client?.sessions.length ?? 0 };
        });
        assert.deepEqual(after, { isSignedIn: false, sessions: 0 });
      } finally {
        await other.close();
      }
    });
  });

  test('a page on a second origin signs up and reads the user (credentialed CORS)', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('ada');
      await page.goto(server.origin2 + '/');
      const result = await page.evaluate(
        async ({ frontendApi, username }) => {
          const { Latchkey } = await import('/local-sdk/latchkey.js');
          const latchkey = new Latchkey({ frontendApi });
          await latchkey.load();
          const signedInBefore = latchkey.isSignedIn;
          const signUp = await latchkey.signUp.create({ username });
          await latchkey.setActive({ session: signUp.createdSessionId });
          const passkey = await latchkey.user?.createPasskey();
          const user = await latchkey.user?.reload();
          // A second instance reads the same client through the cookie.
          const again = new Latchkey({ frontendApi });
          await again.load();
          return {
            signedInBefore,
            status: signUp.status,
            username: user?.username,
            passkeys: user?.passkeys.map((p) => p.id),
            passkeyId: passkey?.id,
            againUsername: again.user?.username,
            rpId: latchkey.environment?.displayConfig.rpId,
          };
        },
        { frontendApi: server.url, username },
      );
      assert.equal(result.signedInBefore, false);
      assert.equal(result.status, 'complete');
      assert.equal(result.username, username);
      assert.deepEqual(result.passkeys, [result.passkeyId]);
      assert.equal(result.againUsername, username);
      assert.equal(result.rpId, 'localhost');
    });
  });

  test('the SDK module loads cross-origin from the server and defaults to its origin', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      await page.goto(server.origin2 + '/');
      const result = await page.evaluate(async (sdkUrl) => {
        const { Latchkey } = await import(sdkUrl);
        const latchkey = new Latchkey();
        await latchkey.load();
        return { frontendApi: latchkey.frontendApi, loaded: latchkey.isLoaded };
      }, `${server.url}/sdk/latchkey.js`);
      assert.deepEqual(result, { frontendApi: server.url, loaded: true });
    });
  });

  test('session.getToken() returns an ES256 JWT that verifies against /.well-known/jwks.json', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('joan');
      await openDemo(page, server.url);
      const result = await page.evaluate(async (username) => {
        const { Latchkey } = await import('/sdk/latchkey.js');
        const latchkey = new Latchkey();
        await latchkey.load();
        const signUp = await latchkey.signUp.create({ username });
        await latchkey.setActive({ session: signUp.createdSessionId });
        const session = latchkey.session;
        if (!session) throw new Error('no session');
        const jwt = await session.getToken();
        const cached = await session.getToken();
        return {
          jwt,
          cached,
          cookie: document.cookie,
          userId: latchkey.user?.id,
          sessionId: session.id,
        };
      }, username);

      assert.equal(typeof result.jwt, 'string');
      assert.equal(result.cached, result.jwt, 'the second call is served from the cache');
      assert.ok(result.cookie.includes(`__session=${result.jwt}`), 'the token is in the __session cookie');

      const [h, c, s] = String(result.jwt).split('.');
      const header = JSON.parse(Buffer.from(h, 'base64url').toString());
      const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
      assert.equal(header.alg, 'ES256');
      assert.equal(header.typ, 'JWT');
      assert.equal(typeof header.kid, 'string');

      const jwks = await (await fetch(`${server.url}/.well-known/jwks.json`)).json();
      const jwk = jwks.keys.find((/** @type {any} */ k) => k.kid === header.kid);
      assert.ok(jwk, `kid ${header.kid} is in the JWKS`);
      const key = await webcrypto.subtle.importKey(
        'jwk',
        { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['verify'],
      );
      const valid = await webcrypto.subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        key,
        b64urlBytes(s),
        new TextEncoder().encode(`${h}.${c}`),
      );
      assert.equal(valid, true, 'signature verifies');

      const now = Math.floor(Date.now() / 1000);
      assert.equal(claims.iss, server.url);
      assert.equal(claims.sub, result.userId);
      assert.equal(claims.sid, result.sessionId);
      assert.equal(claims.sts, 'active');
      assert.equal(claims.v, 1);
      assert.equal(claims.nbf, claims.iat - 5);
      assert.equal(claims.exp - claims.iat, 60);
      assert.ok(Math.abs(claims.iat - now) < 30);
      assert.equal(typeof claims.jti, 'string');
      assert.equal(claims.azp, server.url);

      // A tampered token does not verify.
      const forged = await webcrypto.subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        key,
        b64urlBytes(s),
        new TextEncoder().encode(`${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'user_x' })).toString('base64url')}`),
      );
      assert.equal(forged, false);

      // After sign-out the cookie is cleared.
      await page.reload();
      await signOut(page);
      const cookie = await page.evaluate(() => document.cookie);
      assert.equal(cookie.includes('__session='), false);
    });
  });
});
