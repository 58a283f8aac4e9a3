// @ts-check
/**
 * The browser's client: its sessions and the sign-in / sign-up in progress.
 *
 * @module latchkey/client
 */
import { SessionResource } from './session.js';
import { SignInResource } from './sign-in.js';
import { SignUpResource } from './sign-up.js';
import { toDate } from './wire.js';

/** @typedef {import('./api.js').LatchkeyApi} LatchkeyApi */

/** The browser's client: its sessions and the sign-in / sign-up in progress. */
export class ClientResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `client`
   */
  constructor(api, data) {
    /** @type {string} */
    this.id = data.id;
    /** @type {SessionResource[]} */
    this.sessions = (data.sessions ?? []).map(
      (/** @type {any} */ s) => new SessionResource(api, s),
    );
    /** @type {SignInResource | null} */
    this.signIn = data.sign_in ? new SignInResource(api, data.sign_in) : null;
    /** @type {SignUpResource | null} */
    this.signUp = data.sign_up ? new SignUpResource(api, data.sign_up) : null;
    /** @type {string | null} */
    this.lastActiveSessionId = data.last_active_session_id ?? null;
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
  }

  /** Sessions that can be used (`active` or `pending`). @returns {SessionResource[]} */
  get activeSessions() {
    return this.sessions.filter((s) => s.status === 'active' || s.status === 'pending');
  }
}
