// Session tasks: with sessions.require_passkey, a user without a passkey gets a
// pending session with the setup-passkey task until a passkey is verified.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  createPasskey,
  launchBrowser,
  openDemo,
  signUpWithUsername,
  startServer,
  unique,
  withPage,
} from './harness.js';

/** @type {import('./harness.js').LatchkeyServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer({ env: { LATCHKEY_SESSIONS__REQUIRE_PASSKEY: 'true' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** @param {string} jwt */
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

describe('session tasks', () => {
  test('a pending session shows the setup-passkey task until a passkey exists', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('ada');
      await openDemo(page, server.url);
      await signUpWithUsername(page, username);
      await page.getByText('Create a passkey to finish setting up your account.').waitFor();

      const pending = await page.evaluate(async () => {
        const { Latchkey } = await import('/sdk/latchkey.js');
        const latchkey = new Latchkey();
        await latchkey.load();
        return {
          status: latchkey.session?.status,
          task: latchkey.session?.currentTask,
          jwt: await latchkey.session?.getToken(),
        };
      });
      assert.equal(pending.status, 'pending');
      assert.deepEqual(pending.task, { key: 'setup-passkey' });
      assert.equal(claims(String(pending.jwt)).sts, 'pending');

      await createPasskey(page);
      await page.getByText('Create a passkey to finish setting up your account.').waitFor({ state: 'hidden' });

      const active = await page.evaluate(async () => {
        const { Latchkey } = await import('/sdk/latchkey.js');
        const latchkey = new Latchkey();
        await latchkey.load();
        return { status: latchkey.session?.status, task: latchkey.session?.currentTask, jwt: await latchkey.session?.getToken() };
      });
      assert.equal(active.status, 'active');
      assert.equal(active.task, null);
      assert.equal(claims(String(active.jwt)).sts, 'active');
    });
  });
});
