// @ts-check
/**
 * A sign-up attempt.
 *
 * @module latchkey/sign-up
 */
import { isWebAuthnSupported, runRegistrationCeremony } from './ceremonies.js';
import { unexpectedResponse, webAuthnNotSupported } from './errors.js';
import { attemptBody, verificationOrNull } from './verification.js';
import { toDate } from './wire.js';

/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */

/** @typedef {'missing_requirements' | 'complete' | 'abandoned'} SignUpStatus */

/** A sign-up attempt. An empty one (no `id`) can still `create()`. */
export class SignUpResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `sign_up_attempt`, or null for an empty resource
   */
  constructor(api, data) {
    /** Internal: what the resource talks to. */
    this._api = api;
    const d = data ?? {};
    /** @type {string | null} */
    this.id = d.id ?? null;
    /** @type {SignUpStatus | null} */
    this.status = d.status ?? null;
    /** @type {string | null} */
    this.username = d.username ?? null;
    /** @type {string | null} */
    this.emailAddress = d.email_address ?? null;
    /** @type {string | null} */
    this.firstName = d.first_name ?? null;
    /** @type {string | null} */
    this.lastName = d.last_name ?? null;
    /** @type {string[]} */
    this.missingFields = Array.isArray(d.missing_fields) ? d.missing_fields : [];
    /** @type {string[]} e.g. `['email_address']` while a required address is unverified. */
    this.unverifiedFields = Array.isArray(d.unverified_fields) ? d.unverified_fields : [];
    /** @type {VerificationResource | null} The passkey challenge of a passkey-first sign-up. */
    this.verification = verificationOrNull(d.verification);
    /** @type {{ emailAddress: VerificationResource | null }} The code mailed to the sign-up's address. */
    this.verifications = { emailAddress: verificationOrNull(d.verifications?.email_address) };
    /** @type {string | null} */
    this.createdUserId = d.created_user_id ?? null;
    /** @type {string | null} */
    this.createdSessionId = d.created_session_id ?? null;
    /** @type {Date | null} */
    this.abandonAt = toDate(d.abandon_at);
  }

  /**
   * Sign up with a username (`POST /v1/client/sign_ups`). A `complete` sign-up
   * has `createdSessionId`; pass it to `latchkey.setActive()`.
   * @param {{ username?: string, emailAddress?: string, firstName?: string, lastName?: string, strategy?: 'passkey' }} params
   * @returns {Promise<SignUpResource>}
   */
  async create(params) {
    const api = this._api;
    const data = await api.request('POST', '/client/sign_ups', {
      body: {
        strategy: params.strategy,
        username: params.username,
        email_address: params.emailAddress,
        first_name: params.firstName,
        last_name: params.lastName,
      },
    });
    return new SignUpResource(api, data);
  }

  /**
   * Mail a one-time code to the sign-up's email address
   * (`POST /v1/client/sign_ups/{id}/prepare_verification`).
   * @param {{ strategy: 'email_code' }} [params]
   * @returns {Promise<SignUpResource>}
   */
  async prepareEmailAddressVerification({ strategy } = { strategy: 'email_code' }) {
    return this._post('prepare_verification', { strategy });
  }

  /**
   * Send the code mailed to the sign-up's address; the sign-up completes once
   * nothing else is missing.
   * @param {{ code: string }} params
   * @returns {Promise<SignUpResource>}
   */
  async attemptEmailAddressVerification({ code }) {
    return this.attemptVerification({ strategy: 'email_code', code });
  }

  /**
   * Finish a verification of this sign-up
   * (`POST /v1/client/sign_ups/{id}/attempt_verification`): the passkey created
   * for a passkey-first sign-up, or the code mailed to its address.
   * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
   * @returns {Promise<SignUpResource>}
   */
  async attemptVerification(params) {
    return this._post('attempt_verification', attemptBody(params));
  }

  /**
   * Passkey-first sign-up: start a sign-up with `strategy=passkey`, create the
   * passkey in the browser, finish the sign-up, and make the new session active.
   * An `emailAddress` is added unverified, to verify later through the user's
   * `emailAddresses` (a server that requires it verified first refuses this
   * flow with `form_identifier_not_verified`).
   * @param {{ username?: string, emailAddress?: string }} [params]
   * @returns {Promise<SignUpResource>}
   */
  async createWithPasskey({ username, emailAddress } = {}) {
    const api = this._api;
    if (!isWebAuthnSupported()) throw webAuthnNotSupported();
    const started = await this.create({
      strategy: 'passkey',
      username: username || undefined,
      emailAddress: emailAddress || undefined,
    });
    const nonce = started.verification?.nonce;
    if (!nonce) throw unexpectedResponse('The sign-up carried no passkey creation options');
    const ceremony = await runRegistrationCeremony(nonce);
    const done = await started.attemptVerification({
      strategy: 'passkey',
      publicKeyCredential: ceremony.credential,
    });
    if (done.createdUserId && ceremony.userHandle) {
      api.passkeys.rememberUserHandle(done.createdUserId, ceremony.userHandle);
    }
    if (done.status === 'complete' && done.createdSessionId) {
      await api.setActive({ session: done.createdSessionId });
      const passkeys = api.user()?.passkeys ?? [];
      if (passkeys.length === 1) api.passkeys.rememberCredential(passkeys[0].id, ceremony.credentialId);
    }
    return done;
  }

  /**
   * Internal: a POST on this sign-up.
   * @param {string} action
   * @param {Record<string, string>} body
   * @returns {Promise<SignUpResource>}
   */
  async _post(action, body) {
    const api = this._api;
    if (!this.id) throw unexpectedResponse('This sign-up has not been created yet');
    const data = await api.request('POST', `/client/sign_ups/${encodeURIComponent(this.id)}/${action}`, { body });
    return new SignUpResource(api, data);
  }
}
