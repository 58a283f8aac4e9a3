// The operator dashboard (/dashboard) driven as an operator would: enrolment by
// a one-time link from `latchkey admin create`, passkey sign-in and sign-out,
// finding an end user and banning, unbanning, revoking and deleting through
// the confirmation dialog, the audit log, and an end user turned away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  CHROME_LINUX_UA,
  alertText,
  button,
  credentials,
  launchBrowser,
  openDemo,
  runLatchkey,
  signOut,
  signUpWithPasskey,
  startServer,
  unique,
  until,
  waitForText,
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

/** @typedef {import('playwright-core').Page} Page */

/**
 * `latchkey admin create NAME` against the test server's database: the one-time link it prints.
 * @param {string} name
 */
async function enrolmentLink(name) {
  const { stdout, stderr } = await runLatchkey(server, ['admin', 'create', name]);
  const link = /(https?:\/\/\S+\/dashboard\/enrol#token=[^\s"'<>]+)/.exec(`${stdout}\n${stderr}`)?.[1];
  if (!link) throw new Error(`latchkey admin create printed no enrolment link:\n${stdout}\n${stderr}`);
  assert.ok(link.startsWith(`${server.url}/dashboard/enrol#token=`), link);
  return link;
}

/** @param {Page} page @param {string} name */
const heading = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });

/**
 * Enrol a new operator in `page`: open a fresh link, let the page create the
 * passkey on the virtual authenticator, and wait for the Users page.
 * @param {Page} page
 * @param {string} name
 */
async function enrolOperator(page, name) {
  const link = await enrolmentLink(name);
  await page.goto(link);
  await heading(page, 'Users').waitFor();
  await waitForText(page.locator('#operator-name'), name);
  // The token left the address bar (and the history entry) before it was used.
  assert.doesNotMatch(page.url(), /token=/);
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  return link;
}

/**
 * A second browser with its own cookies and virtual authenticator: the end user.
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: Page }>}
 */
async function endUserBrowser() {
  const context = await browser.newContext({ userAgent: CHROME_LINUX_UA });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { context, page };
}

/**
 * The end user's discoverable passkey sign-in through the SDK, on a page of the
 * server's origin that runs no sign-in of its own: its outcome, error code included.
 * @param {Page} page
 */
async function endUserSignIn(page) {
  await page.goto(`${server.url}/healthz`);
  return page.evaluate(async () => {
    const { Latchkey } = await import('/sdk/latchkey.js');
    const latchkey = new Latchkey();
    await latchkey.load();
    const signedInBefore = latchkey.isSignedIn;
    try {
      const signIn = await latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' });
      await latchkey.setActive({ session: signIn.createdSessionId });
      return { signedInBefore, status: signIn.status, username: latchkey.user?.username ?? null, code: null };
    } catch (error) {
      return { signedInBefore, status: null, username: null, code: /** @type {any} */ (error).code ?? String(error) };
    }
  });
}

/**
 * Open the confirmation dialog with `trigger`, check it names the action,
 * and press its confirm button.
 * @param {Page} page
 * @param {import('playwright-core').Locator} trigger
 * @param {string} confirm the dialog's confirm button
 */
async function confirmIn(page, trigger, confirm) {
  await trigger.click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: confirm, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** @param {Page} page */
const statusText = (page) => page.getByRole('status');

/**
 * Find a user by a search on the Users page and open their page.
 * @param {Page} page
 * @param {string} username
 */
async function openUser(page, username) {
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await heading(page, 'Users').waitFor();
  await page.getByLabel('Search by username or email').fill(username.slice(0, -2));
  await page.getByLabel('Search by username or email').press('Enter');
  const link = page.locator('#users-rows').getByRole('link', { name: username, exact: true });
  await link.waitFor();
  await link.click();
  await heading(page, username).waitFor();
}

/** @param {string[]} lines the page's console */
function assertNoCspViolation(lines) {
  const violations = lines.filter((l) => /Content Security Policy|Refused to (apply|execute|load|connect)/i.test(l));
  assert.deepEqual(violations, []);
}

describe('dashboard', () => {
  test('enrol by a one-time link, stay signed in across a reload, sign out and in with the passkey', async (t) => {
    await withPage(browser, t, async ({ page, cdp, authenticatorId, console: lines }) => {
      const name = unique('op');
      // Signed out, the dashboard offers the passkey sign-in and nothing else.
      const response = await page.goto(`${server.url}/dashboard`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      // The page runs under a CSP without inline scripts or styles (assertNoCspViolation checks it obeys).
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /style-src 'self'(;|$)/);
      await button(page, 'Sign in with a passkey').waitFor();
      assert.equal(await page.getByRole('navigation', { name: 'Dashboard' }).isVisible(), false);

      const link = await enrolOperator(page, name);
      assert.equal((await credentials(cdp, authenticatorId)).length, 1);
      await waitForText(statusText(page), 'Your passkey is set up');
      // The operator is listed among the users, marked as one.
      const own = page.locator('#users-rows tr', { has: page.getByRole('link', { name, exact: true }) });
      await own.waitFor();
      assert.match((await own.textContent()) ?? '', /Operator/);
      assert.equal(await alertText(page).isVisible(), false);

      // The dashboard cookie keeps the session across a reload.
      await page.reload();
      await heading(page, 'Users').waitFor();
      await waitForText(page.locator('#operator-name'), name);

      await signOut(page);
      assert.equal(await page.getByRole('navigation', { name: 'Dashboard' }).isVisible(), false);
      assert.equal(await page.locator('#users-rows tr').count(), 0);

      await button(page, 'Sign in with a passkey').click();
      await heading(page, 'Users').waitFor();
      await waitForText(page.locator('#operator-name'), name);
      assert.equal(await alertText(page).isVisible(), false);

      // The link was good for one use.
      await page.goto(link);
      await waitForText(page.locator('#enrol-message'), 'invalid, has already been used or has expired');
      assert.doesNotMatch(page.url(), /token=/);
      assertNoCspViolation(lines);
    });
  });

  test('find an end user, see their passkey and session, ban them (sign-in refused), unban them (sign-in works)', async (t) => {
    const { context, page: user } = await endUserBrowser();
    try {
      const username = unique('enduser');
      await openDemo(user, server.url);
      await signUpWithPasskey(user, username);

      await withPage(browser, t, async ({ page, console: lines }) => {
        await enrolOperator(page, unique('op'));
        await openUser(page, username);

        const details = page.locator('#user-details');
        await waitForText(details, username);
        const userId = ((await details.locator('dd').first().textContent()) ?? '').trim();
        assert.match(userId, /^user_[A-Za-z0-9]+$/);
        assert.equal(await page.locator('#passkeys-rows tr').count(), 1);
        await waitForText(page.locator('#passkeys-rows tr'), /pk_/);
        await waitForText(page.locator('#sessions-rows tr'), 'Chrome');
        await waitForText(page.locator('#user-audit-rows'), 'passkey.created');

        // Cancelling the dialog changes nothing; Escape cancels too.
        await button(page, 'Ban').click();
        await page.getByRole('dialog').waitFor();
        await waitForText(page.getByRole('dialog'), `Ban ${username}?`);
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
        await button(page, 'Ban').click();
        await page.getByRole('dialog').waitFor();
        await page.keyboard.press('Escape');
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
        assert.equal(await page.locator('#user-badges').textContent(), '');

        await confirmIn(page, button(page, 'Ban'), 'Ban user');
        await waitForText(statusText(page), `Banned ${username}`);
        await waitForText(page.locator('#user-badges'), 'Banned');
        await button(page, 'Unban').waitFor();
        // Banning revoked the user's sessions.
        await page.getByText('No live sessions.').waitFor();

        // The users list shows the badge too.
        await page.getByRole('link', { name: '← All users' }).click();
        const row = page.locator('#users-rows tr', { has: page.getByRole('link', { name: username, exact: true }) });
        await waitForText(row, 'Banned');

        // The audit log has the ban, made by the operator.
        await page.getByRole('link', { name: 'Audit log', exact: true }).click();
        await heading(page, 'Audit log').waitFor();
        await page.getByLabel('User ID').fill(userId);
        await page.getByRole('button', { name: 'Filter' }).click();
        const banned = page.locator('#audit-rows tr', { hasText: 'user.banned' });
        await banned.first().waitFor();
        assert.match((await banned.first().textContent()) ?? '', /By\s*user_/);

        // The end user is signed out and their passkey sign-in is refused.
        const refused = await endUserSignIn(user);
        assert.equal(refused.signedInBefore, false);
        assert.equal(refused.code, 'user_banned');

        await openUser(page, username);
        await button(page, 'Unban').click();
        await waitForText(statusText(page), `Unbanned ${username}`);
        await button(page, 'Ban').waitFor();
        assert.equal(await page.locator('#user-badges').textContent(), '');

        const allowed = await endUserSignIn(user);
        assert.equal(allowed.code, null);
        assert.equal(allowed.status, 'complete');
        assert.equal(allowed.username, username);

        await page.getByRole('link', { name: 'Audit log', exact: true }).click();
        await page.getByLabel('User ID').fill(userId);
        await page.getByLabel('User ID').press('Enter');
        await page.locator('#audit-rows tr', { hasText: 'user.unbanned' }).first().waitFor();
        assert.equal(await alertText(page).isVisible(), false);
        assertNoCspViolation(lines);
      });
    } finally {
      await context.close();
    }
  });

  test('revoke a session, delete a passkey and delete a user through the dialog', async (t) => {
    const { context, page: user } = await endUserBrowser();
    try {
      const username = unique('enduser');
      await openDemo(user, server.url);
      await signUpWithPasskey(user, username);

      await withPage(browser, t, async ({ page, console: lines }) => {
        await enrolOperator(page, unique('op'));
        await openUser(page, username);

        const session = page.locator('#sessions-rows tr');
        await session.first().waitFor();
        await confirmIn(page, session.first().getByRole('button', { name: /^Revoke session/ }), 'Revoke session');
        await waitForText(statusText(page), `Revoked the session of ${username}`);
        await page.getByText('No live sessions.').waitFor();
        const afterRevoke = await endUserSignIn(user);
        assert.equal(afterRevoke.signedInBefore, false);
        assert.equal(afterRevoke.status, 'complete');

        // The sign-in made a new session: "Revoke all" ends it.
        await page.reload();
        await session.first().waitFor();
        await confirmIn(page, button(page, 'Revoke all'), 'Revoke all');
        await page.getByText('No live sessions.').waitFor();

        const passkey = page.locator('#passkeys-rows tr');
        await confirmIn(page, passkey.first().getByRole('button', { name: /^Delete passkey/ }), 'Delete passkey');
        await waitForText(statusText(page), 'Deleted the passkey');
        await page.getByText('No passkeys.').waitFor();
        const afterDelete = await endUserSignIn(user);
        assert.equal(afterDelete.code, 'passkey_not_registered');

        await confirmIn(page, button(page, 'Delete user'), 'Delete user');
        await heading(page, 'Users').waitFor();
        await waitForText(statusText(page), `Deleted the user ${username}`);
        await page.getByLabel('Search by username or email').fill(username);
        await page.getByLabel('Search by username or email').press('Enter');
        await waitForText(page.locator('#users-empty'), `starts with “${username}”`);
        assert.equal(await page.locator('#users-rows tr').count(), 0);
        assert.equal(await alertText(page).isVisible(), false);
        assertNoCspViolation(lines);
      });
    } finally {
      await context.close();
    }
  });

  test('an end user who signs in on the dashboard is told it is not an operator and sees no user data', async (t) => {
    await withPage(browser, t, async ({ page, console: lines }) => {
      const username = unique('enduser');
      await openDemo(page, server.url);
      await signUpWithPasskey(page, username);

      // The demo's session is not a dashboard session: the dashboard has its own cookie.
      await page.goto(`${server.url}/dashboard`);
      await button(page, 'Sign in with a passkey').click();
      await heading(page, 'This account is not an operator').waitFor();
      await waitForText(page.locator('#not-operator-name'), username);
      assert.equal(await page.getByRole('navigation', { name: 'Dashboard' }).isVisible(), false);
      assert.equal(await page.locator('#view-users').isVisible(), false);
      assert.equal(await page.locator('tbody tr').count(), 0);

      // The Backend API refuses the session too, whatever the page shows.
      const answer = await page.evaluate(async () => {
        const res = await fetch('/dashboard/backend/v1/users', { credentials: 'same-origin' });
        return { status: res.status, code: (await res.json())?.errors?.[0]?.code };
      });
      assert.deepEqual(answer, { status: 403, code: 'operator_required' });

      // A route typed into the address bar shows nothing either.
      await page.goto(`${server.url}/dashboard#/audit`);
      await page.reload();
      await heading(page, 'This account is not an operator').waitFor();
      await until(async () => (await page.locator('tbody tr').count()) === 0, 'no table rows');

      await signOut(page);
      await heading(page, 'Sign in to the dashboard').waitFor();
      assertNoCspViolation(lines);
    });
  });
});
