// The demo app (GET /) driven as a person would, against a real server and a
// virtual authenticator: every flow asserts what the page shows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  alertText,
  button,
  createPasskey,
  credentials,
  launchBrowser,
  openDemo,
  signOut,
  signUpWithPasskey,
  signUpWithUsername,
  startServer,
  unique,
  until,
  waitForText,
  waitForVisibleText,
  withPage,
} from './harness.js';

/** @type {import('./harness.js').LatchkeyServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('demo app', () => {
  test('sign up, create a passkey, sign out, sign in with a passkey', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('ada');
      await openDemo(page, server.url);
      await page.getByPlaceholder('Username', { exact: true }).waitFor();
      await button(page, 'Sign up with a passkey').waitFor();
      assert.equal(await page.locator('input[autocomplete="username webauthn"]').count(), 1);
      // The background autofill request shows nothing while no passkey is picked.
      await page.waitForTimeout(500);
      assert.equal(await alertText(page).isVisible(), false);

      await signUpWithUsername(page, username);
      await page.getByText('Passkeys:').waitFor();
      assert.equal(await page.locator('#passkeys li').count(), 0);

      const passkey = await createPasskey(page);
      // Named from the User-Agent ("<browser> on <platform>") unless the AAGUID is known.
      assert.ok(passkey.name.length > 0);
      assert.match(passkey.text, /Name: .+ \| ID: pk_/);
      assert.equal(await page.locator('#passkeys li').count(), 1);

      await signOut(page);
      await button(page, 'Sign in with a passkey').click();
      await waitForVisibleText(page, `Signed in as ${username}`);
      await waitForText(page.locator('#passkeys li'), `Name: ${passkey.name} | ID: ${passkey.id}`);
      // The item's text is exactly the contract's; a sign-in records the passkey's use.
      assert.equal(await page.locator('#passkeys li').first().textContent(), `Name: ${passkey.name} | ID: ${passkey.id}`);
      await page.waitForFunction(() => !/never/.test(document.querySelector('#passkeys li')?.getAttribute('data-last-used') ?? 'never'));
      assert.equal(await alertText(page).isVisible(), false);
    });
  });

  test('rename a passkey, reload, and see the new name persisted', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('grace');
      await openDemo(page, server.url);
      await signUpWithUsername(page, username);
      const passkey = await createPasskey(page);
      await page.getByText('Passkey updated: No').waitFor();

      await page.getByPlaceholder('Enter the passkey ID').fill(passkey.id);
      await page.getByPlaceholder("Enter the passkey's new name").fill('Work laptop');
      await button(page, 'Rename passkey').click();
      await page.getByText('Passkey updated: Yes').waitFor();
      await waitForText(page.locator('#passkeys li'), `Name: Work laptop | ID: ${passkey.id}`);

      await page.reload();
      await waitForVisibleText(page, `Signed in as ${username}`);
      await waitForText(page.locator('#passkeys li'), `Name: Work laptop | ID: ${passkey.id}`);

      // An empty name is refused by the server and shown on the page.
      await page.getByPlaceholder('Enter the passkey ID').fill(passkey.id);
      await page.getByPlaceholder("Enter the passkey's new name").fill('   ');
      await button(page, 'Rename passkey').click();
      await waitForText(alertText(page), 'form_param_value_invalid');
      await page.getByText('Passkey updated: No').waitFor();

      // An ID that is not one of the user's passkeys.
      await page.getByPlaceholder('Enter the passkey ID').fill('pk_doesnotexist');
      await page.getByPlaceholder("Enter the passkey's new name").fill('Other');
      await button(page, 'Rename passkey').click();
      await waitForText(alertText(page), 'resource_not_found');
      await page.getByText('Passkey updated: No').waitFor();
    });
  });

  test('delete a passkey, then sign-in with it is refused on the page', async (t) => {
    await withPage(browser, t, async ({ page, cdp, authenticatorId }) => {
      const username = unique('linus');
      await openDemo(page, server.url);
      await signUpWithUsername(page, username);
      const passkey = await createPasskey(page);
      await page.getByText('Passkey deleted: No').waitFor();

      const [credential] = await credentials(cdp, authenticatorId);
      assert.ok(credential);

      await page.getByPlaceholder('Enter the passkey ID').fill(passkey.id);
      await button(page, 'Delete passkey').click();
      await page.getByText('Passkey deleted: Yes').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('#passkeys li').length === 0);
      // Signal API: the SDK told the provider which credentials remain (none),
      // and Chromium's virtual authenticator drops the deleted one.
      await until(async () => (await credentials(cdp, authenticatorId)).length === 0, 'credential removed by signalAllAcceptedCredentials');

      // Put the deleted credential back, as a provider without the Signal API
      // would still have it: the server must refuse it.
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
      await signOut(page);
      await button(page, 'Sign in with a passkey').click();
      await waitForText(alertText(page), 'passkey_not_registered');
      assert.equal(await button(page, 'Sign in with a passkey').isVisible(), true);
      assert.equal(await page.getByText(`Signed in as ${username}`).isVisible(), false);
      // ...and the SDK reported it with signalUnknownCredential.
      await until(async () => (await credentials(cdp, authenticatorId)).length === 0, 'credential removed by signalUnknownCredential');
    });
  });

  test('passkey-first sign-up ("Sign up with a passkey")', async (t) => {
    await withPage(browser, t, async ({ page, cdp, authenticatorId }) => {
      const username = unique('barbara');
      await openDemo(page, server.url);
      await signUpWithPasskey(page, username);
      await waitForText(page.locator('#passkeys li'), /Name: .+ \| ID: pk_/);
      assert.equal(await page.locator('#passkeys li').count(), 1);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0].isResidentCredential, true);

      // The new session survives a reload.
      await page.reload();
      await waitForVisibleText(page, `Signed in as ${username}`);
    });
  });

  test('autofill sign-in from the "username webauthn" input', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('ken');
      await openDemo(page, server.url);
      await signUpWithPasskey(page, username);
      await signOut(page);

      // Chromium's virtual authenticator answers a conditional request at once
      // with its only discoverable credential, standing in for the user
      // picking it from the autofill suggestions. After an explicit sign-out
      // the demo starts the request when the input gets focus.
      await page.locator('input[autocomplete="username webauthn"]').focus();
      await waitForVisibleText(page, `Signed in as ${username}`);

      // On a fresh load of the signed-out page the request starts by itself.
      await signOut(page);
      await page.reload();
      await waitForVisibleText(page, `Signed in as ${username}`);
      assert.equal(await alertText(page).isVisible(), false);
    });
  });

  test('a cancelled ceremony shows passkey_retrieval_cancelled', async (t) => {
    await withPage(browser, t, async ({ page, cdp, authenticatorId }) => {
      const username = unique('margaret');
      await openDemo(page, server.url);
      await signUpWithPasskey(page, username);
      await signOut(page);

      // The authenticator refuses user verification: the browser reports NotAllowedError.
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
      await button(page, 'Sign in with a passkey').click();
      await waitForText(alertText(page), 'passkey_retrieval_cancelled');
      assert.equal(await page.getByText(`Signed in as ${username}`).isVisible(), false);

      // Once the user verifies again, the same button works.
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
      await button(page, 'Sign in with a passkey').click();
      await waitForVisibleText(page, `Signed in as ${username}`);
      assert.equal(await alertText(page).isVisible(), false);
    });
  });

  test('a second passkey on the same authenticator is refused', async (t) => {
    await withPage(browser, t, async ({ page, cdp, authenticatorId }) => {
      const username = unique('alan');
      await openDemo(page, server.url);
      await signUpWithPasskey(page, username);
      await button(page, 'Create a passkey').click();
      await waitForText(alertText(page), 'passkey_already_exists');
      assert.equal(await page.locator('#passkeys li').count(), 1);
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
    });
  });

  test('browsers without the WebAuthn JSON helpers use the SDK fallbacks', async (t) => {
    await withPage(browser, t, async ({ context, page }) => {
      // As in browsers before parse*OptionsFromJSON and toJSON() (WebAuthn L3).
      await context.addInitScript(() => {
        const PKC = /** @type {any} */ (window).PublicKeyCredential;
        delete PKC.parseCreationOptionsFromJSON;
        delete PKC.parseRequestOptionsFromJSON;
        delete PKC.prototype.toJSON;
      });
      const username = unique('ida');
      await openDemo(page, server.url);
      assert.equal(await page.evaluate(() => 'toJSON' in PublicKeyCredential.prototype), false);
      await signUpWithPasskey(page, username);
      await signOut(page);
      await button(page, 'Sign in with a passkey').click();
      await waitForVisibleText(page, `Signed in as ${username}`);
      assert.equal(await alertText(page).isVisible(), false);
    });
  });

  test('a taken username is shown as an error', async (t) => {
    await withPage(browser, t, async ({ page }) => {
      const username = unique('edsger');
      await openDemo(page, server.url);
      await signUpWithUsername(page, username);
      await signOut(page);
      await page.getByPlaceholder('Username', { exact: true }).fill(username);
      await button(page, 'Sign up').click();
      await waitForText(alertText(page), 'form_identifier_exists');
    });
  });
});
