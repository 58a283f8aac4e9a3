// @ts-check
/**
 * The `Latchkey` class: the SDK's entry point. It holds the client state,
 * gives its resources the API object they work through, and notifies
 * listeners of every change.
 *
 * @module latchkey/latchkey
 */
import { ceremonyAbortService } from './abort.js';
import { LatchkeyApi } from './api.js';
import { ClientResource } from './client.js';
import { unexpectedResponse } from './errors.js';
import { SignInResource } from './sign-in.js';
import { SignUpResource } from './sign-up.js';
import { tokenMatchesStatus } from './token-cache.js';
import { UserResource } from './user.js';
import { camelKeys } from './wire.js';

/**
 * @typedef {import('./session.js').SessionResource} SessionResource
 * @typedef {import('./api.js').SetActiveParams} SetActiveParams
 */

/**
 * `GET /v1/environment`, camelCased.
 * @typedef {object} Environment
 * @property {{ passkey: { enabled: boolean, allowAutofill: boolean, maxPerUser: number },
 *   signUp: { username: boolean, emailAddress: boolean, passkey: boolean } }} authConfig
 * @property {{ applicationName: string, rpId: string }} displayConfig
 */

/**
 * @typedef {object} LatchkeyState
 * @property {UserResource | null} user
 * @property {SessionResource | null} session
 * @property {ClientResource | null} client
 */

/** @typedef {(state: LatchkeyState) => void} LatchkeyListener */

/**
 * The SDK's entry point: holds the client state, makes the Frontend API calls
 * and notifies listeners of every change.
 */
export class Latchkey {
  /**
   * @param {{ frontendApi?: string, fetch?: typeof fetch, sessionCookie?: boolean }} [options]
   *   `frontendApi`: the Latchkey server's origin (default: the origin this
   *   script was loaded from); `fetch`: a fetch implementation (default: global);
   *   `sessionCookie`: whether the current session's token is kept in the page's
   *   `__session` cookie for the app's backend (default: true).
   */
  constructor({ frontendApi, fetch: fetchImpl, sessionCookie } = {}) {
    /** @readonly @type {string} */
    this.frontendApi = (frontendApi ?? new URL(import.meta.url).origin).replace(/\/+$/, '');
    /** @type {boolean} */
    this.isLoaded = false;
    /** @type {Environment | null} */
    this.environment = null;
    /** @type {ClientResource | null} */
    this.client = null;
    /** @private @type {string | null} */
    this._sessionId = null;
    /** @private @type {Set<LatchkeyListener>} */
    this._listeners = new Set();
    /** @private @type {Map<string, string>} */
    this._sessionStatuses = new Map();
    /** @private */
    this._api = new LatchkeyApi(
      { frontendApi: this.frontendApi, fetch: fetchImpl, sessionCookie },
      {
        sessionId: () => this._sessionId,
        client: () => this.client,
        user: () => this.user,
        applyClient: (data, quiet) => {
          this._setClient(data);
          if (!quiet) this._emit();
        },
        reloadUser: () => this._reloadUser(),
        setActive: (params) => this.setActive(params),
        rpId: () => this.environment?.displayConfig?.rpId ?? null,
      },
    );
  }

  /**
   * Read the environment (`GET /v1/environment`) and the client (`GET /v1/client`).
   * @returns {Promise<Latchkey>}
   */
  async load() {
    const env = await this._api.request('GET', '/environment', { raw: true });
    this.environment = {
      authConfig: {
        passkey: /** @type {any} */ (camelKeys(env?.auth_config?.passkey)),
        signUp: /** @type {any} */ (camelKeys(env?.auth_config?.sign_up)),
      },
      displayConfig: /** @type {any} */ (camelKeys(env?.display_config)),
    };
    await this._api.request('GET', '/client', { quiet: true });
    const client = this.client;
    const last = client?.lastActiveSessionId;
    this._sessionId = last && client?.activeSessions.some((s) => s.id === last) ? last : null;
    this.isLoaded = true;
    this._emit();
    return this;
  }

  /** The current session, or null. @returns {SessionResource | null} */
  get session() {
    if (!this._sessionId || !this.client) return null;
    return this.client.activeSessions.find((s) => s.id === this._sessionId) ?? null;
  }

  /** The signed-in user, or null. @returns {UserResource | null} */
  get user() {
    return this.session?.user ?? null;
  }

  /** Whether a session is current. @returns {boolean} */
  get isSignedIn() {
    return this.session !== null;
  }

  /**
   * The sign-in in progress, or an empty one to `create()` / `authenticateWithPasskey()` with.
   * @returns {SignInResource}
   */
  get signIn() {
    return this.client?.signIn ?? new SignInResource(this._api, null);
  }

  /**
   * The sign-up in progress, or an empty one to `create()` / `createWithPasskey()` with.
   * @returns {SignUpResource}
   */
  get signUp() {
    return this.client?.signUp ?? new SignUpResource(this._api, null);
  }

  /**
   * Call `listener` with `{ user, session, client }` now (when loaded) and on every change.
   * @param {LatchkeyListener} listener
   * @returns {() => void} unsubscribe
   */
  addListener(listener) {
    this._listeners.add(listener);
    if (this.isLoaded) listener(this._state());
    return () => {
      this._listeners.delete(listener);
    };
  }

  /**
   * Make a session the current one: touch it on the server, update the state,
   * notify listeners, then call `navigate({ session })` or go to `redirectUrl`.
   * `session: null` signs out locally (the session stays valid on the server).
   * @param {SetActiveParams} params
   * @returns {Promise<void>}
   */
  async setActive({ session, redirectUrl, navigate }) {
    const id = typeof session === 'string' ? session : (session?.id ?? null);
    if (id) {
      await this._api.request('POST', `/client/sessions/${encodeURIComponent(id)}/touch`, { quiet: true });
      if (!this.client?.activeSessions.some((s) => s.id === id)) {
        throw unexpectedResponse('The session is not active on this client');
      }
      this._sessionId = id;
    } else {
      if (this._sessionId) this._api.forgetToken(this._sessionId);
      this._sessionId = null;
      this._api.writeSessionCookie(null);
    }
    this._emit();
    if (navigate) await navigate({ session: this.session });
    else if (redirectUrl && globalThis.location) globalThis.location.href = redirectUrl;
  }

  /**
   * Sign out: end the current session on the server and clear the `__session` cookie.
   * @param {{ redirectUrl?: string }} [options]
   * @returns {Promise<void>}
   */
  async signOut({ redirectUrl } = {}) {
    const session = this.session;
    ceremonyAbortService.cancel('Signing out');
    try {
      if (session) await session.end();
    } finally {
      if (session) this._api.forgetToken(session.id);
      this._sessionId = null;
      this._api.writeSessionCookie(null);
      this._emit();
    }
    if (redirectUrl && globalThis.location) globalThis.location.href = redirectUrl;
  }

  /** Abort a pending passkey ceremony (e.g. an autofill request) of this page. */
  cancelCeremony() {
    ceremonyAbortService.cancel();
  }

  // ----- internals (not part of the public API) -----

  /**
   * @private
   * @returns {LatchkeyState}
   */
  _state() {
    return { user: this.user, session: this.session, client: this.client };
  }

  /** @private */
  _emit() {
    const state = this._state();
    for (const listener of [...this._listeners]) {
      try {
        listener(state);
      } catch (error) {
        console.error('Latchkey listener failed', error);
      }
    }
  }

  /**
   * Replace the client copy with the one from a response.
   * @private
   * @param {any} data
   */
  _setClient(data) {
    const tokens = this._api.tokens;
    this.client = data ? new ClientResource(this._api, data) : null;
    if (this._sessionId && !this.client?.activeSessions.some((s) => s.id === this._sessionId)) {
      // The current session ended elsewhere: follow the server's choice, if any.
      tokens.clear(this._sessionId);
      const last = this.client?.lastActiveSessionId ?? null;
      this._sessionId = last && this.client?.activeSessions.some((s) => s.id === last) ? last : null;
      if (!this._sessionId) this._api.writeSessionCookie(null);
    }
    for (const session of this.client?.sessions ?? []) {
      // A token's `sts` claim carries the session status: when the status
      // changes (pending → active after the setup-passkey task), drop it.
      const previous = this._sessionStatuses.get(session.id);
      if (previous && previous !== session.status) tokens.clear(session.id);
      this._sessionStatuses.set(session.id, session.status);
      const jwt = session.lastActiveToken?.jwt;
      if (jwt && !tokens.get(session.id) && tokenMatchesStatus(jwt, session.status)) {
        tokens.set(session.id, jwt);
      }
    }
  }

  /**
   * @private
   * @returns {Promise<UserResource>}
   */
  async _reloadUser() {
    const data = await this._api.request('GET', '/me', { me: true, quiet: true });
    const user = new UserResource(this._api, data);
    const session = this.session;
    if (session && session.user?.id === user.id) session.user = user;
    this._emit();
    return user;
  }
}
