// @ts-check
/**
 * A session of the signed-in user.
 *
 * @module latchkey/session
 */
import { runAuthenticationCeremony } from './ceremonies.js';
import { unexpectedResponse } from './errors.js';
import { SessionVerificationResource } from './session-verification.js';
import { UserResource } from './user.js';
import { attemptBody, prepareBody } from './verification.js';
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
    /**
     * `[minutes, -1]`: minutes since the user last proved a factor (sign-in or
     * step-up), or null when unknown.
     * @type {[number, number] | null}
     */
    this.factorVerificationAge = Array.isArray(data.factor_verification_age) ? data.factor_verification_age : null;
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

  /**
   * Start a step-up (`POST /v1/client/sessions/{id}/verify`): the user will
   * prove a first factor again, for actions the server guards with
   * `session_reverification_required` (see `isReverificationRequired`).
   * @param {{ level?: 'first_factor' }} [params]
   * @returns {Promise<SessionVerificationResource>} `needs_first_factor`
   */
  async startVerification({ level = 'first_factor' } = {}) {
    return this._verify('', { level });
  }

  /**
   * Prepare the step-up's factor (`POST /v1/client/sessions/{id}/verify/prepare_first_factor`):
   * passkey request options allowing the user's passkeys, or a code mailed to
   * one of their addresses.
   * @param {{ strategy: 'passkey' } | { strategy: 'email_code', emailAddressId?: string }} params
   * @returns {Promise<SessionVerificationResource>}
   */
  async prepareFirstFactorVerification(params) {
    return this._verify('/prepare_first_factor', prepareBody(params));
  }

  /**
   * Prove the step-up's factor (`POST /v1/client/sessions/{id}/verify/attempt_first_factor`)
   * with a passkey assertion or the mailed code. When `complete`, the
   * session's `factorVerificationAge` is `[0, -1]`.
   * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
   * @returns {Promise<SessionVerificationResource>}
   */
  async attemptFirstFactorVerification(params) {
    return this._verify('/attempt_first_factor', attemptBody(params));
  }

  /**
   * Step up with a passkey: start a verification, run `navigator.credentials.get()`
   * with the options it gives, and send the assertion. Retry the guarded action then.
   * @returns {Promise<SessionVerificationResource>} `complete`
   */
  async verifyWithPasskey() {
    await this.startVerification();
    const prepared = await this.prepareFirstFactorVerification({ strategy: 'passkey' });
    const nonce = prepared.firstFactorVerification?.nonce;
    if (!nonce) throw unexpectedResponse('The verification carried no passkey request options');
    const ceremony = await runAuthenticationCeremony(nonce);
    return this.attemptFirstFactorVerification({ strategy: 'passkey', publicKeyCredential: ceremony.credential });
  }

  /**
   * Internal: a POST under `/v1/client/sessions/{id}/verify`.
   * @param {string} action
   * @param {Record<string, string | undefined>} body
   * @returns {Promise<SessionVerificationResource>}
   */
  async _verify(action, body) {
    const api = this._api;
    const data = await api.request('POST', `/client/sessions/${encodeURIComponent(this.id)}/verify${action}`, { body });
    return new SessionVerificationResource(api, data);
  }
}
