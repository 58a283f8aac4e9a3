// The vendor's prebuilt UI components (@clerk/ui, pinned in package.json and served from
// node_modules), mounted through its unmodified clerk-js, against a real Latchkey server:
// <SignUp/>, <SignIn/>, <UserProfile/> and <UserButton/> render from Latchkey's
// environment, offer what Latchkey does (username, passkeys) and nothing it does not
// (passwords, phone numbers, social sign-in), and complete passkey sign-up, sign-in and
// management through their own buttons.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, startServer, unique, until } from './harness.js';
import {
  KEY_HOST,
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

/** Where the components send the user once signed in or up. */
const LANDED = '/ui-landed';

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const html = vendorPage(publishableKey('live', KEY_HOST), server.url, { ui: true });
  pages = await startVendorPageServer(server.port2, server.url, { '/ui': html, [LANDED]: html });
});

after(async () => {
  await browser?.close();
  await pages?.close();
  await server?.stop();
});

/**
 * Mount the component `name` (`SignIn`, `SignUp`, `UserProfile`, `UserButton`) on `#mount`,
 * sending the user to {@link LANDED} once signed in or up.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
function mount(page, name) {
  return page.evaluate(
    ([name, landed]) => {
      const mount = /** @type {HTMLElement} */ (document.getElementById('mount'));
      /** @type {any} */ (window).Clerk[`mount${name}`](mount, { fallbackRedirectUrl: landed });
    },
    [name, LANDED],
  );
}

/** @param {import('playwright-core').Page} page */
const username = (page) => page.evaluate(() => /** @type {any} */ (window).Clerk.user?.username ?? null);

/** The names of the signed-in user's passkeys, as the server has them. @param {import('playwright-core').Page} page */
const passkeyNames = (page) =>
  page.evaluate(async () => {
    const clerk = /** @type {any} */ (window).Clerk;
    await clerk.user.reload();
    return clerk.user.passkeys.map((/** @type {any} */ p) => p.name);
  });

test('<SignUp/> signs up with a username, and <UserProfile/> adds, renames and removes a passkey', async (t) => {
  await withVendorPage(browser, server, t, '/ui', async ({ page, calls, load }) => {
    assert.equal(await load(), 'ready');
    await mount(page, 'SignUp');
    const form = page.locator('#mount');
    await form.getByText('Create your account').waitFor();
    // Only what Latchkey offers: a username, no password, no phone number.
    assert.equal(await form.locator('input[name=username]').count(), 1);
    assert.equal(await form.locator('input[type=password], input[name=phoneNumber]').count(), 0);

    const name = unique('ada');
    await form.locator('input[name=username]').fill(name);
    await Promise.all([
      page.waitForURL(`${server.origin2}${LANDED}`),
      form.getByRole('button', { name: 'Continue', exact: true }).click(),
    ]);
    await page.evaluate(() => /** @type {any} */ (window).loaded);
    assert.equal(await username(page), name);

    await mount(page, 'UserProfile');
    await form.getByRole('button', { name: 'Security', exact: true }).click();
    // "Active devices" lists this browser's session, named from its User-Agent.
    await form.getByText('Chrome 156.0.0.0').waitFor();
    await form.getByRole('button', { name: 'Add a passkey' }).click();
    await until(async () => (await passkeyNames(page)).length === 1, 'the passkey is added');
    const [made] = await passkeyNames(page);
    await form.getByText(made).waitFor();

    await form.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    await form.locator('input[name=passkeyName]').fill('Work laptop');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await form.getByText('Work laptop').waitFor();
    assert.deepEqual(await passkeyNames(page), ['Work laptop']);

    await form.getByRole('button', { name: 'Open menu' }).click();
    await page.getByRole('menuitem', { name: 'Remove' }).click();
    await form.getByRole('button', { name: 'Remove', exact: true }).click();
    await until(async () => (await passkeyNames(page)).length === 0, 'the passkey is removed');

    const failed = calls.filter((c) => !/ 2\d\d$/.test(c));
    assert.deepEqual(failed, [], calls.join('\n'));
  });
});

test('<SignIn/> signs in with a passkey from the autofill it offers, and <UserButton/> shows the user and signs out', async (t) => {
  await withVendorPage(browser, server, t, '/ui', async ({ page, calls, load }) => {
    await load();
    const name = unique('grace');
    await userWithPasskey(page, name);
    // The component asks for a passkey with conditional mediation as it mounts (the
    // environment allows autofill); the virtual authenticator answers at once, as a user
    // picking their passkey from the username field's suggestions does.
    await Promise.all([page.waitForURL(`${server.origin2}${LANDED}`), mount(page, 'SignIn')]);
    await page.evaluate(() => /** @type {any} */ (window).loaded);
    assert.equal(await username(page), name);

    await mount(page, 'UserButton');
    const form = page.locator('#mount');
    await form.getByRole('button', { name: 'Open user menu' }).click();
    const menu = page.getByRole('dialog');
    await menu.getByText(name).waitFor();
    await menu.getByRole('button', { name: 'Manage account' }).waitFor();
    // Its "Sign out" ends the session and goes to the after-sign-out URL.
    await Promise.all([
      page.waitForURL(`${server.origin2}/`),
      menu.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    assert.ok(calls.includes('DELETE /v1/client/sessions 200'), calls.join('\n'));
    assert.ok(calls.some((c) => /^POST \/v1\/client\/sign_ins\/sia_\w+\/attempt_first_factor 200$/.test(c)), calls.join('\n'));
    const failed = calls.filter((c) => !/ 2\d\d$/.test(c));
    assert.deepEqual(failed, [], calls.join('\n'));
  });
});

test('<UserButton/> lists every signed-in account, switches between them and signs out of all', async (t) => {
  await withVendorPage(browser, server, t, '/ui', async ({ page, calls, load }) => {
    await load();
    const first = await page.evaluate(SIGN_UP, unique('ada'));
    const second = await page.evaluate(SIGN_UP, unique('bob'));
    await mount(page, 'UserButton');
    await page.locator('#mount').getByRole('button', { name: 'Open user menu' }).click();
    const menu = page.getByRole('dialog');
    await menu.getByText(second.username).waitFor();
    // The other account is offered; choosing it makes its session the active one.
    await menu.getByText(first.username).click();
    await until(
      async () => (await page.evaluate(() => /** @type {any} */ (window).Clerk.session?.id)) === first.sessionId,
      'the first account is active again',
    );
    assert.equal(await username(page), first.username);

    await page.locator('#mount').getByRole('button', { name: 'Open user menu' }).click();
    await Promise.all([
      page.waitForURL(`${server.origin2}/`),
      menu.getByRole('button', { name: 'Sign out of all accounts' }).click(),
    ]);
    assert.ok(calls.includes('DELETE /v1/client/sessions 200'), calls.join('\n'));
    const failed = calls.filter((c) => !/ 2\d\d$/.test(c));
    assert.deepEqual(failed, [], calls.join('\n'));
  });
});
