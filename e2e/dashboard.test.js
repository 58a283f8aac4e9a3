// The operator dashboard (/dashboard) driven as an operator would: enrolment by
// a one-time link from `latchkey admin create`, passkey sign-in and sign-out,
// finding an end user and banning, unbanning, revoking and deleting through
// the confirmation dialog, the users list paged by keyset, an invitation of
// another operator, a step-up before a late
// change, the audit log (its filters and export), the overview
// and its chart, live settings that take effect on the Frontend API (and a
// pinned one that cannot change), and an end user turned away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  CHROME_LINUX_UA,
  alertText,
  button,
  createPasskey,
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
 * `latchkey admin create NAME` against a test server's database: the one-time link it prints.
 * @param {string} name
 * @param {import('./harness.js').LatchkeyServer} [srv] the file's server unless given
 */
async function enrolmentLink(name, srv = server) {
  const { stdout, stderr } = await runLatchkey(srv, ['admin', 'create', name]);
  const link = /(https?:\/\/\S+\/dashboard\/enrol#token=[^\s"'<>]+)/.exec(`${stdout}\n${stderr}`)?.[1];
  if (!link) throw new Error(`latchkey admin create printed no enrolment link:\n${stdout}\n${stderr}`);
  assert.ok(link.startsWith(`${srv.url}/dashboard/enrol#token=`), link);
  return link;
}

/** @param {Page} page @param {string} name */
const heading = (page, name) => page.getByRole('heading', { level: 1, name, exact: true });

/**
 * Enrol a new operator in `page`: open a fresh link, let the page create the
 * passkey on the virtual authenticator, and wait for the Overview, the page
 * an operator lands on.
 * @param {Page} page
 * @param {string} name
 * @param {import('./harness.js').LatchkeyServer} [srv] the file's server unless given
 */
async function enrolOperator(page, name, srv = server) {
  const link = await enrolmentLink(name, srv);
  await page.goto(link);
  await heading(page, 'Overview').waitFor();
  await waitForText(page.locator('#operator-name'), name);
  // The token left the address bar (and the history entry) before it was used.
  assert.doesNotMatch(page.url(), /token=/);
  assert.equal(new URL(page.url()).pathname, '/dashboard');
  return link;
}

/** The end user's virtual authenticator: CTAP2, internal, resident keys, user verification. */
const AUTHENTICATOR = {
  protocol: /** @type {const} */ ('ctap2'),
  transport: /** @type {const} */ ('internal'),
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
};

/**
 * A second browser with its own cookies and virtual authenticator: the end user.
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: Page, cdp: import('playwright-core').CDPSession, authenticatorId: string }>}
 */
async function endUserBrowser() {
  const context = await browser.newContext({ userAgent: CHROME_LINUX_UA });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR });
  return { context, page, cdp, authenticatorId };
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

/**
 * The number an Overview figure shows, once the overview has loaded.
 * @param {Page} page
 * @param {string} id
 */
async function figure(page, id) {
  await page.locator('#overview-figures:not([aria-busy])').waitFor();
  const text = (await page.locator(`#${id}`).textContent()) ?? '';
  assert.match(text, /^\d[\d,.\s\u00a0\u202f]*$/, `figure ${id}: ${text}`);
  return Number(text.replace(/\D/g, ''));
}

/**
 * An operator's own user id, read from their user page.
 * @param {Page} page
 * @param {string} name
 */
async function userIdOf(page, name) {
  await openUser(page, name);
  const id = ((await page.locator('#user-details dd').first().textContent()) ?? '').trim();
  assert.match(id, /^user_[A-Za-z0-9]+$/);
  return id;
}

/**
 * Change live settings through the dashboard's Backend API with the page's
 * operator session (the page is on the dashboard).
 * @param {Page} page
 * @param {Record<string, unknown>} changes
 */
function patchSettings(page, changes) {
  return page.evaluate(async (changes) => {
    const res = await fetch('/dashboard/backend/v1/live_settings', {
      method: 'PATCH',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(changes),
    });
    const json = await res.json();
    return { status: res.status, code: json?.errors?.[0]?.code ?? null, settings: json?.settings ?? null };
  }, changes);
}

/**
 * A sign-up with a username on the Frontend API, from a fresh browser on the
 * server's origin: its HTTP status and error code.
 * @param {string} username
 */
async function usernameSignUp(username) {
  const context = await browser.newContext({ userAgent: CHROME_LINUX_UA });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/healthz`);
    return await page.evaluate(async (username) => {
      const res = await fetch('/v1/client/sign_ups', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username }),
      });
      const json = await res.json();
      return { status: res.status, code: json?.errors?.[0]?.code ?? null };
    }, username);
  } finally {
    await context.close();
  }
}

/**
 * Open the Settings page from the navigation.
 * @param {Page} page
 */
async function openSettings(page) {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await heading(page, 'Settings').waitFor();
  await page.locator('#settings-fields .setting').first().waitFor();
  await page.locator('#settings-form:not([aria-busy])').waitFor();
}

/**
 * Filter the audit log with its form; `fields` maps a filter's label to its value.
 * @param {Page} page
 * @param {Record<string, string>} fields
 */
async function filterAudit(page, fields) {
  for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
}

/** @typedef {{ id: string, type: string, user: string, actor: string, details: string }} AuditRow */

/**
 * The audit log's rows, once `check` accepts them (pages render after the
 * address changes, so wait for the rows a filter should give).
 * @param {Page} page
 * @param {(rows: AuditRow[]) => boolean} check
 * @param {string} what
 * @returns {Promise<AuditRow[]>}
 */
async function auditTable(page, check, what) {
  /** @type {AuditRow[]} */
  let rows = [];
  await until(async () => {
    rows = await page.locator('#audit-rows tr').evaluateAll((trs) =>
      trs.map((tr) => {
        const cells = [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim());
        return { id: tr.getAttribute('data-event-id') ?? '', type: cells[1], user: cells[2], actor: cells[3], details: cells[4] };
      }),
    );
    return check(rows);
  }, what);
  return rows;
}

/**
 * A `datetime-local` value `offsetMs` from now in the page's time zone.
 * @param {Page} page
 * @param {number} offsetMs
 */
function localTime(page, offsetMs) {
  return page.evaluate((offsetMs) => {
    const d = new Date(Date.now() + offsetMs);
    const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }, offsetMs);
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
      assert.equal(new URL(page.url()).hash, '#/overview');
      assert.equal(await page.getByRole('link', { name: 'Overview', exact: true }).getAttribute('aria-current'), 'page');
      // The operator is listed among the users, marked as one.
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await heading(page, 'Users').waitFor();
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
      // The page shown before signing out (the route stays in the address).
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
        assert.match(((await banned.first().locator('td.actor').textContent()) ?? '').trim(), /^user_[A-Za-z0-9]+$/);

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

  test('the users list pages forward and back by keyset through a search', async (t) => {
    await withPage(browser, t, async ({ page, console: lines }) => {
      await enrolOperator(page, unique('op'));
      const prefix = unique('pager');
      // 45 users, created one after another: newest first, they are 44 down to 0.
      await page.evaluate(async (prefix) => {
        for (let n = 0; n < 45; n += 1) {
          const res = await fetch('/dashboard/backend/v1/users', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: `${prefix}${String(n).padStart(2, '0')}` }),
          });
          if (!res.ok) throw new Error(`user ${n}: ${res.status} ${await res.text()}`);
        }
      }, prefix);
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await heading(page, 'Users').waitFor();
      await page.getByLabel('Search by username or email').fill(prefix);
      await page.getByLabel('Search by username or email').press('Enter');
      const range = page.locator('#users-range');
      const prev = button(page, 'Previous');
      const next = button(page, 'Next');
      /** The usernames shown, top to bottom. */
      const shown = () => page.locator('#users-rows tr td:first-child a').allTextContents();
      const numbers = (/** @type {number} */ from, /** @type {number} */ to) =>
        Array.from({ length: from - to + 1 }, (_, i) => `${prefix}${String(from - i).padStart(2, '0')}`);

      await waitForText(range, '1–20 of 45');
      assert.deepEqual(await shown(), numbers(44, 25));
      assert.equal(await prev.isDisabled(), true);
      await next.click();
      await waitForText(range, '21–40 of 45');
      assert.deepEqual(await shown(), numbers(24, 5));
      // The page is named by the last user before it, not by an offset.
      const second = new URL(page.url()).hash;
      assert.match(second, /after=user_/);
      assert.doesNotMatch(second, /offset=/);
      await next.click();
      await waitForText(range, '41–45 of 45');
      assert.deepEqual(await shown(), numbers(4, 0));
      assert.equal(await next.isDisabled(), true);
      await prev.click();
      await waitForText(range, '21–40 of 45');
      assert.deepEqual(await shown(), numbers(24, 5));
      assert.equal(new URL(page.url()).hash, second);
      // A reload shows the same page.
      await page.reload();
      await waitForText(range, '21–40 of 45');
      assert.deepEqual(await shown(), numbers(24, 5));
      await prev.click();
      await waitForText(range, '1–20 of 45');
      assert.deepEqual(await shown(), numbers(44, 25));
      assert.equal(await alertText(page).isVisible(), false);
      assertNoCspViolation(lines);
    });
  });

  test('an operator invites another from the Users page, whose link enrols them on their own device', async (t) => {
    const { context, page: invitee } = await endUserBrowser();
    try {
      await withPage(browser, t, async ({ page, console: lines }) => {
        await enrolOperator(page, unique('op'));
        await page.getByRole('link', { name: 'Users', exact: true }).click();
        await heading(page, 'Users').waitFor();
        const username = page.getByLabel('Username', { exact: true });
        // A name the server refuses: its words next to the form, nobody invited.
        await username.fill('x');
        await button(page, 'Invite').click();
        await waitForText(page.locator('#invite-error'), 'form_param_value_invalid');
        assert.equal(await page.locator('#invite-result').isVisible(), false);

        const name = unique('newop');
        await username.fill(name);
        await button(page, 'Invite').click();
        await waitForText(statusText(page), `Invited ${name} as an operator`);
        assert.equal(await page.locator('#invite-error').isVisible(), false);
        const link = await page.getByLabel('One-time link', { exact: true }).inputValue();
        assert.ok(link.startsWith(`${server.url}/dashboard/enrol#token=`), link);
        await waitForText(page.locator('#invite-summary'), name);

        // The invitee opens the link on their own device and is an operator.
        await invitee.goto(link);
        await heading(invitee, 'Overview').waitFor();
        await waitForText(invitee.locator('#operator-name'), name);
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

  test('the overview counts users, sessions, passkeys and the last day’s sign-ins, charts them per minute and lists passkeys by provider', async (t) => {
    const { context, page: user } = await endUserBrowser();
    try {
      const username = unique('enduser');
      await openDemo(user, server.url);
      await signUpWithPasskey(user, username);
      const signedIn = await endUserSignIn(user);
      assert.equal(signedIn.code, null);
      assert.equal(signedIn.status, 'complete');

      await withPage(browser, t, async ({ page, console: lines }) => {
        await enrolOperator(page, unique('op'));
        // The end user and the operator, each with a passkey and a session.
        assert.ok((await figure(page, 'figure-users')) >= 2);
        assert.ok((await figure(page, 'figure-sessions')) >= 2);
        const passkeys = await figure(page, 'figure-passkeys');
        assert.ok(passkeys >= 2);
        const signIns = await figure(page, 'figure-sign-ins');
        assert.ok(signIns >= 1);

        // The chart: an SVG image with labelled axes and at least one bar of sign-ins.
        const chart = page.locator('#overview-chart svg');
        assert.equal(await chart.getAttribute('role'), 'img');
        assert.equal(await chart.getAttribute('aria-describedby'), 'overview-chart-summary');
        await waitForText(chart.locator('.x-axis .axis-title'), 'Time (last 24 hours');
        await waitForText(chart.locator('.y-axis .axis-title'), 'Events per minute');
        assert.ok((await chart.locator('.x-axis text').count()) >= 8, 'a time tick every three hours');
        assert.ok((await chart.locator('rect.bar').count()) >= 1);
        const bars = chart.locator('rect.bar.sign-ins');
        assert.ok((await bars.count()) >= 1);
        const bar = bars.last();
        for (const attribute of ['x', 'y', 'width', 'height']) {
          assert.ok(Number(await bar.getAttribute(attribute)) >= 0, attribute);
        }
        assert.ok(Number(await bar.getAttribute('height')) > 0);
        assert.equal(await bar.getAttribute('style'), null);
        assert.match((await bar.locator('title').textContent()) ?? '', /^\S+.*: \d+ sign-ins?, \d+ sign-ups?, \d+ failures?$/);
        // The same totals in words for screen readers.
        await waitForText(page.locator('#overview-chart-summary'), /^In the last 24 hours: \d+ sign-ins?, \d+ sign-ups? and \d+ failures?/);
        const summary = (await page.locator('#overview-chart-summary').textContent()) ?? '';
        assert.equal(Number(/: ([\d,]+) sign-in/.exec(summary)?.[1].replace(/\D/g, '')), signIns);

        // Passkeys by provider: every passkey counted once.
        const providers = page.locator('#providers-rows tr');
        assert.ok((await providers.count()) >= 1);
        const counts = await providers.evaluateAll((rows) =>
          rows.map((row) => ({
            name: (row.querySelector('td.provider')?.textContent ?? '').trim(),
            count: Number((row.querySelectorAll('td')[1]?.textContent ?? '').replace(/\D/g, '')),
            icon: row.querySelector('img.provider-icon')?.getAttribute('src') ?? null,
          })),
        );
        for (const row of counts) {
          assert.ok(row.name.length > 0);
          assert.ok(row.count >= 1);
          if (row.icon !== null) assert.match(row.icon, /^data:image\//);
        }
        assert.equal(
          counts.reduce((sum, row) => sum + row.count, 0),
          passkeys,
        );

        // Another sign-in shows after a refresh.
        const again = await endUserSignIn(user);
        assert.equal(again.status, 'complete');
        await button(page, 'Refresh').click();
        await until(async () => (await figure(page, 'figure-sign-ins')) >= signIns + 1, 'the new sign-in counted');
        assert.equal(await alertText(page).isVisible(), false);
        assertNoCspViolation(lines);
      });
    } finally {
      await context.close();
    }
  });

  test('live settings take effect on the Frontend API at once, and the audit log shows each change with its operator', async (t) => {
    const { context, page: user, cdp, authenticatorId } = await endUserBrowser();
    try {
      const username = unique('enduser');
      await openDemo(user, server.url);
      await signUpWithPasskey(user, username);
      await user.locator('#passkeys li').first().waitFor();

      await withPage(browser, t, async ({ page, console: lines }) => {
        const opName = unique('op');
        await enrolOperator(page, opName);
        const opId = await userIdOf(page, opName);
        await openSettings(page);

        const usernameSignUps = page.getByLabel('Sign-up with a username', { exact: true });
        const maxPasskeys = page.getByLabel('Most passkeys per user', { exact: true });
        const relatedOrigins = page.getByLabel('Related origins', { exact: true });
        const initial = {
          'auth.sign_up_with_username': await usernameSignUps.isChecked(),
          'webauthn.max_passkeys_per_user': Number(await maxPasskeys.inputValue()),
          'webauthn.related_origins': (await relatedOrigins.inputValue()).split(/\s+/).filter(Boolean),
        };
        assert.equal(initial['auth.sign_up_with_username'], true);
        assert.ok(initial['webauthn.max_passkeys_per_user'] >= 2);
        // One labelled control per setting, none pinned on this server.
        assert.equal(await page.locator('#settings-fields .setting').count(), 17);
        assert.equal(await page.getByText("Pinned by the server's configuration").count(), 0);
        assert.equal(await page.getByLabel('User verification', { exact: true }).inputValue(), 'required');
        assert.equal(await maxPasskeys.getAttribute('min'), '1');
        assert.equal(await maxPasskeys.getAttribute('max'), '100');
        assert.equal(await page.getByLabel('Attestation', { exact: true }).inputValue(), 'none');
        const origins = (await page.getByLabel('Allowed origins', { exact: true }).inputValue()).split('\n');
        assert.ok(origins.includes(new URL(server.url).origin), origins.join(' '));
        assert.equal(await page.getByLabel('Audit retention', { exact: true }).getAttribute('max'), '36500');
        assert.equal(await page.getByLabel('Ceremonies per IP', { exact: true }).getAttribute('min'), '1');

        try {
          // Nothing changed: nothing is sent.
          await button(page, 'Save changes').click();
          await waitForText(statusText(page), 'nothing to save');

          let patches = 0;
          page.on('request', (r) => {
            if (r.method() === 'PATCH') patches += 1;
          });

          // Turning passkeys off asks first; cancelled, nothing is sent.
          const passkeysOn = page.getByLabel('Passkeys enabled', { exact: true });
          await passkeysOn.uncheck();
          await button(page, 'Save changes').click();
          const dialog = page.getByRole('dialog');
          await waitForText(dialog, 'Turn off passkeys?');
          await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
          await dialog.waitFor({ state: 'hidden' });
          assert.equal(patches, 0);
          await passkeysOn.check();

          // Leaving this dashboard's own origin out of the allowed origins asks first too.
          const allowedOrigins = page.getByLabel('Allowed origins', { exact: true });
          await allowedOrigins.fill(origins.filter((o) => o !== new URL(server.url).origin).join('\n'));
          await button(page, 'Save changes').click();
          await waitForText(dialog, `Leave out ${new URL(server.url).origin}?`);
          await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
          await dialog.waitFor({ state: 'hidden' });
          assert.equal(patches, 0);
          await allowedOrigins.fill(origins.join('\n'));

          // Sign-up with a username off: the Frontend API refuses it at once.
          await usernameSignUps.uncheck();
          await waitForText(page.locator('#settings-dirty'), '1 unsaved change');
          // Hold the request to see the form while it is in flight: Save is disabled.
          /** @type {() => void} */
          let release = () => {};
          const held = new Promise((resolve) => (release = () => resolve(undefined)));
          await page.route('**/dashboard/backend/v1/live_settings', async (route) => {
            if (route.request().method() === 'PATCH') await held;
            await route.continue();
          });
          const saved = page.waitForResponse((r) => r.url().endsWith('/dashboard/backend/v1/live_settings') && r.request().method() === 'PATCH');
          await button(page, 'Save changes').click();
          await until(async () => button(page, 'Save changes').isDisabled(), 'Save disabled while saving');
          assert.equal(await page.locator('#settings-form').getAttribute('aria-busy'), 'true');
          release();
          const patch = await saved;
          await page.unroute('**/dashboard/backend/v1/live_settings');
          assert.equal(patches, 1);
          assert.deepEqual(patch.request().postDataJSON(), { 'auth.sign_up_with_username': false });
          await waitForText(statusText(page), 'Saved 1 setting: Sign-up with a username off');
          assert.equal(await button(page, 'Save changes').isEnabled(), true);
          assert.equal(await usernameSignUps.isChecked(), false);
          assert.equal(await page.locator('#settings-dirty').textContent(), '');
          const refused = await usernameSignUp(unique('visitor'));
          assert.deepEqual(refused, { status: 422, code: 'strategy_not_enabled' });

          // One passkey per user: the end user's second one is refused.
          await maxPasskeys.fill('1');
          await button(page, 'Save changes').click();
          await waitForText(statusText(page), 'Saved 1 setting: Most passkeys per user 1');
          await openDemo(user, server.url);
          await user.getByText(`Signed in as ${username}`).waitFor();
          await button(user, 'Create a passkey').click();
          await waitForText(alertText(user), 'passkey_quota_exceeded');
          assert.equal(await user.locator('#passkeys li').count(), 1);

          // Two: accepted (from a new authenticator, as the first one holds a passkey of this user).
          await maxPasskeys.fill('2');
          await button(page, 'Save changes').click();
          await waitForText(statusText(page), 'Saved 1 setting: Most passkeys per user 2');
          await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
          await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR });
          await createPasskey(user);
          assert.equal(await user.locator('#passkeys li').count(), 2);
          assert.equal(await alertText(user).isVisible(), false);

          // The audit log has the three changes, newest first, each by this operator.
          await page.getByRole('link', { name: 'Audit log', exact: true }).click();
          await heading(page, 'Audit log').waitFor();
          await filterAudit(page, { 'Event type': 'instance.settings_changed' });
          const changes = await auditTable(
            page,
            (rows) => rows.length >= 3 && rows.every((r) => r.type === 'instance.settings_changed'),
            'the settings changes',
          );
          assert.match(changes[0].details, /^webauthn\.max_passkeys_per_user: 1 → 2$/);
          assert.match(changes[1].details, /^webauthn\.max_passkeys_per_user: \d+ → 1$/);
          assert.match(changes[2].details, /^auth\.sign_up_with_username: true → false$/);
          for (const row of changes.slice(0, 3)) assert.equal(row.actor, opId);
          assert.equal(await page.locator('#audit-rows tr').first().locator('td.actor a').getAttribute('href'), `#/users/${opId}`);

          // Filtered by this operator as actor too: exactly these three.
          await filterAudit(page, { 'Actor (operator)': opId });
          const mine = await auditTable(page, (rows) => rows.length === 3 && rows.every((r) => r.actor === opId), 'the operator\'s changes');
          assert.deepEqual(mine.map((r) => r.id), changes.slice(0, 3).map((r) => r.id));
          assert.match(new URL(page.url()).hash, /type=instance\.settings_changed/);
          assert.match(new URL(page.url()).hash, new RegExp(`actor=${opId}`));

          // Back as they were, through the form: sign-ups with a username work again.
          await openSettings(page);
          await usernameSignUps.check();
          await maxPasskeys.fill(String(initial['webauthn.max_passkeys_per_user']));
          await button(page, 'Save changes').click();
          await waitForText(statusText(page), 'Saved 2 settings');
          const allowed = await usernameSignUp(unique('visitor'));
          assert.deepEqual(allowed, { status: 200, code: null });

          // A related origin, one a line: published at once.
          await relatedOrigins.fill('https://shop.example');
          await button(page, 'Save changes').click();
          await waitForText(statusText(page), 'Saved 1 setting: Related origins https://shop.example');
          const published = await page.evaluate(async () => (await fetch('/.well-known/webauthn')).json());
          assert.deepEqual(published, { origins: ['https://shop.example'] });
          assert.equal(await alertText(page).isVisible(), false);
          assertNoCspViolation(lines);
        } finally {
          // Whatever happened, leave the (possibly shared) database's settings as found.
          await patchSettings(page, initial);
        }
      });
    } finally {
      await context.close();
    }
  });

  test('a change after the step-up limit asks for the passkey again, then goes through', async (t) => {
    const limit = 2;
    const strictServer = await startServer({ env: { LATCHKEY_AUTH__REVERIFICATION_MAX_AGE_SECS: String(limit) } });
    try {
      await withPage(browser, t, async ({ page, cdp, authenticatorId, console: lines }) => {
        await enrolOperator(page, unique('op'), strictServer);
        const provedAt = Date.now();
        const [{ signCount }] = await credentials(cdp, authenticatorId);
        await openSettings(page);
        const maxPasskeys = page.getByLabel('Most passkeys per user', { exact: true });
        const wanted = String(Number(await maxPasskeys.inputValue()) + 1);
        await maxPasskeys.fill(wanted);
        /** @type {number[]} */
        const patches = [];
        page.on('response', (r) => {
          if (r.request().method() === 'PATCH') patches.push(r.status());
        });
        await page.waitForTimeout(Math.max(0, provedAt + limit * 1000 + 500 - Date.now()));
        await button(page, 'Save changes').click();
        await waitForText(statusText(page), 'Saved 1 setting');
        // Refused once for want of a recent proof, proved with the passkey, then saved.
        assert.deepEqual(patches, [403, 200]);
        const [after] = await credentials(cdp, authenticatorId);
        assert.ok(after.signCount > signCount, `the passkey signed the step-up (${signCount} → ${after.signCount})`);
        await page.reload();
        await openSettings(page);
        assert.equal(await page.getByLabel('Most passkeys per user', { exact: true }).inputValue(), wanted);
        assert.equal(await alertText(page).isVisible(), false);
        assertNoCspViolation(lines);
      });
    } finally {
      await strictServer.stop();
    }
  });

  test('a setting pinned by the configuration shows disabled, and the server’s refusals show next to the form', async (t) => {
    const pinnedServer = await startServer({ env: { LATCHKEY_LIVE_SETTINGS__PINNED: JSON.stringify(['auth.passkey']) } });
    try {
      await withPage(browser, t, async ({ page, console: lines }) => {
        await enrolOperator(page, unique('op'), pinnedServer);
        await openSettings(page);

        const passkeys = page.getByLabel('Passkeys enabled', { exact: true });
        assert.equal(await passkeys.isChecked(), true);
        assert.equal(await passkeys.isDisabled(), true);
        const row = page.locator('#settings-fields .setting[data-setting="auth.passkey"]');
        await waitForText(row, "Pinned by the server's configuration");
        assert.match((await passkeys.getAttribute('aria-describedby')) ?? '', /setting-auth-passkey-pinned/);
        // Only that one.
        assert.equal(await page.getByText("Pinned by the server's configuration").count(), 1);
        assert.equal(await page.getByLabel('Sign-up with a username', { exact: true }).isDisabled(), false);

        // The API refuses the pinned setting whatever the page does.
        const pinned = await patchSettings(page, { 'auth.passkey': false });
        assert.deepEqual({ status: pinned.status, code: pinned.code }, { status: 422, code: 'setting_pinned' });

        // A value the form would not send (its bounds removed) gets the server's words next to the form.
        const maxPasskeys = page.getByLabel('Most passkeys per user', { exact: true });
        const before = await maxPasskeys.inputValue();
        await maxPasskeys.evaluate((input) => input.removeAttribute('min'));
        await maxPasskeys.fill('0');
        await button(page, 'Save changes').click();
        const error = page.locator('#settings-error');
        await waitForText(error, 'form_param_value_invalid');
        assert.match((await error.textContent()) ?? '', /webauthn\.max_passkeys_per_user/);
        assert.equal(await error.getAttribute('role'), 'alert');
        assert.equal(await maxPasskeys.getAttribute('aria-invalid'), 'true');
        // The edit stays for the operator to fix; nothing changed on the server.
        assert.equal(await maxPasskeys.inputValue(), '0');
        assert.equal(await button(page, 'Save changes').isEnabled(), true);
        await page.reload();
        await heading(page, 'Settings').waitFor();
        await page.locator('#settings-form:not([aria-busy])').waitFor();
        assert.equal(await maxPasskeys.inputValue(), before);
        assert.equal(await page.getByLabel('Passkeys enabled', { exact: true }).isDisabled(), true);
        assert.equal(await error.isVisible(), false);
        assertNoCspViolation(lines);
      });
    } finally {
      await pinnedServer.stop();
    }
  });

  test('the audit log filters by user, type and time, and exports what it shows as NDJSON and CSV', async (t) => {
    await withPage(browser, t, async ({ page, console: lines }) => {
      const opName = unique('op');
      await enrolOperator(page, opName);
      const opId = await userIdOf(page, opName);

      await page.getByRole('link', { name: 'Audit log', exact: true }).click();
      await heading(page, 'Audit log').waitFor();
      await filterAudit(page, { 'User ID': opId });
      const own = await auditTable(page, (rows) => rows.length >= 2 && rows.every((r) => r.user === opId), 'the operator\'s events');
      assert.ok(own.some((r) => r.type === 'passkey.created'));
      assert.ok(own.some((r) => r.type === 'operator.enrolled'));
      await filterAudit(page, { 'Event type': 'passkey.created' });
      const created = await auditTable(
        page,
        (rows) => rows.length >= 1 && rows.every((r) => r.user === opId && r.type === 'passkey.created'),
        'the operator\'s passkey.created',
      );
      await waitForText(page.locator('#audit-summary'), `${created.length} ${created.length === 1 ? 'event matches' : 'events match'} these filters`);

      // The export links carry the filters and download with the dashboard's cookie.
      const ndjson = page.getByRole('link', { name: 'NDJSON', exact: true });
      const csv = page.getByRole('link', { name: 'CSV', exact: true });
      assert.notEqual(await ndjson.getAttribute('download'), null);
      assert.notEqual(await csv.getAttribute('download'), null);
      const href = new URL((await ndjson.getAttribute('href')) ?? '', server.url);
      assert.equal(href.pathname, '/dashboard/backend/v1/audit_events/export');
      assert.equal(href.searchParams.get('format'), 'ndjson');
      assert.equal(href.searchParams.get('user_id'), opId);
      assert.equal(href.searchParams.get('type'), 'passkey.created');

      const exported = await page.evaluate(async () => {
        /** @param {string} id */
        const get = async (id) => {
          const link = /** @type {HTMLAnchorElement} */ (document.getElementById(id));
          const res = await fetch(link.href);
          return {
            status: res.status,
            type: res.headers.get('content-type'),
            disposition: res.headers.get('content-disposition'),
            body: await res.text(),
          };
        };
        return { ndjson: await get('audit-export-ndjson'), csv: await get('audit-export-csv') };
      });
      assert.equal(exported.ndjson.status, 200);
      assert.match(exported.ndjson.type ?? '', /^application\/x-ndjson/);
      assert.match(exported.ndjson.disposition ?? '', /^attachment/);
      const events = exported.ndjson.body
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line));
      assert.deepEqual(events.map((e) => e.id), created.map((r) => r.id));
      for (const event of events) {
        assert.equal(event.object, 'audit_event');
        assert.equal(event.type, 'passkey.created');
        assert.equal(event.user_id, opId);
        assert.ok('actor' in event);
      }
      assert.equal(exported.csv.status, 200);
      assert.match(exported.csv.type ?? '', /^text\/csv/);
      const csvLines = exported.csv.body.split('\r\n').filter((line) => line !== '');
      assert.match(csvLines[0], /^id,type,created_at,user_id,actor,/);
      assert.equal(csvLines.length, events.length + 1);

      // Time filters: nothing of this operator's before an hour ago; all of it since.
      await filterAudit(page, { 'Event type': '', To: await localTime(page, -3_600_000) });
      await page.getByText('No events match these filters.').waitFor();
      assert.equal(await page.locator('#audit-rows tr').count(), 0);
      const untilMs = Number(new URL((await ndjson.getAttribute('href')) ?? '', server.url).searchParams.get('until'));
      assert.ok(untilMs > Date.now() - 3_700_000 && untilMs < Date.now() - 3_400_000, String(untilMs));
      await filterAudit(page, { To: '', From: await localTime(page, -3_600_000) });
      await auditTable(page, (rows) => rows.length === own.length && rows.every((r) => r.user === opId), 'the operator\'s events since an hour ago');
      // "From" after "To" is refused in the form.
      await filterAudit(page, { From: await localTime(page, 0), To: await localTime(page, -3_600_000) });
      await waitForText(page.locator('#audit-filter-error'), '“From” must come before “To”');

      // Clear filters: every event again.
      await page.getByRole('button', { name: 'Clear filters', exact: true }).click();
      await until(async () => new URL(page.url()).hash === '#/audit', 'the unfiltered route');
      assert.equal(await page.getByLabel('User ID', { exact: true }).inputValue(), '');
      assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), '');
      await waitForText(page.locator('#audit-summary'), /events? in all/);
      assertNoCspViolation(lines);
    });
  });
});
