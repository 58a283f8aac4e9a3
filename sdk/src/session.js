// @ts-check
/**
 * A session of the signed-in user.
 *
 * @module latchkey/session
 */
import { UserResource } from './user.js';
import { toDate } from './wire.js';

/** @typedef {import('./api.js').LatchkeyApi} LatchkeyApi */

/** @typedef {'active' | 'pending' | 'ended' | 'expired' | 'removed' | 'revoked' | 'abandoned'} SessionStatus */

/** A session of the signed-in user on this client. */
export class SessionResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `session`
   */
  constructor(api, data) {
    /** Internal: what the resource talks to. */
    this._api = api;
    /** @type {string} */
    this.id = data.id;
    /** @type {SessionStatus} */
    this.status = data.status;
    /** @type {UserResource | null} */
    this.user = data.user ? new UserResource(api, data.user) : null;
    /** @type {{ key: string }[] | null} */
    this.tasks = Array.isArray(data.tasks) ? data.tasks : null;
    /** @type {{ object: 'token', jwt: string } | null} */
    this.lastActiveToken = data.last_active_token ?? null;
    /** @type {Date | null} */
    this.lastActiveAt = toDate(data.last_active_at);
    /** @type {Date | null} */
    this.expireAt = toDate(data.expire_at);
    /** @type {Date | null} */
    this.abandonAt = toDate(data.abandon_at);
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
  }

  /** The first pending task (e.g. `{ key: 'setup-passkey' }`), or null. @returns {{ key: string } | null} */
  get currentTask() {
    return this.tasks?.[0] ?? null;
  }

  /**
   * A session token (JWT) for the app's backend: the cached one while it has
   * more than ~15 s left, else a new one (`POST /v1/client/sessions/{id}/tokens`).
   * The token is also written to the `__session` cookie of the page's origin.
   * @param {{ skipCache?: boolean }} [options]
   * @returns {Promise<string | null>} null when the session is not active or pending
   */
  async getToken(options = {}) {
    return this._api.getToken(this.id, options);
  }

  /**
   * End this session (`POST /v1/client/sessions/{id}/end`).
   * @returns {Promise<SessionResource>}
   */
  async end() {
    const api = this._api;
    const data = await api.request('POST', `/client/sessions/${encodeURIComponent(this.id)}/end`);
    api.forgetToken(this.id);
    return new SessionResource(api, data);
  }

  /**
   * Revoke this session, on whichever client it lives (`POST /v1/me/sessions/{id}/revoke`).
   * @returns {Promise<SessionResource>}
   */
  async revoke() {
    const api = this._api;
    const data = await api.request('POST', `/me/sessions/${encodeURIComponent(this.id)}/revoke`, { me: true });
    api.forgetToken(this.id);
    return new SessionResource(api, data);
  }

  /**
   * Mark this session as the client's last active one (`POST /v1/client/sessions/{id}/touch`).
   * @returns {Promise<SessionResource>}
   */
  async touch() {
    const api = this._api;
    const data = await api.request('POST', `/client/sessions/${encodeURIComponent(this.id)}/touch`);
    return new SessionResource(api, data);
  }
}
