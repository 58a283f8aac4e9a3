// @ts-check
/**
 * The object resources talk to: Frontend API calls, session tokens, what this
 * browser knows about passkeys, and the few pieces of client state a resource
 * acts on. A `Latchkey` makes one and hands it to every resource it creates.
 *
 * @module latchkey/api
 */
import { LatchkeyAPIResponseError, errorFromResponse } from './errors.js';
import { PasskeyMemory } from './passkey-memory.js';
import { writeSessionCookie } from './session-cookie.js';
import { TokenCache } from './token-cache.js';

/**
 * @typedef {import('./client.js').ClientResource} ClientResource
 * @typedef {import('./user.js').UserResource} UserResource
 * @typedef {import('./session.js').SessionResource} SessionResource
 * @typedef {import('./sign-in.js').SignInResource} SignInResource
 */

/**
 * A session id or resource to make current (null signs out locally), and where to go then.
 * @typedef {object} SetActiveParams
 * @property {string | SessionResource | null} session
 * @property {string} [redirectUrl]
 * @property {(params: { session: SessionResource | null }) => unknown} [navigate]
 */

/**
 * Options of {@link LatchkeyApi#request}: `body` is form-encoded; `me` adds
 * `_latchkey_session_id`; `raw` returns the body as is (no envelope);
 * `quiet` does not notify listeners.
 * @typedef {{ body?: Record<string, any>, me?: boolean, raw?: boolean, quiet?: boolean }} RequestOptions
 */

/**
 * What the client state behind the API object provides.
 * @typedef {object} ApiState
 * @property {() => string | null} sessionId the current session's id
 * @property {() => ClientResource | null} client
 * @property {() => UserResource | null} user the signed-in user
 * @property {(data: any, quiet: boolean) => void} applyClient take the client of a response
 * @property {() => Promise<UserResource>} reloadUser fetch the user and update the state
 * @property {(params: SetActiveParams) => Promise<void>} setActive
 * @property {() => string | null} rpId the relying party id, once loaded
 */

/**
 * What resources talk to instead of the `Latchkey` instance: Frontend API
 * calls, session tokens, the passkey memory and signals, and the client
 * state a resource acts on.
 */
export class LatchkeyApi {
  /**
   * @param {{ frontendApi: string, fetch?: typeof fetch, sessionCookie?: boolean }} options
   * @param {ApiState} state
   */
  constructor({ frontendApi, fetch: fetchImpl, sessionCookie = true }, state) {
    /** @readonly @type {string} */
    this.frontendApi = frontendApi;
    /** @private Whether the current session's token goes to the `__session` cookie. */
    this.sessionCookie = sessionCookie;
    /** @private */
    this.fetchImpl = fetchImpl;
    /** @private */
    this.state = state;
    /** Session tokens, per session id. */
    this.tokens = new TokenCache();
    /** @private @type {Map<string, Promise<string | null>>} */
    this.tokenRequests = new Map();
    /** @private @type {Promise<unknown>} Requests that may create the client, in order. */
    this.clientCreation = Promise.resolve();
    /** What this browser learnt about passkeys, and the signals that use it. */
    this.passkeys = new PasskeyMemory(state.rpId);
  }

  /**
   * Write (or, with null, clear) the `__session` cookie, unless this SDK was made
   * with `sessionCookie: false`.
   * @param {string | null} jwt
   */
  writeSessionCookie(jwt) {
    if (this.sessionCookie) writeSessionCookie(jwt);
  }

  /**
   * Make a Frontend API call. PATCH and DELETE are tunnelled through POST
   * (`?_method=`) and bodies are form-encoded, so cross-origin calls stay
   * "simple" requests without a CORS preflight.
   * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
   * @param {string} path below `/v1`
   * @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async request(method, path, { body, me = false, raw = false, quiet = false } = {}) {
    const url = new URL(`${this.frontendApi}/v1${path}`);
    if (method === 'PATCH' || method === 'DELETE') url.searchParams.set('_method', method);
    const sessionId = this.state.sessionId();
    if (me && sessionId) url.searchParams.set('_latchkey_session_id', sessionId);
    /** @type {RequestInit} */
    const init = { method: method === 'GET' ? 'GET' : 'POST', credentials: 'include' };
    if (init.method === 'POST') {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(body ?? {})) {
        if (value !== undefined && value !== null) form.set(key, String(value));
      }
      init.body = form;
    }
    /** @type {Response} */
    let res;
    try {
      res = await this.send(url, init);
    } catch (error) {
      throw new LatchkeyAPIResponseError(0, [
        {
          code: 'network_error',
          message: 'The Latchkey server could not be reached',
          longMessage: `The request to ${url.origin} failed: ${/** @type {any} */ (error)?.message ?? error}`,
          meta: {},
        },
      ]);
    }
    /** @type {any} */
    let json = null;
    const text = await res.text();
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!res.ok) throw errorFromResponse(res, json);
    if (raw || !json || typeof json !== 'object' || !('response' in json)) return json;
    if ('client' in json) this.state.applyClient(json.client, quiet);
    return json.response;
  }

  /**
   * Send a request. While this browser has no client yet, state-changing
   * requests go one at a time: each of them may create a client and set its
   * `__client` cookie, and two racing ones (say a background autofill sign-in
   * and a sign-up) would create two clients, the later cookie winning and
   * orphaning the other's session.
   * @private
   * @param {URL} url
   * @param {RequestInit} init
   * @returns {Promise<Response>}
   */
  async send(url, init) {
    const fetchImpl = this.fetchImpl ?? globalThis.fetch;
    if (init.method !== 'POST' || this.state.client()) return fetchImpl(url.toString(), init);
    const previous = this.clientCreation;
    /** @type {() => void} */
    let release = () => {};
    const mine = new Promise((resolve) => {
      release = () => resolve(undefined);
    });
    this.clientCreation = previous.then(() => mine);
    await previous;
    try {
      return await fetchImpl(url.toString(), init);
    } finally {
      release();
    }
  }

  /**
   * A session token: the cached one while it is fresh, else a new one
   * (`POST /v1/client/sessions/{id}/tokens`); concurrent calls share one
   * request. The current session's token is also written to the `__session` cookie.
   * @param {string} sessionId
   * @param {{ skipCache?: boolean }} [options]
   * @returns {Promise<string | null>}
   */
  async getToken(sessionId, { skipCache = false } = {}) {
    if (!skipCache) {
      const cached = this.tokens.get(sessionId);
      if (cached) {
        if (sessionId === this.state.sessionId()) this.writeSessionCookie(cached);
        return cached;
      }
      const inFlight = this.tokenRequests.get(sessionId);
      if (inFlight) return inFlight;
    }
    const request = (async () => {
      try {
        const data = await this.request('POST', `/client/sessions/${encodeURIComponent(sessionId)}/tokens`);
        const jwt = typeof data?.jwt === 'string' ? data.jwt : null;
        if (jwt) {
          this.tokens.set(sessionId, jwt);
          if (sessionId === this.state.sessionId()) this.writeSessionCookie(jwt);
        }
        return jwt;
      } catch (error) {
        if (error instanceof LatchkeyAPIResponseError && error.status === 401) {
          this.forgetToken(sessionId);
          if (sessionId === this.state.sessionId()) this.writeSessionCookie(null);
        }
        throw error;
      } finally {
        this.tokenRequests.delete(sessionId);
      }
    })();
    this.tokenRequests.set(sessionId, request);
    return request;
  }

  /** @param {string} sessionId */
  forgetToken(sessionId) {
    this.tokens.clear(sessionId);
  }

  /** The client, or null before one exists. @returns {ClientResource | null} */
  client() {
    return this.state.client();
  }

  /** The signed-in user, or null. @returns {UserResource | null} */
  user() {
    return this.state.user();
  }

  /**
   * Fetch the user again (`GET /v1/me`) and update the state.
   * @returns {Promise<UserResource>}
   */
  reloadUser() {
    return this.state.reloadUser();
  }

  /**
   * Reload the user after a change; a failure here must not hide the change's success.
   * @returns {Promise<UserResource | null>}
   */
  async reloadUserQuietly() {
    try {
      return await this.state.reloadUser();
    } catch {
      return null;
    }
  }

  /**
   * Make a session the current one (see `Latchkey#setActive`).
   * @param {SetActiveParams} params
   * @returns {Promise<void>}
   */
  setActive(params) {
    return this.state.setActive(params);
  }

  /**
   * The client's sign-in when it is past its first factor and its session is
   * still alive — an autofill request must leave it alone.
   * @returns {SignInResource | null}
   */
  signInPastFirstFactor() {
    const client = this.state.client();
    const signIn = client?.signIn;
    if (!signIn || !signIn.status) return null;
    if (signIn.status === 'needs_identifier' || signIn.status === 'needs_first_factor' || signIn.status === 'abandoned') {
      return null;
    }
    if (signIn.status === 'complete') {
      const alive = client?.activeSessions.some((s) => s.id === signIn.createdSessionId);
      return alive && signIn.createdSessionId !== this.state.sessionId() ? signIn : null;
    }
    return signIn;
  }
}
