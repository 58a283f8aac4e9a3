// The vendor's own browser SDK, unmodified (@clerk/clerk-js, pinned in package.json and
// served from node_modules), against a real Latchkey server: loaded with a production
// (`pk_live_`) and a development (`pk_test_`) publishable key, on a page of its own origin
// that talks to Latchkey's origin (`proxyUrl` = Latchkey's URL) and on one that forwards a
// same-origin path to Latchkey. Every passkey flow of the guide runs through the SDK's own
// calls; the requests it sends are Latchkey's Frontend API as specified.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, startServer, unique } from './harness.js';
import {
  KEY_HOST,
  PROXY_PATH,
  SIGN_UP,
  publishableKey,
  startVendorPageServer,
  userWithPasskey,
  vendorPage,
  withVendorPage,
} from './vendor.js';

/** @type {import('./harness.js').LatchkeyServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {{ close: () => Promise<void> }} */
let pages;

/**
 * The four ways a team loads the SDK: production or development key, calls to Latchkey's
 * own origin or to a same-origin path forwarded to it.
 * @type {{ name: string, path: string, kind: 'live' | 'test', sameOrigin: boolean }[]}
 */
const SETUPS = [
  { name: 'production key, Latchkey origin', path: '/live-cross', kind: 'live', sameOrigin: false },
  { name: 'production key, same origin', path: '/live-same', kind: 'live', sameOrigin: true },
  { name: 'development key, Latchkey origin', path: '/test-cross', kind: 'test', sameOrigin: false },
  { name: 'development key, same origin', path: '/test-same', kind: 'test', sameOrigin: true },
];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const html = Object.fromEntries(
    SETUPS.map((s) => [
      s.path,
      vendorPage(publishableKey(s.kind, KEY_HOST), s.sameOrigin ? `${server.origin2}${PROXY_PATH}` : server.url),
    ]),
  );
  html['/landing'] = '<!doctype html><html lang="en"><head><title>Landing</title></head><body>landed</body></html>';
  pages = await startVendorPageServer(server.port2, server.url, html);
});

after(async () => {
  await browser?.close();
  await pages?.close();
  await server?.stop();
});

for (const setup of SETUPS) {
  describe(`clerk-js with a ${setup.name}`, () => {
    test('loads ready, signs up, creates, renames and deletes a passkey, and signs out', async (t) => {
      await withVendorPage(browser, server, t, setup.path, async ({ page, calls, load }) => {
        assert.equal(await load(), 'ready');
        const username = unique('ada');
        const signedUp = await page.evaluate(SIGN_UP, username);
        assert.equal(signedUp.status, 'complete');
        assert.equal(signedUp.username, username);
        assert.match(signedUp.sessionId, /^sess_/);

        const managed = await page.evaluate(async () => {
          const clerk = /** @type {any} */ (window).Clerk;
          const passkey = await clerk.user.createPasskey();
          const created = { id: passkey.id, name: passkey.name, verified: passkey.verification?.status };
          await passkey.update({ name: 'Work laptop' });
          await clerk.user.reload();
          const renamed = clerk.user.passkeys.map((/** @type {any} */ p) => p.name);
          await clerk.user.passkeys[0].delete();
          await clerk.user.reload();
          return { created, renamed, left: clerk.user.passkeys.length };
        });
        assert.match(managed.created.id, /^pk_/);
        assert.equal(managed.created.verified, 'verified');
        assert.deepEqual(managed.renamed, ['Work laptop']);
        assert.equal(managed.left, 0);

        // `signOut()` ends the sessions, then goes to its redirect URL.
        await Promise.all([
          page.waitForURL(`${server.origin2}/landing`),
          page.evaluate(() => {
            void (/** @type {any} */ (window).Clerk.signOut({ redirectUrl: '/landing' }));
          }),
        ]);
        assert.ok(calls.includes('DELETE /v1/client/sessions 200'), calls.join('\n'));
        // Signed out for good: the SDK's page, loaded again, finds no session.
        assert.equal(await load(), 'ready');
        assert.equal(await page.evaluate(() => /** @type {any} */ (window).Clerk.user ?? null), null);
        const failed = calls.filter((c) => !/ 2\d\d$/.test(c));
        assert.deepEqual(failed, [], calls.join('\n'));
      });
    });

    test('signs in with a discoverable passkey, keeps the session over a reload, refreshes tokens, steps up', async (t) => {
      await withVendorPage(browser, server, t, setup.path, async ({ page, load }) => {
        await load();
        const username = unique('grace');
        await userWithPasskey(page, username);
        const signedIn = await page.evaluate(async () => {
          const clerk = /** @type {any} */ (window).Clerk;
          const signIn = await clerk.client.signIn.authenticateWithPasskey({ flow: 'discoverable' });
          /** @type {string | null} */
          let navigatedWith = null;
          await clerk.setActive({
            session: signIn.createdSessionId,
            navigate: (/** @type {any} */ { session }) => {
              navigatedWith = session.id;
            },
          });
          return { status: signIn.status, created: signIn.createdSessionId, navigatedWith, username: clerk.user?.username };
        });
        assert.equal(signedIn.status, 'complete');
        assert.equal(signedIn.navigatedWith, signedIn.created);
        assert.equal(signedIn.username, username);

        // A reload keeps the session.
        assert.equal(await load(), 'ready');
        const tokens = await page.evaluate(async () => {
          const clerk = /** @type {any} */ (window).Clerk;
          const first = await clerk.session.getToken();
          const fresh = await clerk.session.getToken({ skipCache: true });
          return { username: clerk.user?.username, sessionId: clerk.session.id, userId: clerk.user.id, first, fresh };
        });
        assert.equal(tokens.username, username);
        assert.notEqual(tokens.fresh, tokens.first);

        // Step-up: the session proves its passkey again.
        const stepUp = await page.evaluate(async () => {
          const clerk = /** @type {any} */ (window).Clerk;
          const verification = await clerk.session.verifyWithPasskey();
          return { status: verification.status, age: clerk.session.factorVerificationAge };
        });
        assert.equal(stepUp.status, 'complete');
        assert.equal(stepUp.age?.[0], 0, JSON.stringify(stepUp));
        for (const jwt of [tokens.first, tokens.fresh]) {
          const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
          assert.equal(claims.sid, tokens.sessionId);
          assert.equal(claims.sub, tokens.userId);
          assert.ok(claims.exp > Date.now() / 1000);
        }

        // `setActive` with a redirect URL goes there once the session is active (not
        // awaited in the page, which the navigation may leave before the call returns).
        await Promise.all([
          page.waitForURL(`${server.origin2}/landing`),
          page.evaluate(async () => {
            const clerk = /** @type {any} */ (window).Clerk;
            await clerk.signOut(() => {});
            const signIn = await clerk.client.signIn.authenticateWithPasskey({ flow: 'discoverable' });
            void clerk.setActive({ session: signIn.createdSessionId, redirectUrl: '/landing' });
          }),
        ]);
      });
    });

    test('signs in with autofill and with an identifier first', async (t) => {
      await withVendorPage(browser, server, t, setup.path, async ({ page, load }) => {
        await load();
        const username = unique('hedy');
        await userWithPasskey(page, username);
        const autofill = await page.evaluate(async () => {
          const clerk = /** @type {any} */ (window).Clerk;
          const signIn = await clerk.client.signIn.authenticateWithPasskey({ flow: 'autofill' });
          await clerk.setActive({ session: signIn.createdSessionId });
          const username = clerk.user?.username;
          await clerk.signOut(() => {});
          return { status: signIn.status, username };
        });
        assert.deepEqual(autofill, { status: 'complete', username });

        const identifierFirst = await page.evaluate(async (username) => {
          const clerk = /** @type {any} */ (window).Clerk;
          const started = await clerk.client.signIn.create({ identifier: username });
          const factors = started.supportedFirstFactors.map((/** @type {any} */ f) => f.strategy);
          const signIn = await started.authenticateWithPasskey();
          await clerk.setActive({ session: signIn.createdSessionId });
          return { factors, status: signIn.status, username: clerk.user?.username };
        }, username);
        assert.ok(identifierFirst.factors.includes('passkey'), identifierFirst.factors.join());
        assert.equal(identifierFirst.status, 'complete');
        assert.equal(identifierFirst.username, username);
      });
    });

    test('signs one of several sessions out and surfaces API errors with their codes', async (t) => {
      await withVendorPage(browser, server, t, setup.path, async ({ page, calls, load }) => {
        await load();
        const first = unique('ada');
        const second = unique('grace');
        const a = await page.evaluate(SIGN_UP, first);
        const b = await page.evaluate(SIGN_UP, second);
        const after = await page.evaluate(async (sessionId) => {
          const clerk = /** @type {any} */ (window).Clerk;
          await clerk.signOut(() => {}, { sessionId });
          await clerk.client.reload();
          return {
            sessions: clerk.client.sessions.map((/** @type {any} */ s) => s.id),
            active: clerk.session?.id ?? null,
          };
        }, b.sessionId);
        assert.ok(calls.includes(`POST /v1/client/sessions/${b.sessionId}/remove 200`), calls.join('\n'));
        assert.deepEqual(after.sessions, [a.sessionId]);

        const refused = await page.evaluate(async (taken) => {
          const clerk = /** @type {any} */ (window).Clerk;
          try {
            await clerk.client.signUp.create({ username: taken });
            return null;
          } catch (error) {
            const e = /** @type {any} */ (error);
            return { isApiError: e.clerkError === true, status: e.status, code: e.errors?.[0]?.code };
          }
        }, first);
        assert.deepEqual(refused, { isApiError: true, status: 422, code: 'form_identifier_exists' });
      });
    });
  });
}
