// The Latchkey dashboard: operators sign in with a passkey (the Frontend API
// mounted at /dashboard) and run the instance through the Backend API mounted
// at /dashboard/backend, authorized by the dashboard's own cookie: the overview,
// users, the audit log (filtered and exported) and the live settings.
//
// The page's CSP allows only same-origin scripts and styles: nothing inline,
// no style attributes; views are shown with the `hidden` attribute, the chart
// is SVG whose geometry is set with attributes, and every piece of data goes
// into the page as text (textContent), never as HTML.
import { Latchkey, LatchkeyAPIResponseError, LatchkeyWebAuthnError } from '/sdk/latchkey.js';

const BACKEND = '/dashboard/backend/v1';
const USERS_PER_PAGE = 20;
const EVENTS_PER_PAGE = 50;
const RECENT_EVENTS = 10;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const SVG_NS = 'http://www.w3.org/2000/svg';

// The operator's session tokens stay out of the `__session` cookie, which an
// application on this origin reads its end users' tokens from.
const latchkey = new Latchkey({ frontendApi: `${location.origin}/dashboard`, sessionCookie: false });

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const ui = {
  nav: $('nav'),
  navOverview: $('nav-overview'),
  navUsers: $('nav-users'),
  navAudit: $('nav-audit'),
  navSettings: $('nav-settings'),
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
    overview: $('view-overview'),
    users: $('view-users'),
    user: $('view-user'),
    audit: $('view-audit'),
    settings: $('view-settings'),
  },
  enrolMessage: $('enrol-message'),
  enrolActions: $('enrol-actions'),
  enrolInvalidHelp: $('enrol-invalid-help'),
  notOperatorName: $('not-operator-name'),
  overviewUpdated: $('overview-updated'),
  overviewRefresh: /** @type {HTMLButtonElement} */ ($('overview-refresh')),
  overviewFigures: $('overview-figures'),
  figureUsers: $('figure-users'),
  figureSessions: $('figure-sessions'),
  figurePasskeys: $('figure-passkeys'),
  figureSignIns: $('figure-sign-ins'),
  chart: $('overview-chart'),
  chartSummary: $('overview-chart-summary'),
  providersRows: $('providers-rows'),
  providersEmpty: $('providers-empty'),
  usersQuery: /** @type {HTMLInputElement} */ ($('users-query')),
  usersClear: $('users-clear'),
  usersTable: $('users-table'),
  usersRows: $('users-rows'),
  usersEmpty: $('users-empty'),
  usersPrev: /** @type {HTMLButtonElement} */ ($('users-prev')),
  usersNext: /** @type {HTMLButtonElement} */ ($('users-next')),
  usersRange: $('users-range'),
  inviteForm: /** @type {HTMLFormElement} */ ($('invite-form')),
  inviteUsername: /** @type {HTMLInputElement} */ ($('invite-username')),
  inviteSubmit: /** @type {HTMLButtonElement} */ ($('invite-submit')),
  inviteError: $('invite-error'),
  inviteResult: $('invite-result'),
  inviteSummary: $('invite-summary'),
  inviteLink: /** @type {HTMLInputElement} */ ($('invite-link')),
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
  auditFilter: /** @type {HTMLFormElement} */ ($('audit-filter')),
  auditUser: /** @type {HTMLInputElement} */ ($('audit-user')),
  auditType: /** @type {HTMLInputElement} */ ($('audit-type')),
  auditTypes: $('audit-types'),
  auditActor: /** @type {HTMLInputElement} */ ($('audit-actor')),
  auditSince: /** @type {HTMLInputElement} */ ($('audit-since')),
  auditUntil: /** @type {HTMLInputElement} */ ($('audit-until')),
  auditClear: $('audit-clear'),
  auditFilterError: $('audit-filter-error'),
  auditSummary: $('audit-summary'),
  auditExportNdjson: /** @type {HTMLAnchorElement} */ ($('audit-export-ndjson')),
  auditExportCsv: /** @type {HTMLAnchorElement} */ ($('audit-export-csv')),
  auditRows: $('audit-rows'),
  auditEmpty: $('audit-empty'),
  auditPrev: /** @type {HTMLButtonElement} */ ($('audit-prev')),
  auditNext: /** @type {HTMLButtonElement} */ ($('audit-next')),
  auditRange: $('audit-range'),
  settingsForm: /** @type {HTMLFormElement} */ ($('settings-form')),
  settingsFields: $('settings-fields'),
  settingsError: $('settings-error'),
  settingsSave: /** @type {HTMLButtonElement} */ ($('settings-save')),
  settingsDiscard: /** @type {HTMLButtonElement} */ ($('settings-discard')),
  settingsDirty: $('settings-dirty'),
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
/** The live settings as last loaded or saved. @type {{ name: string, value: unknown, pinned: boolean }[]} */
let loadedSettings = [];

// ----- errors and messages -----

/** A failed Backend API call: its HTTP status and the server's first error. */
class BackendError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string | null} [param] the field at fault (`meta.param_name`)
   */
  constructor(status, code, message, param = null) {
    super(message);
    this.name = 'BackendError';
    this.status = status;
    this.code = code;
    this.param = param;
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
 * A Backend API URL below /dashboard/backend/v1, empty parameters left out.
 * @param {string} path
 * @param {Record<string, string | number | undefined | null>} [query]
 */
function backendUrl(path, query = {}) {
  const url = new URL(BACKEND + path, location.origin);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  return url;
}

/**
 * Call the Backend API under /dashboard/backend/v1 with the dashboard's cookie.
 * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
 * @param {string} path below /dashboard/backend/v1
 * @param {Record<string, string | number | undefined | null>} [query]
 * @param {unknown} [body] sent as JSON
 * @returns {Promise<any>}
 */
async function backend(method, path, query = {}, body = undefined) {
  try {
    return await backendOnce(method, path, query, body);
  } catch (error) {
    // A change more than ten minutes after the operator last proved their passkey:
    // ask for it again (a step-up), then retry once.
    if (!(error instanceof BackendError) || error.code !== 'session_reverification_required' || !latchkey.session) {
      throw error;
    }
    showStatus('Confirm it is you with your passkey to continue.');
    await latchkey.session.verifyWithPasskey();
    return backendOnce(method, path, query, body);
  }
}

/**
 * One call of the Backend API below /dashboard/backend/v1.
 * @param {string} method
 * @param {string} path
 * @param {Record<string, string | number | undefined | null>} [query]
 * @param {unknown} [body]
 */
async function backendOnce(method, path, query = {}, body = undefined) {
  const url = backendUrl(path, query);
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  /** @type {Response} */
  let res;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
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
      typeof first?.meta?.param_name === 'string' ? first.meta.param_name : null,
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
  for (const rows of [ui.usersRows, ui.passkeysRows, ui.sessionsRows, ui.userAuditRows, ui.auditRows, ui.providersRows]) {
    rows.replaceChildren();
  }
  for (const figure of [ui.figureUsers, ui.figureSessions, ui.figurePasskeys, ui.figureSignIns]) figure.textContent = '–';
  ui.chart.replaceChildren();
  ui.chartSummary.textContent = '';
  ui.overviewUpdated.textContent = '';
  ui.settingsFields.replaceChildren();
  ui.settingsDirty.textContent = '';
  hideFormError(ui.settingsError);
  hideFormError(ui.auditFilterError);
  loadedSettings = [];
  for (const input of [ui.usersQuery, ui.auditUser, ui.auditType, ui.auditActor, ui.auditSince, ui.auditUntil]) input.value = '';
  ui.auditSummary.textContent = '';
  ui.userDetails.replaceChildren();
  ui.userBadges.replaceChildren();
  ui.userTitle.textContent = '';
  ui.usersRange.textContent = '';
  ui.auditRange.textContent = '';
  ui.operatorName.textContent = '';
  ui.notOperatorName.textContent = '';
  currentUser = null;
  revokeAllTargets = null;
  for (const empty of [ui.usersEmpty, ui.passkeysEmpty, ui.sessionsEmpty, ui.userAuditEmpty, ui.auditEmpty, ui.providersEmpty]) {
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
    history.replaceState(null, '', `/dashboard${location.hash.startsWith('#/') ? location.hash : '#/overview'}`);
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
      history.replaceState(null, '', '/dashboard#/overview');
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
  history.replaceState(null, '', '/dashboard#/overview');
  pendingStatus = 'Your passkey is set up. Sign in with it from now on.';
  await afterSessionChange();
}

// ----- routing -----

/**
 * The route in the address: `#/overview` (the default), `#/users?query=&after=&from=`
 * (the page after user `after`, its first user the `from`-th),
 * `#/users/<id>`, `#/audit?user_id=&type=&actor=&since=&until=&offset=` or `#/settings`.
 * @returns {{ name: 'overview' | 'users' | 'user' | 'audit' | 'settings', id: string, params: URLSearchParams }}
 */
function parseRoute() {
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : 'overview';
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
  if (parts[0] === 'users') return { name: 'users', id: '', params };
  if (parts[0] === 'audit') return { name: 'audit', id: '', params };
  if (parts[0] === 'settings') return { name: 'settings', id: '', params };
  return { name: 'overview', id: '', params };
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
  const key = location.hash || '#/overview';
  const moved = key !== shownRoute;
  shownRoute = key;
  const pageKey = `${current.name}:${current.id}`;
  const focus = pageKey !== shownPage;
  shownPage = pageKey;
  const seq = ++routeSeq;
  clearError();
  showStatus(pendingStatus || (moved ? '' : ui.status.textContent ?? ''));
  pendingStatus = '';
  const section = {
    overview: ui.navOverview,
    users: ui.navUsers,
    user: ui.navUsers,
    audit: ui.navAudit,
    settings: ui.navSettings,
  }[current.name];
  for (const link of [ui.navOverview, ui.navUsers, ui.navAudit, ui.navSettings]) {
    if (link === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (current.name === 'overview') return renderOverview(seq, focus);
  if (current.name === 'users') return renderUsers(current.params, seq, moved, focus);
  if (current.name === 'user') return renderUser(current.id, seq, moved, focus);
  if (current.name === 'settings') return renderSettings(seq, focus);
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

// ----- overview -----

const numberFormat = new Intl.NumberFormat();
const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/** @param {unknown} n */
const count = (n) => (Number.isFinite(Number(n)) ? Number(n) : 0);

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => `${numberFormat.format(n)} ${n === 1 ? one : many}`;

/**
 * An SVG element with its attributes (geometry included: never a style).
 * @param {string} tag
 * @param {Record<string, string | number>} [attributes]
 * @param {...(Node | string)} children
 */
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** @param {string} text */
const svgTitle = (text) => svg('title', {}, text);

/**
 * A round upper bound for the chart's vertical axis whose half is a whole
 * number too: 1, 2, 4, 6, 8, 10, 20, 40…
 * @param {number} max
 */
function niceCeiling(max) {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [2, 4, 6, 8, 10]) {
    if (step * magnitude >= max) return step * magnitude;
  }
  return 10 * magnitude;
}

/** The series of the chart, stacked from the bottom in this order. */
const SERIES = /** @type {const} */ ([
  { key: 'sign_ins', className: 'sign-ins', one: 'sign-in', many: 'sign-ins' },
  { key: 'sign_ups', className: 'sign-ups', one: 'sign-up', many: 'sign-ups' },
  { key: 'failures', className: 'failures', one: 'failure', many: 'failures' },
]);

/**
 * The per-minute chart of the last day: stacked bars of sign-ins, sign-ups and
 * failures on a time axis (ticks every three hours, the browser's time zone)
 * and a count axis. Each bar's <title> tells its minute and counts.
 * @param {{ minute: number, sign_ins: number, sign_ups: number, failures: number }[]} activity
 * @param {number} now
 */
function activityChart(activity, now) {
  const width = 960;
  const height = 280;
  const margin = { top: 14, right: 14, bottom: 46, left: 50 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const end = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const start = end - DAY_MS;
  const perMinute = plotWidth / (DAY_MS / MINUTE_MS);
  const barWidth = Math.max(2, perMinute);
  const top = niceCeiling(Math.max(0, ...activity.map((m) => count(m.sign_ins) + count(m.sign_ups) + count(m.failures))));
  const x = (/** @type {number} */ ms) => margin.left + ((ms - start) / MINUTE_MS) * perMinute;
  const y = (/** @type {number} */ n) => margin.top + plotHeight - (n / top) * plotHeight;

  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: 'img',
    'aria-labelledby': 'chart-title',
    'aria-describedby': 'overview-chart-summary',
    focusable: 'false',
  });

  // The count axis: gridlines and labels at 0, half and the top.
  const yAxis = svg('g', { class: 'axis y-axis' });
  const ticks = top === 1 ? [0, 1] : [0, top / 2, top];
  for (const tick of ticks) {
    const ty = y(tick);
    yAxis.append(
      svg('line', { class: tick === 0 ? 'baseline' : 'grid', x1: margin.left, x2: width - margin.right, y1: ty, y2: ty }),
      svg('text', { x: margin.left - 8, y: ty, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, numberFormat.format(tick)),
    );
  }
  yAxis.append(
    svg(
      'text',
      {
        class: 'axis-title',
        x: -(margin.top + plotHeight / 2),
        y: 14,
        transform: 'rotate(-90)',
        'text-anchor': 'middle',
      },
      'Events per minute',
    ),
  );

  // The time axis: a tick every three hours on the hour, in local time.
  const xAxis = svg('g', { class: 'axis x-axis' });
  const firstHour = new Date(start);
  firstHour.setMinutes(0, 0, 0);
  if (firstHour.getTime() < start) firstHour.setHours(firstHour.getHours() + 1);
  while (firstHour.getHours() % 3 !== 0) firstHour.setHours(firstHour.getHours() + 1);
  for (const tick = new Date(firstHour); tick.getTime() <= end; tick.setHours(tick.getHours() + 3)) {
    const tx = x(tick.getTime());
    xAxis.append(
      svg('line', { class: 'tick', x1: tx, x2: tx, y1: margin.top + plotHeight, y2: margin.top + plotHeight + 5 }),
      svg('text', { x: tx, y: margin.top + plotHeight + 18, 'text-anchor': 'middle' }, clockFormat.format(tick)),
    );
  }
  xAxis.append(
    svg(
      'text',
      { class: 'axis-title', x: margin.left + plotWidth / 2, y: height - 6, 'text-anchor': 'middle' },
      'Time (last 24 hours, your time zone)',
    ),
  );

  const bars = svg('g', { class: 'bars' });
  for (const minute of activity) {
    const at = count(minute.minute);
    if (at < start || at >= end) continue;
    const bx = Math.min(x(at), width - margin.right - barWidth);
    const when = clockFormat.format(new Date(at));
    const words = SERIES.map((s) => plural(count(minute[s.key]), s.one, s.many)).join(', ');
    let stacked = 0;
    for (const series of SERIES) {
      const n = count(minute[series.key]);
      if (n <= 0) continue;
      const y0 = y(stacked);
      const y1 = y(stacked + n);
      stacked += n;
      bars.append(
        svg(
          'rect',
          {
            class: `bar ${series.className}`,
            x: bx.toFixed(2),
            y: y1.toFixed(2),
            width: barWidth.toFixed(2),
            height: Math.max(1, y0 - y1).toFixed(2),
            'data-minute': at,
          },
          svgTitle(`${when}: ${words}`),
        ),
      );
    }
  }
  root.append(yAxis, xAxis, bars);
  return root;
}

/**
 * The chart's words for screen readers (and everyone): totals and the busiest minute.
 * @param {{ minute: number, sign_ins: number, sign_ups: number, failures: number }[]} activity
 */
function activitySummary(activity) {
  const totals = { sign_ins: 0, sign_ups: 0, failures: 0 };
  /** @type {{ minute: number, total: number } | null} */
  let busiest = null;
  for (const minute of activity) {
    const total = count(minute.sign_ins) + count(minute.sign_ups) + count(minute.failures);
    totals.sign_ins += count(minute.sign_ins);
    totals.sign_ups += count(minute.sign_ups);
    totals.failures += count(minute.failures);
    if (total > 0 && (!busiest || total > busiest.total)) busiest = { minute: count(minute.minute), total };
  }
  if (!busiest) return { totals, text: 'No sign-ins, sign-ups or failures in the last 24 hours.' };
  const text =
    `In the last 24 hours: ${plural(totals.sign_ins, 'sign-in', 'sign-ins')}, ` +
    `${plural(totals.sign_ups, 'sign-up', 'sign-ups')} and ${plural(totals.failures, 'failure', 'failures')}, ` +
    `in ${plural(activity.length, 'minute', 'minutes')} with activity. ` +
    `The busiest minute was ${clockFormat.format(new Date(busiest.minute))}, with ${plural(busiest.total, 'event', 'events')}.`;
  return { totals, text };
}

/** A provider's icon: only an image data URL (the CSP allows no other origin). @param {unknown} icon */
function providerIcon(icon) {
  if (typeof icon !== 'string' || !/^data:image\/[a-z0-9.+-]+[;,]/i.test(icon)) {
    return el('span', 'provider-icon placeholder');
  }
  const img = /** @type {HTMLImageElement} */ (el('img', 'provider-icon'));
  img.src = icon;
  img.alt = '';
  img.width = 20;
  img.height = 20;
  return img;
}

/**
 * @param {number} seq
 * @param {boolean} focus another page: focus its heading
 */
async function renderOverview(seq, focus) {
  show('overview', { focus });
  ui.overviewFigures.setAttribute('aria-busy', 'true');
  /** @type {any} */
  let overview;
  try {
    overview = await backend('GET', '/overview');
  } catch (error) {
    if (seq === routeSeq) await fail(error);
    return;
  } finally {
    if (seq === routeSeq) ui.overviewFigures.removeAttribute('aria-busy');
  }
  if (seq !== routeSeq) return;
  const now = Date.now();
  const activity = Array.isArray(overview?.activity) ? overview.activity : [];
  const providers = Array.isArray(overview?.passkeys_by_provider) ? overview.passkeys_by_provider : [];
  const passkeys = providers.reduce((/** @type {number} */ sum, /** @type {any} */ p) => sum + count(p.count), 0);
  const summary = activitySummary(activity);

  ui.figureUsers.textContent = numberFormat.format(count(overview?.users));
  ui.figureSessions.textContent = numberFormat.format(count(overview?.live_sessions));
  ui.figurePasskeys.textContent = numberFormat.format(passkeys);
  ui.figureSignIns.textContent = numberFormat.format(summary.totals.sign_ins);

  ui.chart.replaceChildren(activityChart(activity, now));
  ui.chartSummary.textContent = summary.text;

  ui.providersRows.replaceChildren(
    ...providers.map((/** @type {any} */ p) => {
      const tr = el('tr');
      const name = typeof p.provider === 'string' && p.provider ? p.provider : 'Other';
      tr.append(
        el('td', 'provider', providerIcon(p.icon), el('span', '', name)),
        el('td', 'num', numberFormat.format(count(p.count))),
        el('td', 'num', passkeys > 0 ? percentFormat.format(count(p.count) / passkeys) : '—'),
      );
      return tr;
    }),
  );
  ui.providersEmpty.hidden = providers.length > 0;
  ui.overviewUpdated.textContent = `Updated at ${clockFormat.format(new Date(now))}`;
}

ui.overviewRefresh.addEventListener('click', async () => {
  ui.overviewRefresh.disabled = true;
  try {
    await route();
  } finally {
    ui.overviewRefresh.disabled = false;
  }
  restoreFocus([ui.overviewRefresh]);
});

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
  const after = params.get('after') ?? '';
  const offset = after ? offsetOf(params.get('from')) : 0;
  if (moved) ui.usersQuery.value = query;
  ui.usersClear.hidden = !query;
  show('users', { focus });
  ui.usersTable.setAttribute('aria-busy', 'true');
  /** @type {any} */
  let page;
  try {
    const cursor = after ? { starting_after: after } : {};
    page = await backend('GET', '/users', { query, limit: USERS_PER_PAGE, ...cursor });
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
  lastUserShown = users.at(-1)?.id ?? '';
}

/**
 * Users pages by keyset: Next starts after the last user shown; Previous goes back to
 * the page whose cursor Next left here (the first page when there is none).
 * @type {{ after: string, from: number }[]}
 */
const earlierUserPages = [];
let lastUserShown = '';

$('users-search').addEventListener('submit', (event) => {
  event.preventDefault();
  earlierUserPages.length = 0;
  navigate(hashFor('users', { query: ui.usersQuery.value.trim() }));
});

ui.usersClear.addEventListener('click', () => {
  ui.usersQuery.value = '';
  earlierUserPages.length = 0;
  navigate(hashFor('users'));
  ui.usersQuery.focus();
});

ui.usersPrev.addEventListener('click', () => {
  const { params } = parseRoute();
  const earlier = earlierUserPages.pop();
  const page = earlier?.after ? { after: earlier.after, from: earlier.from } : {};
  navigate(hashFor('users', { query: params.get('query') ?? '', ...page }));
});
ui.usersNext.addEventListener('click', () => {
  const { params } = parseRoute();
  const from = params.get('after') ? offsetOf(params.get('from')) : 0;
  earlierUserPages.push({ after: params.get('after') ?? '', from });
  navigate(hashFor('users', { query: params.get('query') ?? '', after: lastUserShown, from: from + USERS_PER_PAGE }));
});

ui.inviteForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearError();
  hideFormError(ui.inviteError);
  ui.inviteResult.hidden = true;
  const username = ui.inviteUsername.value.trim();
  ui.inviteSubmit.disabled = true;
  try {
    const invited = await backend('POST', '/operators', {}, { username });
    ui.inviteSummary.replaceChildren(
      `Send this link to ${invited.username ?? username}, to open once on the device that will hold their passkey, before `,
      time(invited.expire_at),
      '.',
    );
    ui.inviteLink.value = String(invited.url ?? '');
    ui.inviteResult.hidden = false;
    ui.inviteUsername.value = '';
    ui.inviteLink.focus();
    ui.inviteLink.select();
    showStatus(`Invited ${invited.username ?? username} as an operator.`);
  } catch (error) {
    const code = codeOf(error);
    if (error instanceof BackendError && error.status >= 400 && error.status < 500 && code !== 'operator_required' && code !== 'authentication_invalid') {
      showFormError(ui.inviteError, `Not invited: ${error.message} (${error.code})`);
      ui.inviteUsername.focus();
    } else {
      await fail(error);
    }
  } finally {
    ui.inviteSubmit.disabled = false;
  }
});

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
        td(
          passkey.provider ? providerIcon(passkey.provider.icon_light) : null,
          el('span', 'strong', label),
          provider ? el('span', 'sub muted', provider) : null,
          el('span', 'sub muted mono', passkey.id),
        ),
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

/** The event types the server records, offered by the type filter (which takes any text). */
const EVENT_TYPES = [
  'account.recovered',
  'email.code_sent',
  'email.verification_failed',
  'email.verified',
  'email_address.created',
  'email_address.deleted',
  'email_address.primary_changed',
  'instance.settings_changed',
  'operator.created',
  'operator.enrolled',
  'passkey.created',
  'passkey.deleted',
  'passkey.failed',
  'passkey.renamed',
  'passkey.used',
  'session.ended',
  'session.reverification_failed',
  'session.reverified',
  'session.revoked',
  'sign_in.failed',
  'sign_in.succeeded',
  'sign_up.failed',
  'user.banned',
  'user.created',
  'user.deleted',
  'user.unbanned',
];
ui.auditTypes.replaceChildren(
  ...EVENT_TYPES.map((type) => {
    const option = /** @type {HTMLOptionElement} */ (el('option'));
    option.value = type;
    return option;
  }),
);

/** The filters of the audit log, as its route and the API name them. */
const AUDIT_FILTERS = /** @type {const} */ (['user_id', 'type', 'actor', 'since', 'until']);

/** The operator who made an event's change: the top-level `actor` (older events kept it in `data`). @param {any} event */
function actorOf(event) {
  if (typeof event.actor === 'string' && event.actor) return event.actor;
  const legacy = event.data && typeof event.data === 'object' ? event.data.actor : null;
  return typeof legacy === 'string' && legacy ? legacy : null;
}

/** @param {string | null} id a user id, linked to their page */
function userLink(id) {
  if (!id) return el('span', 'muted', '—');
  return id.startsWith('user_') ? routeLink(`#/users/${seg(id)}`, code(id)) : code(id);
}

/** @param {unknown} value a detail's value as text */
const detailText = (value) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * One event's row; the user and actor columns only in the full log (elsewhere
 * the actor shows among the details).
 * @param {any} event
 * @param {boolean} withUser
 */
function eventRow(event, withUser) {
  const tr = el('tr');
  tr.dataset.eventId = event.id;
  const actor = actorOf(event);
  const details = el('ul', 'plain facts');
  if (!withUser && actor) details.append(el('li', '', `${DATA_LABELS.actor} `, userLink(actor)));
  if (event.passkey_id) details.append(el('li', '', 'Passkey ', code(event.passkey_id)));
  if (event.session_id) details.append(el('li', '', 'Session ', code(event.session_id)));
  if (event.data && typeof event.data === 'object') {
    for (const [key, value] of Object.entries(event.data)) {
      if (value === null || value === undefined || value === '' || key === 'actor') continue;
      if (key === 'changes' && typeof value === 'object' && !Array.isArray(value)) {
        // instance.settings_changed: each setting, before → after.
        for (const [name, change] of Object.entries(value)) {
          const before = change && typeof change === 'object' && 'before' in change ? detailText(change.before) : '?';
          const after = change && typeof change === 'object' && 'after' in change ? detailText(change.after) : detailText(change);
          details.append(el('li', 'change', code(name), `: ${before} → ${after}`));
        }
        continue;
      }
      const label = DATA_LABELS[key] ?? key.replace(/_/g, ' ');
      details.append(el('li', '', `${label}: `, detailText(value)));
    }
  }
  const ip = td(event.ip ?? el('span', 'muted', '—'));
  if (event.user_agent) ip.title = event.user_agent;
  tr.append(td(time(event.created_at)), td(code(event.type)));
  if (withUser) tr.append(el('td', 'id-cell', userLink(event.user_id ?? null)), el('td', 'id-cell actor', userLink(actor)));
  tr.append(el('td', 'details-cell', details.childElementCount ? details : el('span', 'muted', '—')), ip);
  return tr;
}

/** @param {string | null} value Unix ms in the route, or nothing */
function msOf(value) {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** A `datetime-local` value for Unix ms, in the browser's time zone. @param {number} ms */
function localInput(ms) {
  const d = new Date(ms);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Unix ms of a `datetime-local` value (local time), or null. @param {string} value */
function localMs(value) {
  if (!value) return null;
  // A date-time with no offset is local time for Date (valueAsNumber would read it as UTC).
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The audit log's filters from its route: text ones as they are, times as Unix ms.
 * @param {URLSearchParams} params
 */
function auditFiltersOf(params) {
  return {
    user_id: params.get('user_id')?.trim() ?? '',
    type: params.get('type')?.trim() ?? '',
    actor: params.get('actor')?.trim() ?? '',
    since: msOf(params.get('since')),
    until: msOf(params.get('until')),
  };
}

/** @param {ReturnType<typeof auditFiltersOf>} filters */
function exportLinks(filters) {
  const query = { user_id: filters.user_id, type: filters.type, actor: filters.actor, since: filters.since, until: filters.until };
  const ndjson = backendUrl('/audit_events/export', { format: 'ndjson', ...query });
  const csv = backendUrl('/audit_events/export', { format: 'csv', ...query });
  ui.auditExportNdjson.href = ndjson.pathname + ndjson.search;
  ui.auditExportCsv.href = csv.pathname + csv.search;
}

/**
 * @param {URLSearchParams} params
 * @param {number} seq
 * @param {boolean} moved another route than the one shown
 * @param {boolean} focus another page: focus its heading
 */
async function renderAudit(params, seq, moved, focus) {
  const filters = auditFiltersOf(params);
  const offset = offsetOf(params.get('offset'));
  if (moved) {
    ui.auditUser.value = filters.user_id;
    ui.auditType.value = filters.type;
    ui.auditActor.value = filters.actor;
    ui.auditSince.value = filters.since === null ? '' : localInput(filters.since);
    // "To" names its minute; the route holds the end of it.
    ui.auditUntil.value = filters.until === null ? '' : localInput(Math.max(0, filters.until - MINUTE_MS));
    hideFormError(ui.auditFilterError);
  }
  const filtered = AUDIT_FILTERS.some((key) => filters[key] !== '' && filters[key] !== null);
  ui.auditClear.hidden = !filtered;
  exportLinks(filters);
  show('audit', { focus });
  /** @type {any} */
  let page;
  try {
    page = await backend('GET', '/audit_events', { ...filters, limit: EVENTS_PER_PAGE, offset });
  } catch (error) {
    if (seq === routeSeq) await fail(error);
    return;
  }
  if (seq !== routeSeq) return;
  const events = Array.isArray(page?.data) ? page.data : [];
  const total = Number(page?.total_count ?? events.length);
  ui.auditRows.replaceChildren(...events.map((/** @type {any} */ e) => eventRow(e, true)));
  ui.auditEmpty.hidden = events.length > 0;
  const onlyUser = filters.user_id !== '' && AUDIT_FILTERS.every((key) => key === 'user_id' || filters[key] === '' || filters[key] === null);
  ui.auditEmpty.textContent = onlyUser ? 'No events for this user.' : filtered ? 'No events match these filters.' : 'No events.';
  ui.auditSummary.textContent = filtered
    ? `${plural(total, 'event matches', 'events match')} these filters.`
    : `${plural(total, 'event', 'events')} in all.`;
  renderPager(ui.auditRange, ui.auditPrev, ui.auditNext, offset, events.length, total);
}

ui.auditFilter.addEventListener('submit', (event) => {
  event.preventDefault();
  hideFormError(ui.auditFilterError);
  const since = localMs(ui.auditSince.value);
  const to = localMs(ui.auditUntil.value);
  const until = to === null ? null : to + MINUTE_MS;
  if ((ui.auditSince.value && since === null) || (ui.auditUntil.value && to === null)) {
    showFormError(ui.auditFilterError, 'Enter the times as a date and a time.');
    return;
  }
  if (since !== null && until !== null && since >= until) {
    showFormError(ui.auditFilterError, '“From” must come before “To”.');
    ui.auditSince.focus();
    return;
  }
  navigate(
    hashFor('audit', {
      user_id: ui.auditUser.value.trim(),
      type: ui.auditType.value.trim(),
      actor: ui.auditActor.value.trim(),
      since: since ?? undefined,
      until: until ?? undefined,
    }),
  );
});

ui.auditClear.addEventListener('click', () => {
  for (const input of [ui.auditUser, ui.auditType, ui.auditActor, ui.auditSince, ui.auditUntil]) input.value = '';
  hideFormError(ui.auditFilterError);
  navigate(hashFor('audit'));
  ui.auditUser.focus();
});

/** @param {number} delta */
function pageAudit(delta) {
  const { params } = parseRoute();
  const filters = auditFiltersOf(params);
  const offset = Math.max(0, offsetOf(params.get('offset')) + delta);
  navigate(
    hashFor('audit', {
      user_id: filters.user_id,
      type: filters.type,
      actor: filters.actor,
      since: filters.since ?? undefined,
      until: filters.until ?? undefined,
      offset,
    }),
  );
}
ui.auditPrev.addEventListener('click', () => pageAudit(-EVENTS_PER_PAGE));
ui.auditNext.addEventListener('click', () => pageAudit(EVENTS_PER_PAGE));

// ----- live settings -----

/**
 * What the page knows of each live setting: its label, help, and the control's
 * bounds. A setting the server adds later still shows, with a control that fits
 * its value's type.
 * @type {Record<string, { label: string, help: string, min?: number, max?: number, unit?: string, options?: [string, string][] }>}
 */
const SETTINGS_META = {
  'auth.passkey': {
    label: 'Passkeys enabled',
    help: 'Users sign in, sign up and add passkeys. Turned off, nobody can sign in with a passkey, operators on this dashboard included.',
  },
  'auth.sign_up_with_username': {
    label: 'Sign-up with a username',
    help: 'New users sign up with a username, then add a passkey.',
  },
  'auth.sign_up_with_passkey': {
    label: 'Sign-up with a passkey',
    help: 'New users sign up with a passkey alone (needs passkeys enabled).',
  },
  'webauthn.max_passkeys_per_user': {
    label: 'Most passkeys per user',
    help: 'From 1 to 100. Users who have more keep them, but cannot add another.',
    min: 1,
    max: 100,
  },
  'webauthn.user_verification': {
    label: 'User verification',
    help: 'Required: every passkey use must verify the user (PIN or biometrics). Preferred: asked for, not required.',
    options: [
      ['required', 'Required'],
      ['preferred', 'Preferred'],
    ],
  },
  'webauthn.attestation': {
    label: 'Attestation',
    help: "What new passkeys are asked to prove about their authenticator's make. None: nothing. Indirect or direct: an attestation statement, which authenticators may still withhold.",
    options: [
      ['none', 'None'],
      ['indirect', 'Indirect'],
      ['direct', 'Direct'],
    ],
  },
  'sessions.lifetime_secs': {
    label: 'Session lifetime',
    help: 'How long a new session lasts at most, from 60 seconds to a year. Sessions already signed in keep theirs.',
    min: 60,
    max: 31_536_000,
    unit: 'seconds',
  },
  'sessions.inactivity_secs': {
    label: 'Inactivity timeout',
    help: 'A session unused for this long ends, from 60 seconds to a year.',
    min: 60,
    max: 31_536_000,
    unit: 'seconds',
  },
  'sessions.token_ttl_secs': {
    label: 'Session token lifetime',
    help: 'How long each session token (JWT) is valid, from 10 to 3600 seconds.',
    min: 10,
    max: 3600,
    unit: 'seconds',
  },
  'rate_limit.per_ip_per_minute': {
    label: 'Ceremonies per IP',
    help: 'Sign-ins, sign-ups and passkey registrations one IP address may start in a minute, from 1 to 1,000,000.',
    min: 1,
    max: 1_000_000,
    unit: 'per minute',
  },
  'rate_limit.per_client_per_minute': {
    label: 'Ceremonies per client',
    help: 'Sign-ins, sign-ups and passkey registrations one browser or app may start in a minute, from 1 to 1,000,000.',
    min: 1,
    max: 1_000_000,
    unit: 'per minute',
  },
  'email.sends_per_address_per_minute': {
    label: 'Codes per email address',
    help: 'One-time codes mailed to one address in a minute, from 1 to 1,000,000.',
    min: 1,
    max: 1_000_000,
    unit: 'per minute',
  },
  'email.sends_per_ip_per_minute': {
    label: 'Codes per IP',
    help: 'One-time codes mailed at the request of one IP address in a minute, from 1 to 1,000,000.',
    min: 1,
    max: 1_000_000,
    unit: 'per minute',
  },
  'email.sends_per_minute': {
    label: 'Codes per minute',
    help: 'One-time codes the whole instance mails in a minute, from 1 to 1,000,000.',
    min: 1,
    max: 1_000_000,
    unit: 'per minute',
  },
  'webauthn.origins': {
    label: 'Allowed origins',
    help: 'One a line, exactly as a browser writes it (https://app.example.com), or android:apk-key-hash: for an Android app. Passkeys may be used from these; the web ones may also call the Frontend API from the browser. This server\'s own origin is always allowed to call it, but passkeys work on it only while it is listed.',
  },
  'webauthn.related_origins': {
    label: 'Related origins',
    help: 'One a line: further sites that may use this relying party\'s passkeys, published at /.well-known/webauthn. Empty for none.',
  },
  'audit.retention_days': {
    label: 'Audit retention',
    help: 'Days audit events are kept, up to 36,500; older ones are deleted within a minute. 0 keeps them forever.',
    min: 0,
    max: 36_500,
    unit: 'days',
  },
};

/** The form's sections; settings in none of them go to the last one. */
const SETTINGS_GROUPS = [
  { title: 'Sign-in and sign-up', names: ['auth.passkey', 'auth.sign_up_with_username', 'auth.sign_up_with_passkey'] },
  { title: 'Passkeys', names: ['webauthn.max_passkeys_per_user', 'webauthn.user_verification', 'webauthn.attestation'] },
  { title: 'Origins', names: ['webauthn.origins', 'webauthn.related_origins'] },
  { title: 'Sessions', names: ['sessions.lifetime_secs', 'sessions.inactivity_secs', 'sessions.token_ttl_secs'] },
  {
    title: 'Rate limits',
    names: [
      'rate_limit.per_ip_per_minute',
      'rate_limit.per_client_per_minute',
      'email.sends_per_address_per_minute',
      'email.sends_per_ip_per_minute',
      'email.sends_per_minute',
    ],
  },
  { title: 'Audit log', names: ['audit.retention_days'] },
];

const PINNED_TEXT = "Pinned by the server's configuration";

/** @param {string} name a setting's control id */
const settingId = (name) => `setting-${name.replace(/[^a-z0-9]+/gi, '-')}`;

/** @param {number} secs seconds in words: "7 days", "1 hour 30 minutes" */
function duration(secs) {
  if (!Number.isFinite(secs) || secs <= 0) return '';
  const parts = [];
  let rest = Math.floor(secs);
  for (const [size, one, many] of /** @type {[number, string, string][]} */ ([
    [86_400, 'day', 'days'],
    [3600, 'hour', 'hours'],
    [60, 'minute', 'minutes'],
    [1, 'second', 'seconds'],
  ])) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(plural(n, one, many));
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** @param {{ name: string, value: unknown }} setting */
const settingLabel = (setting) => SETTINGS_META[setting.name]?.label ?? setting.name;

/**
 * A value as the page says it.
 * @param {string} name
 * @param {unknown} value
 */
function settingWords(name, value) {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
  const meta = SETTINGS_META[name];
  const option = meta?.options?.find(([v]) => v === value);
  if (option) return option[1].toLowerCase();
  if (meta?.unit === 'seconds' && typeof value === 'number') return `${numberFormat.format(value)} seconds (${duration(value)})`;
  if (meta?.unit && typeof value === 'number') return `${numberFormat.format(value)} ${meta.unit}`;
  return String(value);
}

/**
 * One setting's row: its control, label, help and, when pinned, the note.
 * @param {{ name: string, value: unknown, pinned: boolean }} setting
 */
function settingRow(setting) {
  const meta = SETTINGS_META[setting.name];
  const id = settingId(setting.name);
  const row = el('div', 'setting');
  row.dataset.setting = setting.name;
  const label = /** @type {HTMLLabelElement} */ (el('label', 'setting-label', meta?.label ?? setting.name));
  label.htmlFor = id;
  const help = el('p', 'help muted', meta?.help ? `${meta.help} ` : '', code(setting.name));
  help.id = `${id}-help`;
  const described = [help.id];

  /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
  let control;
  if (Array.isArray(setting.value)) {
    const list = /** @type {HTMLTextAreaElement} */ (el('textarea'));
    list.rows = Math.max(2, setting.value.length + 1);
    list.spellcheck = false;
    list.value = setting.value.join('\n');
    control = list;
    row.append(label, el('div', 'setting-control', list));
  } else if (typeof setting.value === 'boolean') {
    const box = /** @type {HTMLInputElement} */ (el('input'));
    box.type = 'checkbox';
    box.checked = setting.value;
    control = box;
    row.classList.add('toggle');
    row.append(el('div', 'setting-control', box, label));
  } else if (meta?.options) {
    const select = /** @type {HTMLSelectElement} */ (el('select'));
    for (const [value, text] of meta.options) {
      const option = /** @type {HTMLOptionElement} */ (el('option', '', text));
      option.value = value;
      select.append(option);
    }
    if (!meta.options.some(([value]) => value === setting.value)) {
      // A value this page has no words for still shows as it is.
      const option = /** @type {HTMLOptionElement} */ (el('option', '', String(setting.value)));
      option.value = String(setting.value);
      select.append(option);
    }
    select.value = String(setting.value);
    control = select;
    row.append(label, el('div', 'setting-control', select));
  } else {
    const input = /** @type {HTMLInputElement} */ (el('input'));
    if (typeof setting.value === 'number') {
      input.type = 'number';
      input.step = '1';
      input.inputMode = 'numeric';
      if (meta?.min !== undefined) input.min = String(meta.min);
      if (meta?.max !== undefined) input.max = String(meta.max);
    } else {
      input.type = 'text';
      input.spellcheck = false;
    }
    input.required = true;
    input.value = String(setting.value ?? '');
    control = input;
    const controlBox = el('div', 'setting-control', input);
    if (meta?.unit) {
      const unit = el('span', 'unit muted', meta.unit);
      controlBox.append(unit);
      if (meta.unit === 'seconds') {
        const words = el('span', 'duration muted', duration(Number(input.value)));
        words.id = `${id}-duration`;
        described.push(words.id);
        input.addEventListener('input', () => (words.textContent = duration(Number(input.value))));
        controlBox.append(words);
      }
    }
    row.append(label, controlBox);
  }
  control.id = id;
  control.name = setting.name;
  control.dataset.setting = setting.name;
  row.append(help);
  if (setting.pinned) {
    control.disabled = true;
    row.classList.add('pinned');
    const note = el('p', 'pinned-note', PINNED_TEXT);
    note.id = `${id}-pinned`;
    described.push(note.id);
    row.append(note);
  }
  control.setAttribute('aria-describedby', described.join(' '));
  return row;
}

/** @param {{ name: string, value: unknown, pinned: boolean }[]} settings */
function renderSettingsForm(settings) {
  loadedSettings = settings;
  const placed = new Set();
  const fieldsets = [];
  const groups = [...SETTINGS_GROUPS, { title: 'Other', names: settings.map((s) => s.name) }];
  for (const group of groups) {
    const members = group.names
      .map((name) => settings.find((s) => s.name === name))
      .filter((s) => s && !placed.has(s.name));
    if (members.length === 0) continue;
    const fieldset = el('fieldset', 'settings-group', el('legend', '', group.title));
    for (const setting of members) {
      if (!setting) continue;
      placed.add(setting.name);
      fieldset.append(settingRow(setting));
    }
    fieldsets.push(fieldset);
  }
  ui.settingsFields.replaceChildren(...fieldsets);
  hideFormError(ui.settingsError);
  markDirty();
}

/**
 * A control's value as the API takes it: a boolean, a whole number, a word or a list.
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} control
 * @param {unknown} loaded the value it was loaded with, for its type
 */
function controlValue(control, loaded) {
  if (control instanceof HTMLInputElement && control.type === 'checkbox') return control.checked;
  if (Array.isArray(loaded)) return control.value.split(/[\s,]+/).filter(Boolean);
  if (typeof loaded === 'number') {
    const n = Number(control.value);
    return control.value.trim() !== '' && Number.isFinite(n) ? n : control.value;
  }
  return control.value;
}

/** The settings whose control differs from what was loaded, by name. @returns {Record<string, unknown>} */
function changedSettings() {
  /** @type {Record<string, unknown>} */
  const changes = {};
  for (const setting of loadedSettings) {
    if (setting.pinned) continue;
    const control = ui.settingsFields.querySelector(`#${CSS.escape(settingId(setting.name))}`);
    if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement)) continue;
    const value = controlValue(control, setting.value);
    if (JSON.stringify(value) !== JSON.stringify(setting.value)) changes[setting.name] = value;
  }
  return changes;
}

/** Mark the changed rows and say how many changes are unsaved. */
function markDirty() {
  const changes = changedSettings();
  for (const row of ui.settingsFields.querySelectorAll('.setting')) {
    row.classList.toggle('changed', row instanceof HTMLElement && (row.dataset.setting ?? '') in changes);
  }
  const n = Object.keys(changes).length;
  ui.settingsDirty.textContent = n ? `${plural(n, 'unsaved change', 'unsaved changes')}` : '';
  ui.settingsDiscard.disabled = n === 0;
}

/** @param {HTMLElement} box @param {string} text */
function showFormError(box, text) {
  box.textContent = text;
  box.hidden = false;
}

/** @param {HTMLElement} box */
function hideFormError(box) {
  box.textContent = '';
  box.hidden = true;
}

/**
 * @param {number} seq
 * @param {boolean} focus another page: focus its heading
 */
async function renderSettings(seq, focus) {
  show('settings', { focus });
  ui.settingsForm.setAttribute('aria-busy', 'true');
  /** @type {any} */
  let answer;
  try {
    answer = await backend('GET', '/live_settings');
  } catch (error) {
    if (seq === routeSeq) await fail(error);
    return;
  } finally {
    if (seq === routeSeq) ui.settingsForm.removeAttribute('aria-busy');
  }
  if (seq !== routeSeq) return;
  renderSettingsForm(Array.isArray(answer?.settings) ? answer.settings : []);
}

ui.settingsForm.addEventListener('input', markDirty);
ui.settingsForm.addEventListener('change', markDirty);

ui.settingsDiscard.addEventListener('click', () => {
  renderSettingsForm(loadedSettings);
  showStatus('Discarded the unsaved changes.');
  ui.settingsSave.focus();
});

ui.settingsForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearError();
  hideFormError(ui.settingsError);
  for (const invalid of ui.settingsFields.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
  const changes = changedSettings();
  const names = Object.keys(changes);
  if (names.length === 0) {
    showStatus('No setting has changed: nothing to save.');
    return;
  }
  if (changes['auth.passkey'] === false) {
    showStatus('');
    const confirmed = await confirmDialog({
      title: 'Turn off passkeys?',
      message:
        'Nobody can sign in or sign up with a passkey, or add one, until passkeys are turned back on: ' +
        'operators on this dashboard included. Sessions already signed in continue.',
      confirm: 'Turn off passkeys',
    });
    ui.settingsSave.focus();
    if (!confirmed) return;
  }
  const origins = changes['webauthn.origins'];
  if (Array.isArray(origins) && !origins.includes(location.origin)) {
    showStatus('');
    const confirmed = await confirmDialog({
      title: `Leave out ${location.origin}?`,
      message:
        `Passkeys can then no longer be used on ${location.origin}: operators cannot sign in to this dashboard ` +
        'with a passkey until the origin is listed again. Sessions already signed in continue.',
      confirm: 'Save without it',
    });
    ui.settingsSave.focus();
    if (!confirmed) return;
  }
  const words = names.map((name) => `${SETTINGS_META[name]?.label ?? name} ${settingWords(name, changes[name])}`).join('; ');
  showStatus('');
  ui.settingsSave.disabled = true;
  ui.settingsForm.setAttribute('aria-busy', 'true');
  try {
    const answer = await backend('PATCH', '/live_settings', {}, changes);
    renderSettingsForm(Array.isArray(answer?.settings) ? answer.settings : loadedSettings);
    showStatus(`Saved ${plural(names.length, 'setting', 'settings')}: ${words}. In force now.`);
  } catch (error) {
    const code = codeOf(error);
    if (error instanceof BackendError && error.status >= 400 && error.status < 500 && code !== 'operator_required' && code !== 'authentication_invalid') {
      // The server's own words, next to the form; the operator's edits stay.
      showFormError(ui.settingsError, `Not saved: ${error.message} (${error.code})`);
      const culprit = names.find((name) => name === error.param || error.message.startsWith(name));
      if (culprit) {
        ui.settingsFields.querySelector(`#${CSS.escape(settingId(culprit))}`)?.setAttribute('aria-invalid', 'true');
      }
    } else {
      await fail(error);
    }
  } finally {
    ui.settingsSave.disabled = false;
    ui.settingsForm.removeAttribute('aria-busy');
  }
  restoreFocus([ui.settingsSave]);
});

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
