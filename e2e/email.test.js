// Email in the demo app, against a real server that mails through a real SMTP
// server (aiosmtpd) into a maildir the tests read the codes from: recovering an
// account whose passkey was lost, and adding and verifying an address.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  alertText,
  button,
  createPasskey,
  launchBrowser,
  openDemo,
  signOut,
  signUpWithPasskey,
  signUpWithUsername,
  startServer,
  startSmtpSink,
  unique,
  waitForText,
  waitForVisibleText,
  withPage,
} from './harness.js';

/** @type {import('./harness.js').SmtpSink} */
let sink;
/** @type {import('./harness.js').LatchkeyServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  sink = await startSmtpSink();
  // `recovery`: an email code signs in only to add a passkey.
  server = await startServer({ env: { ...sink.serverEnv, LATCHKEY_AUTH__EMAIL_CODE: 'recovery' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sink?.stop();
});

const AUTHENTICATOR = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
};

/**
 * The current session as a fresh SDK instance on the page sees it.
 * @param {import('playwright-core').Page} page
 */
function sessionState(page) {
  return page.evaluate(async () => {
    const { Latchkey } = await import('/sdk/latchkey.js');
    const latchkey = new Latchkey();
    await latchkey.load();
    return { status: latchkey.session?.status ?? null, task: latchkey.session?.currentTask ?? null };
  });
}

/**
 * The list item of an address in the signed-in view.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 */
const emailItem = (page, email) => page.locator('#emails li', { hasText: email });

describe('email', () => {
  test('a lost passkey: sign in by email code, add a new passkey, sign in with it', async (t) => {
    await withPage(browser, t, async ({ page, cdp, authenticatorId }) => {
      const username = unique('ada');
      const email = `${username}@example.test`;
      await openDemo(page, server.url);
      await page.getByPlaceholder('Username', { exact: true }).fill(username);
      await page.getByPlaceholder('Email address (optional)', { exact: true }).fill(email);
      await button(page, 'Sign up').click();
      await waitForVisibleText(page, `Signed in as ${username}`);
      await createPasskey(page);
      await waitForText(emailItem(page, email).locator('.email-status'), 'unverified');
      await signOut(page);

      // The passkey is gone with its authenticator.
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await button(page, 'Lost your passkey?').click();
      await page.getByPlaceholder('Email address', { exact: true }).fill(email);
      await button(page, 'Send code').click();
      const code = await sink.nextCode(email);
      await page.getByPlaceholder('Code', { exact: true }).fill(code);
      await button(page, 'Verify code').click();
      await waitForVisibleText(page, 'Add a new passkey to finish signing in');
      await waitForVisibleText(page, `Signed in as ${username}`);
      assert.deepEqual(await sessionState(page), { status: 'pending', task: { key: 'setup-passkey' } });
      // The code proved the address.
      await waitForText(emailItem(page, email).locator('.email-status'), /^verified$/);

      await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR });
      const created = await createPasskey(page);
      await page.getByText('Add a new passkey to finish signing in').waitFor({ state: 'hidden' });
      assert.deepEqual(await sessionState(page), { status: 'active', task: null });

      await signOut(page);
      await button(page, 'Sign in with a passkey').click();
      await waitForVisibleText(page, `Signed in as ${username}`);
      // The sign-in used the new passkey: it is the one with a last use.
      await page.waitForFunction(
        (id) => !/never/.test(document.querySelector(`#passkeys li[data-passkey-id="${id}"]`)?.getAttribute('data-last-used') ?? 'never'),
        created.id,
      );
      assert.deepEqual(await sessionState(page), { status: 'active', task: null });
      assert.equal(await alertText(page).isVisible(), false);
    });
  });

  test('add an address and verify it with its code; a wrong code is refused', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('grace');
      const email = `${username}@example.test`;
      await openDemo(page, server.url);
      await signUpWithUsername(page, username);
      await page.getByText('Email addresses').waitFor();
      assert.equal(await page.locator('#emails li').count(), 0);

      await page.getByPlaceholder('New email address', { exact: true }).fill(email);
      await button(page, 'Add email').click();
      const item = emailItem(page, email);
      await waitForText(item.locator('.email-status'), 'unverified');

      await item.getByRole('button', { name: 'Verify', exact: true }).click();
      const code = await sink.nextCode(email);
      await item.getByPlaceholder('Code', { exact: true }).fill(code === '000000' ? '999999' : '000000');
      await item.getByRole('button', { name: 'Confirm code', exact: true }).click();
      await waitForText(alertText(page), 'form_code_incorrect');
      await waitForText(item.locator('.email-status'), 'unverified');

      await item.getByPlaceholder('Code', { exact: true }).fill(code);
      await item.getByRole('button', { name: 'Confirm code', exact: true }).click();
      await waitForText(item.locator('.email-status'), /^verified$/);
      assert.equal(await alertText(page).isVisible(), false);
      assert.equal(await item.getByPlaceholder('Code', { exact: true }).count(), 0);

      // It stays verified after a reload.
      await page.reload();
      await waitForText(emailItem(page, email).locator('.email-status'), /^verified$/);

      // A second verified address becomes primary; then the first can go.
      const other = `${username}.other@example.test`;
      await page.getByPlaceholder('New email address', { exact: true }).fill(other);
      await button(page, 'Add email').click();
      const second = emailItem(page, other);
      await second.getByRole('button', { name: 'Verify', exact: true }).click();
      await second.getByPlaceholder('Code', { exact: true }).fill(await sink.nextCode(other));
      await second.getByRole('button', { name: 'Confirm code', exact: true }).click();
      await waitForText(second.locator('.email-status'), /^verified$/);
      await second.getByRole('button', { name: 'Make primary', exact: true }).click();
      await second.locator('.badge', { hasText: /^primary$/ }).waitFor();
      await emailItem(page, email).getByRole('button', { name: 'Remove', exact: true }).click();
      await emailItem(page, email).waitFor({ state: 'detached' });
      assert.equal(await page.locator('#emails li').count(), 1);
      assert.equal(await alertText(page).isVisible(), false);
    });
  });

  test('a guarded action asks for a fresh factor; a passkey step-up clears it', async (t) => {
    const guarded = await startServer({
      env: {
        ...sink.serverEnv,
        LATCHKEY_AUTH__REVERIFICATION_ACTIONS: JSON.stringify(['email_address.delete']),
        LATCHKEY_AUTH__REVERIFICATION_MAX_AGE_SECS: '1',
      },
    });
    try {
      await withPage(browser, t, async ({ page }) => {
        const username = unique('kat');
        await openDemo(page, guarded.url);
        await page.getByPlaceholder('Email address (optional)', { exact: true }).fill(`${username}@example.test`);
        await signUpWithPasskey(page, username);
        await page.waitForTimeout(1500);

        const seen = await page.evaluate(async (email) => {
          const { Latchkey, isReverificationRequired } = await import('/sdk/latchkey.js');
          const latchkey = new Latchkey();
          await latchkey.load();
          const address = await /** @type {any} */ (latchkey.user).createEmailAddress({ email });
          /** @type {any} */
          let refused = null;
          try {
            await address.destroy();
          } catch (error) {
            refused = { required: isReverificationRequired(error), status: error.status, meta: error.errors[0].meta };
          }
          const verification = await /** @type {any} */ (latchkey.session).verifyWithPasskey();
          const deleted = await address.destroy();
          return {
            refused,
            status: verification.status,
            age: latchkey.session?.factorVerificationAge,
            deleted: deleted.deleted,
            left: latchkey.user?.emailAddresses.map((e) => e.emailAddress),
          };
        }, `${username}.second@example.test`);
        assert.deepEqual(seen.refused, { required: true, status: 403, meta: { reverification: { level: 'first_factor', afterMinutes: 1 } } });
        assert.equal(seen.status, 'complete');
        assert.deepEqual(seen.age, [0, -1]);
        assert.equal(seen.deleted, true);
        assert.deepEqual(seen.left, [`${username}@example.test`]);

        // The demo steps up by itself when removing an address asks for it.
        const third = `${username}.third@example.test`;
        await page.reload();
        await page.getByPlaceholder('New email address', { exact: true }).fill(third);
        await button(page, 'Add email').click();
        await emailItem(page, third).waitFor();
        await page.waitForTimeout(1500);
        await emailItem(page, third).getByRole('button', { name: 'Remove', exact: true }).click();
        await emailItem(page, third).waitFor({ state: 'detached' });
        assert.equal(await alertText(page).isVisible(), false);
      });
    } finally {
      await guarded.stop();
    }
  });
});
