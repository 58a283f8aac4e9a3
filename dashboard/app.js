// The Latchkey dashboard: operators sign in with a passkey (the Frontend API
// mounted at /dashboard) and manage users through the Backend API mounted at
// /dashboard/backend, authorized by the dashboard's own cookie.
//
// The page's CSP allows only same-origin scripts and styles: nothing inline,
// no style attributes; views are shown with the `hidden` attribute and every
// piece of data goes into the page as text (textContent), never as HTML.
import { Latchkey, LatchkeyAPIResponseError, LatchkeyWebAuthnError } from '/sdk/latchkey.js';

const BACKEND = '/dashboard/backend/v1';
const USERS_PER_PAGE = 20;
const EVENTS_PER_PAGE = 50;
const RECENT_EVENTS = 10;

const latchkey = new Latchkey({ frontendApi: `${location.origin}/dashboard` });

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const ui = {
  nav: $('nav'),
  navUsers: $('nav-users'),
  navAudit: $('nav-audit'),
  account: $('account'),
  operatorName: $('operator-name'),
  status: $('status'),
  error: $('error'),
  main: $('main'),
  views: {
    loading: $('view-loading'),
    signIn: $('view-sign-in'),
    enrol: $('view-enrol'),
    notOperator: $('view-not-operator'),
    users: $('view-users'),
    user: $('view-user'),
    audit: $('view-audit'),
  },
  enrolMessage: $('enrol-message'),
  enrolActions: $('enrol-actions'),
  enrolInvalidHelp: $('enrol-invalid-help'),
  notOperatorName: $('not-operator-name'),
  usersQuery: /** @type {HTMLInputElement} */ ($('users-query')),
  usersClear: $('users-clear'),
  usersTable: $('users-table'),
  usersRows: $('users-rows'),
  usersEmpty: $('users-empty'),
  usersPrev: /** @type {HTMLButtonElement} */ ($('users-prev')),
  usersNext: /** @type {HTMLButtonElement} */ ($('users-next')),
  usersRange: $('users-range'),
  userTitle: $('user-title'),
  userBadges: $('user-badges'),
  userBan: /** @type {HTMLButtonElement} */ ($('user-ban')),
  userUnban: /** @type {HTMLButtonElement} */ ($('user-unban')),
  userDelete: /** @type {HTMLButtonElement} */ ($('user-delete')),
  userSelfNote: $('user-self-note'),
  userDetails: $('user-details'),
  passkeysRows: $('passkeys-rows'),
  passkeysEmpty: $('passkeys-empty'),
  sessionsRows: $('sessions-rows'),
  sessionsEmpty: $('sessions-empty'),
  sessionsRevokeAll: /** @type {HTMLButtonElement} */ ($('sessions-revoke-all')),
  userAuditRows: $('user-audit-rows'),
  userAuditEmpty: $('user-audit-empty'),
  userAuditAll: /** @type {HTMLAnchorElement} */ ($('user-audit-all')),
  auditUser: /** @type {HTMLInputElement} */ ($('audit-user')),
  auditClear: $('audit-clear'),
  auditRows: $('audit-rows'),
  auditEmpty: $('audit-empty'),
  auditPrev: /** @type {HTMLButtonElement} */ ($('audit-prev')),
  auditNext: /** @type {HTMLButtonElement} */ ($('audit-next')),
  auditRange: $('audit-range'),
  dialog: /** @type {HTMLDialogElement} */ ($('confirm')),
  dialogTitle: $('confirm-title'),
  dialogMessage: $('confirm-message'),
  dialogOk: $('confirm-ok'),
  dialogCancel: $('confirm-cancel'),
};

/**
 * Where the page is: `loading`, `signed-out`, `enrol`, `not-operator` or
 * `operator` (the dashboard itself).
 * @type {'loading' | 'signed-out' | 'enrol' | 'not-operator' | 'operator'}
 */
let phase = 'loading';
/** Bumped by every route change, so an answer for a page left meanwhile is dropped. */
let routeSeq = 0;
/** The route shown last, to tell a refresh from a move to another page. */
let shownRoute = '';
/** The page (route name and user id) shown last: moving to another one moves focus. */
let shownPage = '';
/** A status message to show once the next page is rendered. */
let pendingStatus = '';
/** The user whose page is shown, for its page-level actions. @type {{ id: string, name: string, banned: boolean } | null} */
let currentUser = null;
/** The sessions "Revoke all" revokes. @type {{ name: string, ids: string[], includesMine: boolean } | null} */
let revokeAllTargets = null;

// ----- errors and messages -----

/** A failed Backend API call: its HTTP status and the server's first error. */
class BackendError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'BackendError';
    this.status = status;
    this.code = code;
  }
}

/** @param {unknown} error @returns {string | null} */
function codeOf(error) {
  if (error instanceof BackendError) return error.code;
  if (error instanceof LatchkeyAPIResponseError) return error.code;
  if (error instanceof LatchkeyWebAuthnError) return error.code;
  return null;
}

/**
 * A sentence for a person, with the stable error code in parentheses.
 * @param {unknown} error
 */
function describe(error) {
  if (error instanceof LatchkeyWebAuthnError) {
    if (error.code === 'passkey_retrieval_cancelled' || error.code === 'passkey_registration_cancelled') {
      return `The passkey request was cancelled or timed out. Try again. (${error.code})`;
    }
    return `${error.message} (${error.code})`;
  }
  if (error instanceof LatchkeyAPIResponseError) {
    const first = error.errors[0];
    if (!first) return error.message;
    if (String(first.code) === 'user_banned') return `This account is banned: its sign-ins are refused. (${first.code})`;
    return `${first.longMessage || first.message} (${first.code})`;
  }
  if (error instanceof BackendError) return `${error.message} (${error.code})`;
  const e = /** @type {any} */ (error);
  return `Something went wrong: ${e?.message ?? String(e)}`;
}

/** @param {unknown} error */
function showError(error) {
  console.warn('Latchkey dashboard:', error);
  ui.error.textContent = describe(error);
  ui.error.hidden = false;
}

function clearError() {
  ui.error.textContent = '';
  ui.error.hidden = true;
}

/** @param {string} text */
function showStatus(text) {
  ui.status.textContent = text;
  ui.status.hidden = !text;
}

// ----- the Backend API -----

/**
 * Call the Backend API under /dashboard/backend/v1 with the dashboard's cookie.
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path below /dashboard/backend/v1
 * @param {Record<string, string | number | undefined | null>} [query]
 * @returns {Promise<any>}
 */
async function backend(method, path, query = {}) {
  const url = new URL(BACKEND + path, location.origin);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  /** @type {Response} */
  let res;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    });
  } catch {
    throw new BackendError(0, 'network_error', 'The server could not be reached.');
  }
  /** @type {any} */
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (!res.ok) {
    const first = json?.errors?.[0];
    throw new BackendError(
      res.status,
      first?.code ?? 'unknown_error',
      first?.long_message || first?.message || `The server answered ${res.status}.`,
    );
  }
  return json;
}

/** A user id safe to put in a path. @param {string} id */
const seg = (id) => encodeURIComponent(id);

// ----- small DOM helpers (text only) -----

/**
 * An element with a class and text or children; strings become text nodes.
 * @param {string} tag
 * @param {string} [className]
 * @param {...(Node | string | null | undefined | false)} children
 */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** @param {...(Node | string | null | undefined | false)} children */
const td = (...children) => el('td', '', ...children);

/** @param {string} text @param {string} [kind] `danger`, `ok`, `info` */
const badge = (text, kind = '') => el('span', `badge ${kind}`.trim(), text);

/** @param {string} text */
const code = (text) => el('code', '', text);

/**
 * A same-document link to a dashboard route.
 * @param {string} hash e.g. `#/users/user_1`
 * @param {...(Node | string)} children
 */
function routeLink(hash, ...children) {
  const a = /** @type {HTMLAnchorElement} */ (el('a', '', ...children));
  a.href = hash;
  return a;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * A <time> for a Unix-milliseconds timestamp, or a muted text for none.
 * @param {number | null | undefined} ms
 * @param {string} [none]
 */
function time(ms, none = 'Never') {
  if (ms === null || ms === undefined) return el('span', 'muted', none);
  const date = new Date(ms);
  const t = /** @type {HTMLTimeElement} */ (el('time', '', dateFormat.format(date)));
  t.dateTime = date.toISOString();
  t.title = date.toISOString();
  return t;
}

/**
 * A row button that runs `action`; `label` adds words for screen readers
 * (e.g. which passkey "Delete" deletes).
 * @param {string} text
 * @param {string} label
 * @param {string} className
 * @param {(button: HTMLButtonElement) => void} action
 */
function rowButton(text, label, className, action) {
  const button = /** @type {HTMLButtonElement} */ (el('button', className, text));
  button.type = 'button';
  if (label) button.append(el('span', 'visually-hidden', ` ${label}`));
  button.addEventListener('click', () => action(button));
  return button;
}

// ----- views -----

/**
 * Show one view and the navigation that fits the phase.
 * @param {keyof typeof ui.views} name
 * @param {{ focus?: boolean }} [options] move focus to the view's heading
 */
function show(name, { focus = false } = {}) {
  for (const [key, view] of Object.entries(ui.views)) view.hidden = key !== name;
  const operator = phase === 'operator';
  ui.nav.hidden = !operator;
  ui.account.hidden = !operator;
  if (focus) {
    const heading = ui.views[name].querySelector('h1');
    if (heading instanceof HTMLElement) heading.focus({ preventScroll: false });
  }
}

/** Remove every piece of user data from the page (sign-out, lost session, not an operator). */
function clearData() {
  for (const rows of [ui.usersRows, ui.passkeysRows, ui.sessionsRows, ui.userAuditRows, ui.auditRows]) {
    rows.replaceChildren();
  }
  ui.userDetails.replaceChildren();
  ui.userBadges.replaceChildren();
  ui.userTitle.textContent = '';
  ui.usersRange.textContent = '';
  ui.auditRange.textContent = '';
  ui.operatorName.textContent = '';
  ui.notOperatorName.textContent = '';
  currentUser = null;
  revokeAllTargets = null;
  for (const empty of [ui.usersEmpty, ui.passkeysEmpty, ui.sessionsEmpty, ui.userAuditEmpty, ui.auditEmpty]) {
    empty.hidden = true;
  }
  shownRoute = '';
  shownPage = '';
}

/** The signed-in user's name as the page shows it. */
function signedInName() {
  const user = latchkey.user;
  if (!user) return '';
  return user.username ?? user.fullName ?? user.primaryEmailAddress?.emailAddress ?? user.id;
}

function showSignIn() {
  phase = 'signed-out';
  clearData();
  show('signIn', { focus: true });
}

/**
 * The enrolment view: `working` while a step runs, `create` when the operator
 * must click to create the passkey, `invalid` for a link that cannot be used.
 * @param {'working' | 'create' | 'invalid'} state
 * @param {string} message
 */
function showEnrol(state, message) {
  phase = 'enrol';
  ui.enrolMessage.textContent = message;
  ui.enrolActions.hidden = state !== 'create';
  ui.enrolInvalidHelp.hidden = state !== 'invalid';
  show('enrol', { focus: ui.views.enrol.hidden });
}

function showNotOperator() {
  phase = 'not-operator';
  clearData();
  ui.notOperatorName.textContent = signedInName();
  show('notOperator', { focus: true });
}

/** The dashboard session ended on the server: back to the sign-in screen. */
async function sessionLost() {
  try {
    await latchkey.load();
  } catch {
    // The sign-in screen is the answer either way.
  }
  showSignIn();
  ui.error.textContent = 'Your dashboard session has ended. Sign in again.';
  ui.error.hidden = false;
}

/**
 * What to do with a failed call made from the dashboard.
 * @param {unknown} error
 */
async function fail(error) {
  const code = codeOf(error);
  if (code === 'operator_required') {
    showNotOperator();
  } else if (code === 'authentication_invalid') {
    await sessionLost();
  } else {
    showError(error);
  }
}

// ----- signing in and out, enrolment -----

/** Decide what to show for the SDK's current session. */
async function afterSessionChange() {
  const session = latchkey.session;
  if (!session) {
    showSignIn();
    return;
  }
  if (session.status === 'pending') {
    showEnrol('create', 'Create the passkey you will sign in to the dashboard with.');
    return;
  }
  try {
    await backend('GET', '/users', { limit: 1 });
  } catch (error) {
    await fail(error);
    return;
  }
  enterDashboard();
}

function enterDashboard() {
  // The dashboard's pages live at /dashboard#/...; /dashboard/enrol is only the link's landing page.
  if (!/^\/dashboard\/?$/.test(location.pathname)) {
    history.replaceState(null, '', `/dashboard${location.hash.startsWith('#/') ? location.hash : '#/users'}`);
  }
  phase = 'operator';
  ui.operatorName.textContent = signedInName();
  shownRoute = '';
  route();
}

async function signIn() {
  const signInAttempt = await latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' });
  if (signInAttempt.status !== 'complete' || !signInAttempt.createdSessionId) {
    throw new Error(`The sign-in did not complete (status ${signInAttempt.status}).`);
  }
  await latchkey.setActive({ session: signInAttempt.createdSessionId });
  await afterSessionChange();
}

async function signOut() {
  try {
    await latchkey.signOut();
  } catch (error) {
    // The session may already be gone (revoked, expired): signed out all the same.
    console.warn('Latchkey dashboard: sign-out', error);
    try {
      await latchkey.load();
    } catch {
      // Nothing more to do.
    }
  }
  showSignIn();
  showStatus('Signed out.');
}

/**
 * The enrolment page (/dashboard/enrol#token=...): take the one-time token out
 * of the address bar, redeem it for a pending session, then create the passkey.
 */
async function enrol() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  // The token must not stay in the address bar, the history or a bookmark.
  history.replaceState(null, '', '/dashboard/enrol');
  if (!token) {
    await latchkey.load();
    if (latchkey.session?.status === 'active') {
      history.replaceState(null, '', '/dashboard#/users');
      await afterSessionChange();
    } else if (latchkey.session?.status === 'pending') {
      await afterSessionChange();
    } else {
      showEnrol('invalid', 'This enrolment link is incomplete: it carries no token.');
    }
    return;
  }
  showEnrol('working', 'Checking your enrolment link…');
  /** @type {Response} */
  let res;
  try {
    res = await fetch('/dashboard/v1/enrolments', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=' + encodeURIComponent(token),
    });
  } catch {
    showEnrol('invalid', 'The server could not be reached. Open the link again.');
    return;
  }
  if (!res.ok) {
    /** @type {any} */
    const json = await res.json().catch(() => null);
    const first = json?.errors?.[0];
    if (first?.code === 'enrolment_invalid') {
      showEnrol('invalid', 'This enrolment link is invalid, has already been used or has expired.');
    } else {
      showEnrol('invalid', 'This enrolment link could not be used.');
      showError(new BackendError(res.status, first?.code ?? 'unknown_error', first?.long_message || first?.message || `The server answered ${res.status}.`));
    }
    return;
  }
  /** @type {any} */
  const enrolled = await res.json().catch(() => null);
  await latchkey.load();
  // The enrolment's session is the client's last active one; make sure the SDK uses it.
  const sessionId = typeof enrolled?.response?.id === 'string' ? enrolled.response.id : null;
  if (sessionId && latchkey.session?.id !== sessionId) await latchkey.setActive({ session: sessionId });
  await createOperatorPasskey();
}

/** The enrolment's second step: the pending session's setup-passkey task. */
async function createOperatorPasskey() {
  const user = latchkey.user;
  if (!user) {
    showEnrol('invalid', 'The enrolment did not start a session. Open the link again or ask for a new one.');
    return;
  }
  showEnrol('working', `Welcome, ${signedInName()}. Confirm the new passkey in your browser.`);
  try {
    await user.createPasskey();
    if (latchkey.session?.status !== 'active') await latchkey.load();
    const session = latchkey.session;
    if (!session || session.status !== 'active') {
      throw new Error('The passkey was created but the session is not active yet. Reload the page.');
    }
    await latchkey.setActive({ session: session.id });
  } catch (error) {
    showEnrol('create', 'Create the passkey you will sign in to the dashboard with.');
    showError(error);
    return;
  }
  history.replaceState(null, '', '/dashboard#/users');
  pendingStatus = 'Your passkey is set up. Sign in with it from now on.';
  await afterSessionChange();
}

// ----- routing -----

/**
 * The route in the address: `#/users?query=&offset=`, `#/users/<id>` or
 * `#/audit?user_id=&offset=`.
 * @returns {{ name: 'users' | 'user' | 'audit', id: string, params: URLSearchParams }}
 */
function parseRoute() {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : 'users';
  const [path, search = ''] = hash.split('?', 2);
  const params = new URLSearchParams(search);
  const parts = path.split('/');
  if (parts[0] === 'users' && parts[1]) {
    let id = parts[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      // Not percent-encoded: use it as it is.
    }
    return { name: 'user', id, params };
  }
  if (parts[0] === 'audit') return { name: 'audit', id: '', params };
  return { name: 'users', id: '', params };
}

/**
 * A route's hash from its path and parameters (empty ones left out).
 * @param {string} path
 * @param {Record<string, string | number | undefined>} [params]
 */
function hashFor(path, params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '' && value !== 0) search.set(key, String(value));
  }
  const query = search.toString();
  return `#/${path}${query ? `?${query}` : ''}`;
}

/**
 * Go to a route; `status` is shown once it is rendered.
 * @param {string} hash
 * @param {string} [status]
 */
function navigate(hash, status = '') {
  pendingStatus = status;
  if (location.hash === hash) route();
  else location.hash = hash;
}

/**
 * Render the page of the current route (a refresh when it is the one shown).
 * @returns {Promise<void>}
 */
async function route() {
  if (phase !== 'operator') return;
  const current = parseRoute();
  const key = location.hash || '#/users';
  const moved = key !== shownRoute;
  shownRoute = key;
  const pageKey = `${current.name}:${current.id}`;
  const focus = pageKey !== shownPage;
  shownPage = pageKey;
  const seq = ++routeSeq;
  clearError();
  showStatus(pendingStatus || (moved ? '' : ui.status.textContent ?? ''));
  pendingStatus = '';
  const section = current.name === 'audit' ? ui.navAudit : ui.navUsers;
  for (const link of [ui.navUsers, ui.navAudit]) {
    if (link === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (current.name === 'users') return renderUsers(current.params, seq, moved, focus);
  if (current.name === 'user') return renderUser(current.id, seq, moved, focus);
  return renderAudit(current.params, seq, moved, focus);
}

/** @param {string | null} value */
function offsetOf(value) {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * "1–20 of 53", and whether Previous and Next lead anywhere.
 * @param {HTMLElement} range
 * @param {HTMLButtonElement} prev
 * @param {HTMLButtonElement} next
 * @param {number} offset
 * @param {number} shown
 * @param {number} total
 */
function renderPager(range, prev, next, offset, shown, total) {
  range.textContent = shown > 0 ? `${offset + 1}–${offset + shown} of ${total}` : total > 0 ? `None past ${offset} of ${total}` : '';
  prev.disabled = offset === 0;
  next.disabled = offset + shown >= total;
}

// ----- users -----

/** @param {any} user */
function displayName(user) {
  const full = [user.first_name, user.last_name].filter(Boolean).join(' ');
  return user.username || full || primaryEmail(user) || user.id;
}

/** @param {any} user @returns {string} */
function primaryEmail(user) {
  const addresses = Array.isArray(user.email_addresses) ? user.email_addresses : [];
  const primary = addresses.find((/** @type {any} */ a) => a.id === user.primary_email_address_id) ?? addresses[0];
  return primary?.email_address ?? '';
}

/** @param {any} user */
function userBadges(user) {
  const badges = [];
  if (user.banned) badges.push(badge('Banned', 'danger'));
  if (user.role === 'admin') badges.push(badge('Operator', 'info'));
  return badges;
}

/**
 * @param {URLSearchParams} params
 * @param {number} seq
 * @param {boolean} moved another route than the one shown
 * @param {boolean} focus another page: focus its heading
 */
async function renderUsers(params, seq, moved, focus) {
  const query = params.get('query') ?? '';
  const offset = offsetOf(params.get('offset'));
  if (moved) ui.usersQuery.value = query;
  ui.usersClear.hidden = !query;
  show('users', { focus });
  ui.usersTable.setAttribute('aria-busy', 'true');
  /** @type {any} */
  let page;
  try {
    page = await backend('GET', '/users', { query, limit: USERS_PER_PAGE, offset });
  } catch (error) {
    if (seq === routeSeq) await fail(error);
    return;
  } finally {
    if (seq === routeSeq) ui.usersTable.removeAttribute('aria-busy');
  }
  if (seq !== routeSeq) return;
  const users = Array.isArray(page?.data) ? page.data : [];
  const total = Number(page?.total_count ?? users.length);
  ui.usersRows.replaceChildren(
    ...users.map((/** @type {any} */ user) => {
      const tr = el('tr');
      tr.dataset.userId = user.id;
      const name = user.username ? user.username : el('span', 'muted', displayName(user));
      tr.append(
        td(routeLink(`#/users/${seg(user.id)}`, name)),
        td(primaryEmail(user) || el('span', 'muted', '—')),
        td(time(user.created_at)),
        td(time(user.last_sign_in_at)),
        el('td', 'num', String(Array.isArray(user.passkeys) ? user.passkeys.length : 0)),
        td(...userBadges(user)),
      );
      return tr;
    }),
  );
  ui.usersEmpty.hidden = users.length > 0;
  ui.usersEmpty.textContent = query ? `No user's username or email starts with “${query}”.` : 'No users yet.';
  renderPager(ui.usersRange, ui.usersPrev, ui.usersNext, offset, users.length, total);
}

$('users-search').addEventListener('submit', (event) => {
  event.preventDefault();
  navigate(hashFor('users', { query: ui.usersQuery.value.trim() }));
});

ui.usersClear.addEventListener('click', () => {
  ui.usersQuery.value = '';
  navigate(hashFor('users'));
  ui.usersQuery.focus();
});

/** @param {number} delta */
function pageUsers(delta) {
  const { params } = parseRoute();
  const offset = Math.max(0, offsetOf(params.get('offset')) + delta);
  navigate(hashFor('users', { query: params.get('query') ?? '', offset }));
}
ui.usersPrev.addEventListener('click', () => pageUsers(-USERS_PER_PAGE));
ui.usersNext.addEventListener('click', () => pageUsers(USERS_PER_PAGE));

// ----- one user -----

/**
 * @param {HTMLElement} list
 * @param {string} term
 * @param {...(Node | string)} values
 */
function detail(list, term, ...values) {
  list.append(el('dt', '', term), el('dd', '', ...values));
}

/** @param {any} activity a session's `latest_activity` */
function deviceOf(activity) {
  if (!activity) return 'Unknown device';
  const browser = [activity.browser_name, activity.browser_version].filter(Boolean).join(' ');
  const system = activity.device_type ?? activity.os ?? null;
  if (browser && system) return `${browser} on ${system}`;
  return browser || system || 'Unknown device';
}

/**
 * @param {string} id
 * @param {number} seq
 * @param {boolean} moved another route than the one shown
 * @param {boolean} focus another page: focus its heading
 */
async function renderUser(id, seq, moved, focus) {
  if (moved) {
    // Another user's data must not show while this one loads.
    for (const rows of [ui.passkeysRows, ui.sessionsRows, ui.userAuditRows]) rows.replaceChildren();
    ui.userDetails.replaceChildren();
    ui.userBadges.replaceChildren();
    ui.userTitle.textContent = 'Loading…';
  }
  show('user', { focus });
  /** @type {[any, any, any]} */
  let answers;
  try {
    answers = await Promise.all([
      backend('GET', `/users/${seg(id)}`),
      backend('GET', '/sessions', { user_id: id, status: 'active', limit: 100 }),
      backend('GET', '/audit_events', { user_id: id, limit: RECENT_EVENTS }),
    ]);
  } catch (error) {
    if (seq !== routeSeq) return;
    if (codeOf(error) === 'resource_not_found') {
      ui.userTitle.textContent = 'User not found';
      for (const rows of [ui.passkeysRows, ui.sessionsRows, ui.userAuditRows]) rows.replaceChildren();
      ui.userDetails.replaceChildren();
      ui.userBadges.replaceChildren();
      for (const button of [ui.userBan, ui.userUnban, ui.userDelete, ui.sessionsRevokeAll]) button.hidden = true;
      showError(new BackendError(404, 'resource_not_found', 'No user has this ID; it may have been deleted.'));
    } else {
      await fail(error);
    }
    return;
  }
  if (seq !== routeSeq) return;
  const [user, sessionPage, eventPage] = answers;
  const name = displayName(user);
  const self = user.id === latchkey.user?.id;

  ui.userTitle.textContent = name;
  ui.userBadges.replaceChildren(...userBadges(user));
  ui.userBan.hidden = Boolean(user.banned);
  ui.userUnban.hidden = !user.banned;
  ui.userDelete.hidden = false;
  ui.userBan.disabled = self;
  ui.userDelete.disabled = self;
  ui.userSelfNote.hidden = !self;

  const details = ui.userDetails;
  details.replaceChildren();
  detail(details, 'User ID', code(user.id));
  detail(details, 'Username', user.username ?? el('span', 'muted', 'None'));
  const full = [user.first_name, user.last_name].filter(Boolean).join(' ');
  detail(details, 'Name', full || el('span', 'muted', 'None'));
  const addresses = Array.isArray(user.email_addresses) ? user.email_addresses : [];
  if (addresses.length === 0) {
    detail(details, 'Email', el('span', 'muted', 'None'));
  } else {
    const list = el('ul', 'plain');
    for (const address of addresses) {
      const verified = address.verification?.status === 'verified';
      list.append(
        el(
          'li',
          '',
          address.email_address,
          ' ',
          address.id === user.primary_email_address_id ? badge('primary') : null,
          ' ',
          verified ? badge('verified', 'ok') : badge('unverified'),
        ),
      );
    }
    detail(details, addresses.length > 1 ? 'Emails' : 'Email', list);
  }
  detail(details, 'Role', user.role === 'admin' ? 'Operator' : 'User');
  detail(details, 'Status', user.banned ? badge('Banned', 'danger') : 'Active');
  detail(details, 'Created', time(user.created_at));
  detail(details, 'Updated', time(user.updated_at));
  detail(details, 'Last sign-in', time(user.last_sign_in_at));

  const passkeys = Array.isArray(user.passkeys) ? user.passkeys : [];
  ui.passkeysRows.replaceChildren(
    ...passkeys.map((/** @type {any} */ passkey) => {
      const tr = el('tr');
      tr.dataset.passkeyId = passkey.id;
      const label = passkey.name || 'Unnamed passkey';
      const provider = passkey.provider?.name && passkey.provider.name !== label ? passkey.provider.name : null;
      const transports = Array.isArray(passkey.transports) ? passkey.transports : [];
      tr.append(
        td(el('span', 'strong', label), provider ? el('span', 'sub muted', provider) : null, el('span', 'sub muted mono', passkey.id)),
        td(time(passkey.created_at)),
        td(time(passkey.last_used_at)),
        td(passkey.backed_up ? 'Yes' : 'No'),
        td(transports.length ? transports.join(', ') : el('span', 'muted', '—')),
        el(
          'td',
          'actions-cell',
          rowButton('Delete', `passkey ${label}`, 'danger small', (button) =>
            confirmThen(
              button,
              {
                title: 'Delete this passkey?',
                message: `“${label}” of ${name} stops working at once. They will need another passkey or an email code to sign in.`,
                confirm: 'Delete passkey',
              },
              async () => {
                await backend('DELETE', `/users/${seg(user.id)}/passkeys/${seg(passkey.id)}`);
                return `Deleted the passkey “${label}” of ${name}.`;
              },
            ),
          ),
        ),
      );
      return tr;
    }),
  );
  ui.passkeysEmpty.hidden = passkeys.length > 0;

  const sessions = Array.isArray(sessionPage?.data) ? sessionPage.data : [];
  const mine = latchkey.session?.id;
  ui.sessionsRows.replaceChildren(
    ...sessions.map((/** @type {any} */ session) => {
      const tr = el('tr');
      tr.dataset.sessionId = session.id;
      const device = deviceOf(session.latest_activity);
      const current = session.id === mine;
      tr.append(
        td(device, current ? ' ' : null, current ? badge('this dashboard', 'info') : null, el('span', 'sub muted mono', session.id)),
        td(session.latest_activity?.ip_address ?? session.latest_activity?.ip ?? el('span', 'muted', '—')),
        td(time(session.created_at)),
        td(time(session.last_active_at)),
        el(
          'td',
          'actions-cell',
          rowButton('Revoke', `session on ${device}`, 'danger small', (button) =>
            confirmThen(
              button,
              {
                title: 'Revoke this session?',
                message: current
                  ? 'This is the session you are using: the dashboard will sign you out.'
                  : `${name} is signed out on ${device} at once.`,
                confirm: 'Revoke session',
              },
              async () => {
                await backend('POST', `/sessions/${seg(session.id)}/revoke`);
                return `Revoked the session of ${name} on ${device}.`;
              },
            ),
          ),
        ),
      );
      return tr;
    }),
  );
  ui.sessionsEmpty.hidden = sessions.length > 0;
  ui.sessionsRevokeAll.hidden = false;
  ui.sessionsRevokeAll.disabled = sessions.length === 0;
  revokeAllTargets = { name, ids: sessions.map((/** @type {any} */ s) => String(s.id)), includesMine: sessions.some((/** @type {any} */ s) => s.id === mine) };

  const events = Array.isArray(eventPage?.data) ? eventPage.data : [];
  ui.userAuditRows.replaceChildren(...events.map((/** @type {any} */ e) => eventRow(e, false)));
  ui.userAuditEmpty.hidden = events.length > 0;
  ui.userAuditAll.href = hashFor('audit', { user_id: user.id });

  currentUser = { id: user.id, name, banned: Boolean(user.banned) };
}

ui.userBan.addEventListener('click', () => {
  const user = currentUser;
  if (!user) return;
  confirmThen(
    ui.userBan,
    {
      title: `Ban ${user.name}?`,
      message: `${user.name} is signed out everywhere at once and cannot sign in until unbanned.`,
      confirm: 'Ban user',
    },
    async () => {
      await backend('POST', `/users/${seg(user.id)}/ban`);
      return `Banned ${user.name}: their sessions are revoked and their sign-ins refused.`;
    },
    ui.userUnban,
  );
});

ui.userUnban.addEventListener('click', () => {
  const user = currentUser;
  if (!user) return;
  runAction(
    ui.userUnban,
    async () => {
      await backend('POST', `/users/${seg(user.id)}/unban`);
      return `Unbanned ${user.name}: they can sign in again.`;
    },
    ui.userBan,
  );
});

ui.userDelete.addEventListener('click', () => {
  const user = currentUser;
  if (!user) return;
  confirmThen(
    ui.userDelete,
    {
      title: `Delete ${user.name}?`,
      message: `${user.name}, their passkeys and their sessions are deleted. This cannot be undone.`,
      confirm: 'Delete user',
    },
    async () => {
      await backend('DELETE', `/users/${seg(user.id)}`);
      navigate(hashFor('users'), `Deleted the user ${user.name}.`);
      return null;
    },
  );
});

ui.sessionsRevokeAll.addEventListener('click', () => {
  const targets = revokeAllTargets;
  if (!targets || targets.ids.length === 0) return;
  const count = targets.ids.length;
  confirmThen(
    ui.sessionsRevokeAll,
    {
      title: `Revoke all sessions of ${targets.name}?`,
      message:
        `${targets.name} is signed out on ${count === 1 ? 'their one device' : `all ${count} devices`} at once.` +
        (targets.includesMine ? ' This includes the session you are using: the dashboard will sign you out.' : ''),
      confirm: 'Revoke all',
    },
    async () => {
      // The session in use last, so the others are revoked before it signs the operator out.
      const mine = latchkey.session?.id;
      const ordered = [...targets.ids.filter((id) => id !== mine), ...targets.ids.filter((id) => id === mine)];
      let done = 0;
      for (const id of ordered) {
        await backend('POST', `/sessions/${seg(id)}/revoke`);
        done += 1;
      }
      return `Revoked ${done} ${done === 1 ? 'session' : 'sessions'} of ${targets.name}.`;
    },
  );
});

// ----- audit log -----

/** Human words for a data key of an audit event. @type {Record<string, string>} */
const DATA_LABELS = { actor: 'By', code: 'Error', error: 'Error', name: 'Name', strategy: 'Strategy', reason: 'Reason' };

/**
 * One event's row; the user column only in the full log.
 * @param {any} event
 * @param {boolean} withUser
 */
function eventRow(event, withUser) {
  const tr = el('tr');
  tr.dataset.eventId = event.id;
  const details = el('ul', 'plain facts');
  if (event.passkey_id) details.append(el('li', '', 'Passkey ', code(event.passkey_id)));
  if (event.session_id) details.append(el('li', '', 'Session ', code(event.session_id)));
  if (event.data && typeof event.data === 'object') {
    for (const [key, value] of Object.entries(event.data)) {
      if (value === null || value === undefined || value === '') continue;
      const label = DATA_LABELS[key] ?? key.replace(/_/g, ' ');
      if (key === 'actor' && typeof value === 'string' && value.startsWith('user_')) {
        details.append(el('li', '', `${label} `, routeLink(`#/users/${seg(value)}`, code(value))));
      } else {
        details.append(el('li', '', `${label}: `, typeof value === 'string' ? value : JSON.stringify(value)));
      }
    }
  }
  const ip = td(event.ip ?? el('span', 'muted', '—'));
  if (event.user_agent) ip.title = event.user_agent;
  tr.append(td(time(event.created_at)), td(code(event.type)));
  if (withUser) {
    tr.append(td(event.user_id ? routeLink(`#/users/${seg(event.user_id)}`, code(event.user_id)) : el('span', 'muted', '—')));
  }
  tr.append(td(details.childElementCount ? details : el('span', 'muted', '—')), ip);
  return tr;
}

/**
 * @param {URLSearchParams} params
 * @param {number} seq
 * @param {boolean} moved another route than the one shown
 * @param {boolean} focus another page: focus its heading
 */
async function renderAudit(params, seq, moved, focus) {
  const userId = params.get('user_id') ?? '';
  const offset = offsetOf(params.get('offset'));
  if (moved) ui.auditUser.value = userId;
  ui.auditClear.hidden = !userId;
  show('audit', { focus });
  /** @type {any} */
  let page;
  try {
    page = await backend('GET', '/audit_events', { user_id: userId, limit: EVENTS_PER_PAGE, offset });
  } catch (error) {
    if (seq === routeSeq) await fail(error);
    return;
  }
  if (seq !== routeSeq) return;
  const events = Array.isArray(page?.data) ? page.data : [];
  const total = Number(page?.total_count ?? events.length);
  ui.auditRows.replaceChildren(...events.map((/** @type {any} */ e) => eventRow(e, true)));
  ui.auditEmpty.hidden = events.length > 0;
  ui.auditEmpty.textContent = userId ? 'No events for this user.' : 'No events.';
  renderPager(ui.auditRange, ui.auditPrev, ui.auditNext, offset, events.length, total);
}

$('audit-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  navigate(hashFor('audit', { user_id: ui.auditUser.value.trim() }));
});

ui.auditClear.addEventListener('click', () => {
  ui.auditUser.value = '';
  navigate(hashFor('audit'));
  ui.auditUser.focus();
});

/** @param {number} delta */
function pageAudit(delta) {
  const { params } = parseRoute();
  const offset = Math.max(0, offsetOf(params.get('offset')) + delta);
  navigate(hashFor('audit', { user_id: params.get('user_id') ?? '', offset }));
}
ui.auditPrev.addEventListener('click', () => pageAudit(-EVENTS_PER_PAGE));
ui.auditNext.addEventListener('click', () => pageAudit(EVENTS_PER_PAGE));

// ----- actions and their confirmation -----

/**
 * Ask in the confirmation dialog; resolves true when confirmed. Cancel,
 * Escape and closing all answer false; focus starts on Cancel.
 * @param {{ title: string, message: string, confirm: string }} text
 * @returns {Promise<boolean>}
 */
function confirmDialog({ title, message, confirm }) {
  const dialog = ui.dialog;
  ui.dialogTitle.textContent = title;
  ui.dialogMessage.textContent = message;
  ui.dialogOk.textContent = confirm;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
    ui.dialogCancel.focus();
  });
}

ui.dialogCancel.addEventListener('click', () => ui.dialog.close('cancel'));
ui.dialogOk.addEventListener('click', () => ui.dialog.close('confirm'));

/**
 * Confirm, then run a destructive action.
 * @param {HTMLButtonElement} button the button that asked (focus returns to it)
 * @param {{ title: string, message: string, confirm: string }} text
 * @param {() => Promise<string | null>} action resolves to the status message
 * @param {HTMLElement} [then] where focus goes once done (else back to `button`)
 */
async function confirmThen(button, text, action, then) {
  clearError();
  const confirmed = await confirmDialog(text);
  if (button.isConnected) button.focus();
  if (!confirmed) return;
  await runAction(button, action, then);
}

/**
 * Run an action with its button disabled; then refresh the page and show
 * its status message (or the error).
 * @param {HTMLButtonElement} button
 * @param {() => Promise<string | null>} action
 * @param {HTMLElement} [then] where focus goes once done (else back to `button`)
 */
async function runAction(button, action, then) {
  clearError();
  showStatus('');
  button.disabled = true;
  try {
    const message = await action();
    if (message !== null) {
      pendingStatus = message;
      await route();
    }
  } catch (error) {
    const code = codeOf(error);
    if (phase === 'operator' && code !== 'operator_required' && code !== 'authentication_invalid') {
      // A partial change (say, some sessions revoked) shows after a refresh;
      // the error shows after it, as the refresh clears the old one.
      await route();
    }
    await fail(error);
  } finally {
    button.disabled = false;
  }
  restoreFocus([then, button]);
}

/**
 * After a change re-rendered the page: focus the first of `candidates` still
 * shown, else the heading of the view, so keyboard users are not left on <body>.
 * @param {(HTMLElement | undefined)[]} candidates
 */
function restoreFocus(candidates) {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected && !active.closest('[hidden]')) return;
  for (const candidate of candidates) {
    if (candidate?.isConnected && !candidate.closest('[hidden]') && !(candidate instanceof HTMLButtonElement && candidate.disabled)) {
      candidate.focus();
      return;
    }
  }
  const view = Object.values(ui.views).find((v) => !v.hidden);
  const heading = view?.querySelector('h1');
  if (heading instanceof HTMLElement) heading.focus();
}

// ----- wiring -----

/**
 * Run a sign-in or sign-out step with its button disabled, showing any error.
 * @param {HTMLButtonElement} button
 * @param {() => Promise<void>} step
 */
async function runStep(button, step) {
  clearError();
  showStatus('');
  button.disabled = true;
  try {
    await step();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

const signInButton = /** @type {HTMLButtonElement} */ ($('sign-in'));
signInButton.addEventListener('click', () => runStep(signInButton, signIn));
for (const id of ['sign-out', 'not-operator-sign-out']) {
  const button = /** @type {HTMLButtonElement} */ ($(id));
  button.addEventListener('click', () => runStep(button, signOut));
}
const enrolButton = /** @type {HTMLButtonElement} */ ($('enrol-create'));
enrolButton.addEventListener('click', () => runStep(enrolButton, createOperatorPasskey));

$('skip-link').addEventListener('click', (event) => {
  // The fragment belongs to the router; move focus without changing it.
  event.preventDefault();
  ui.main.focus();
});

window.addEventListener('hashchange', () => route());

// ----- start -----

try {
  if (location.pathname.replace(/\/+$/, '') === '/dashboard/enrol') {
    await enrol();
  } else {
    await latchkey.load();
    await afterSessionChange();
  }
} catch (error) {
  phase = 'signed-out';
  show('signIn');
  showError(error);
}
