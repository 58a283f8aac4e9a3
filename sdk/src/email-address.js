// @ts-check
/**
 * An email address of the signed-in user, and its verification by an emailed code.
 *
 * @module latchkey/email-address
 */
import { verificationOrNull } from './verification.js';
import { toDate } from './wire.js';

/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */

/** An email address of the signed-in user. */
export class EmailAddressResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `email_address`
   */
  constructor(api, data) {
    /** Internal: what the resource talks to. */
    this._api = api;
    /** @type {string} */
    this.id = data.id;
    /** @type {string} */
    this.emailAddress = data.email_address;
    /** @type {VerificationResource | null} null until a code was first sent. */
    this.verification = verificationOrNull(data.verification);
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
  }

  /**
   * Mail a one-time code to this address
   * (`POST /v1/me/email_addresses/{id}/prepare_verification`); a new code
   * replaces the previous one.
   * @param {{ strategy: 'email_code' }} [params]
   * @returns {Promise<EmailAddressResource>}
   */
  async prepareVerification({ strategy } = { strategy: 'email_code' }) {
    return this._call('prepare_verification', { strategy });
  }

  /**
   * Send the code the user received
   * (`POST /v1/me/email_addresses/{id}/attempt_verification`). A wrong code
   * throws `form_code_incorrect`; the third wrong one fails the verification.
   * @param {{ code: string }} params
   * @returns {Promise<EmailAddressResource>} the address, verified
   */
  async attemptVerification({ code }) {
    return this._call('attempt_verification', { strategy: 'email_code', code });
  }

  /**
   * Remove this address (`DELETE /v1/me/email_addresses/{id}`), then refresh the user.
   * The primary address can be removed only once another one is primary.
   * @returns {Promise<{ object: string, id: string, deleted: boolean }>}
   */
  async destroy() {
    const api = this._api;
    const data = await api.request('DELETE', `/me/email_addresses/${encodeURIComponent(this.id)}`, { me: true });
    await api.reloadUserQuietly();
    return { object: data?.object ?? 'email_address', id: data?.id ?? this.id, deleted: data?.deleted ?? true };
  }

  toString() {
    return this.emailAddress;
  }

  /**
   * Internal: a POST on this address, then a refresh of the user.
   * @param {string} action
   * @param {Record<string, string>} body
   * @returns {Promise<EmailAddressResource>}
   */
  async _call(action, body) {
    const api = this._api;
    const data = await api.request('POST', `/me/email_addresses/${encodeURIComponent(this.id)}/${action}`, {
      body,
      me: true,
    });
    await api.reloadUserQuietly();
    return new EmailAddressResource(api, data);
  }
}
