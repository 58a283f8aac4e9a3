// @ts-check
/**
 * A sign-in attempt.
 *
 * @module latchkey/sign-in
 */
import { isConditionalMediationAvailable, isWebAuthnSupported, runAuthenticationCeremony } from './ceremonies.js';
import { LatchkeyAPIResponseError, unexpectedResponse, webAuthnNotSupported } from './errors.js';
import { attemptBody, prepareBody, verificationOrNull } from './verification.js';
import { camelKeys, toDate } from './wire.js';

/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */

/** @typedef {'needs_identifier' | 'needs_first_factor' | 'complete' | 'abandoned'} SignInStatus */

/**
 * A way the identified user can prove who they are: `passkey`, or
 * `email_code` with the address's id and its masked form (`a***@example.com`).
 * @typedef {object} SignInFactor
 * @property {'passkey' | 'email_code'} strategy
 * @property {string} [emailAddressId]
 * @property {string} [safeIdentifier]
 */

/** A sign-in attempt. An empty one (no `id`) can still `create()`. */
export class SignInResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `sign_in_attempt`, or null for an empty resource
   */
  constructor(api, data) {
    /** Internal: what the resource talks to. */
    this._api = api;
    const d = data ?? {};
    /** @type {string | null} */
    this.id = d.id ?? null;
    /** @type {SignInStatus | null} */
    this.status = d.status ?? null;
    /** @type {string | null} */
    this.identifier = d.identifier ?? null;
    /** @type {SignInFactor[]} */
    this.supportedFirstFactors = Array.isArray(d.supported_first_factors)
      ? d.supported_first_factors.map((/** @type {any} */ f) => /** @type {SignInFactor} */ (camelKeys(f)))
      : [];
    /** @type {VerificationResource | null} The factor prepared last: a passkey challenge or an emailed code. */
    this.firstFactorVerification = verificationOrNull(d.first_factor_verification);
    /** @type {string | null} */
    this.createdSessionId = d.created_session_id ?? null;
    /** @type {Date | null} */
    this.abandonAt = toDate(d.abandon_at);
  }

  /**
   * Start a sign-in (`POST /v1/client/sign_ins`): with `identifier` (username or
   * email) for identifier-first sign-in, with `strategy: 'passkey'` for a
   * discoverable one, or with an email address as `identifier` and
   * `strategy: 'email_code'` to mail a code at once (an unknown address gets
   * the same answer, and no mail).
   * @param {{ identifier?: string, strategy?: 'passkey' | 'email_code' }} params
   * @returns {Promise<SignInResource>}
   */
  async create(params) {
    const api = this._api;
    const data = await api.request('POST', '/client/sign_ins', { body: params });
    return new SignInResource(api, data);
  }

  /**
   * Prepare a first factor (`POST /v1/client/sign_ins/{id}/prepare_first_factor`):
   * the passkey request options for this sign-in's user, or a code mailed to
   * one of their addresses (`emailAddressId` from `supportedFirstFactors`).
   * @param {{ strategy: 'passkey' } | { strategy: 'email_code', emailAddressId?: string }} [params]
   * @returns {Promise<SignInResource>}
   */
  async prepareFirstFactor(params = { strategy: 'passkey' }) {
    const api = this._api;
    const data = await api.request('POST', `/client/sign_ins/${this._requireId()}/prepare_first_factor`, {
      body: prepareBody(params),
    });
    return new SignInResource(api, data);
  }

  /**
   * Prove the first factor (`POST /v1/client/sign_ins/{id}/attempt_first_factor`)
   * with a passkey assertion or the mailed code. A `complete` sign-in has
   * `createdSessionId`; after an email code its session may be `pending` with
   * the `setup-passkey` task until the user creates a passkey.
   * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
   * @returns {Promise<SignInResource>}
   */
  async attemptFirstFactor(params) {
    const api = this._api;
    const data = await api.request('POST', `/client/sign_ins/${this._requireId()}/attempt_first_factor`, {
      body: attemptBody(params),
    });
    return new SignInResource(api, data);
  }

  /**
   * Sign in with a passkey.
   * - `flow: 'discoverable'` starts a new sign-in and lets the user pick any passkey;
   * - `flow: 'autofill'` does the same through the browser's autofill
   *   (conditional mediation) — or a modal request where that is unavailable —
   *   and never replaces a sign-in that is already past its first factor;
   * - no flow, on a sign-in created with an identifier: asks for that user's passkeys.
   *
   * The returned sign-in is `complete` with `createdSessionId`; pass it to
   * `latchkey.setActive()`.
   * @param {{ flow?: 'discoverable' | 'autofill' }} [params]
   * @returns {Promise<SignInResource>}
   */
  async authenticateWithPasskey({ flow } = {}) {
    const api = this._api;
    if (!isWebAuthnSupported()) throw webAuthnNotSupported();
    /** @type {SignInResource} */
    let attempt;
    /** @type {CredentialMediationRequirement | undefined} */
    let mediation;
    if (!flow && this.id && this.status === 'needs_first_factor' && this.identifier) {
      attempt = await this.prepareFirstFactor({ strategy: 'passkey' });
    } else {
      if (flow === 'autofill') {
        const kept = api.signInPastFirstFactor();
        if (kept) return kept;
        if (await isConditionalMediationAvailable()) mediation = 'conditional';
      }
      attempt = await this.create({ strategy: 'passkey' });
    }
    const nonce = attempt.firstFactorVerification?.nonce;
    if (!nonce) throw unexpectedResponse('The sign-in carried no passkey request options');
    const ceremony = await runAuthenticationCeremony(nonce, { mediation });
    if (flow === 'autofill') {
      // The user may have finished another sign-in while the autofill request waited.
      const kept = api.signInPastFirstFactor();
      if (kept) return kept;
    }
    /** @type {SignInResource} */
    let result;
    try {
      result = await attempt.attemptFirstFactor({
        strategy: 'passkey',
        publicKeyCredential: ceremony.credential,
      });
    } catch (error) {
      if (error instanceof LatchkeyAPIResponseError && error.code === 'passkey_not_registered') {
        // WebAuthn L3 §5.1.10: let the provider hide a credential the server no longer knows.
        await api.passkeys.signalUnknownCredential(ceremony.credentialId);
      }
      throw error;
    }
    if (ceremony.userHandle && result.createdSessionId) {
      const session = api.client()?.sessions.find((s) => s.id === result.createdSessionId);
      if (session?.user) api.passkeys.rememberUserHandle(session.user.id, ceremony.userHandle);
    }
    return result;
  }

  /**
   * Internal.
   * @returns {string}
   */
  _requireId() {
    if (!this.id) throw unexpectedResponse('This sign-in has not been created yet');
    return encodeURIComponent(this.id);
  }
}
