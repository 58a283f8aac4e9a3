// @ts-check
/**
 * The signed-in user.
 *
 * @module latchkey/user
 */
import { runRegistrationCeremony } from './ceremonies.js';
import { EmailAddressResource } from './email-address.js';
import { unexpectedResponse } from './errors.js';
import { PasskeyResource } from './passkey.js';
import { SessionResource } from './session.js';
import { toDate } from './wire.js';

/** @typedef {import('./api.js').LatchkeyApi} LatchkeyApi */

/** The signed-in user. */
export class UserResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `user`
   */
  constructor(api, data) {
    /** Internal: what the resource talks to. */
    this._api = api;
    /** @type {string} */
    this.id = data.id;
    /** @type {string | null} */
    this.username = data.username ?? null;
    /** @type {string | null} */
    this.firstName = data.first_name ?? null;
    /** @type {string | null} */
    this.lastName = data.last_name ?? null;
    /** @type {EmailAddressResource[]} Primary first. */
    this.emailAddresses = (data.email_addresses ?? []).map(
      (/** @type {any} */ e) => new EmailAddressResource(api, e),
    );
    /** @type {string | null} */
    this.primaryEmailAddressId = data.primary_email_address_id ?? null;
    /** @type {PasskeyResource[]} */
    this.passkeys = (data.passkeys ?? []).map(
      (/** @type {any} */ p) => new PasskeyResource(api, p),
    );
    /** @type {Date | null} */
    this.lastSignInAt = toDate(data.last_sign_in_at);
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
  }

  /** `firstName lastName`, or null when neither is set. @returns {string | null} */
  get fullName() {
    const name = [this.firstName, this.lastName].filter(Boolean).join(' ');
    return name || null;
  }

  /** The primary email address, or null. @returns {EmailAddressResource | null} */
  get primaryEmailAddress() {
    return this.emailAddresses.find((e) => e.id === this.primaryEmailAddressId) ?? null;
  }

  /**
   * Add an email address (`POST /v1/me/email_addresses`), unverified: call its
   * `prepareVerification()` to mail it a code. Reloads the user.
   * @param {{ email: string }} params
   * @returns {Promise<EmailAddressResource>}
   */
  async createEmailAddress({ email }) {
    const api = this._api;
    const data = await api.request('POST', '/me/email_addresses', { body: { email_address: email }, me: true });
    await api.reloadUserQuietly();
    return new EmailAddressResource(api, data);
  }

  /**
   * Change the user (`PATCH /v1/me`): `primaryEmailAddressId` must name a
   * verified address of theirs. Reloads the user.
   * @param {{ primaryEmailAddressId?: string }} params
   * @returns {Promise<UserResource>}
   */
  async update({ primaryEmailAddressId }) {
    const api = this._api;
    const data = await api.request('PATCH', '/me', {
      body: { primary_email_address_id: primaryEmailAddressId },
      me: true,
    });
    await api.reloadUserQuietly();
    return new UserResource(api, data);
  }

  /**
   * Register a new passkey for this user: start a registration
   * (`POST /v1/me/passkeys`), run `navigator.credentials.create()`, and finish it
   * (`POST /v1/me/passkeys/{id}/attempt_verification`). Reloads the user.
   * @returns {Promise<PasskeyResource>} the verified, named passkey
   */
  async createPasskey() {
    const api = this._api;
    const started = await api.request('POST', '/me/passkeys', { me: true });
    const nonce = started?.verification?.nonce;
    if (!nonce) throw unexpectedResponse('The passkey registration carried no creation options');
    const ceremony = await runRegistrationCeremony(nonce);
    const data = await api.request(
      'POST',
      `/me/passkeys/${encodeURIComponent(started.id)}/attempt_verification`,
      { body: { strategy: 'passkey', public_key_credential: ceremony.credential }, me: true },
    );
    api.passkeys.rememberCredential(data.id, ceremony.credentialId);
    if (ceremony.userHandle) api.passkeys.rememberUserHandle(this.id, ceremony.userHandle);
    const passkey = new PasskeyResource(api, data);
    await api.reloadUserQuietly();
    return passkey;
  }

  /**
   * Fetch the user again (`GET /v1/me`) and update the SDK's state.
   * @returns {Promise<UserResource>}
   */
  async reload() {
    return this._api.reloadUser();
  }

  /**
   * The user's active sessions on every client (`GET /v1/me/sessions`).
   * @returns {Promise<SessionResource[]>}
   */
  async getSessions() {
    const api = this._api;
    const data = await api.request('GET', '/me/sessions', { me: true });
    return (Array.isArray(data) ? data : []).map((s) => new SessionResource(api, s));
  }
}
