// @ts-check
/**
 * A sign-in attempt.
 *
 * @module latchkey/sign-in
 */
import { isConditionalMediationAvailable, isWebAuthnSupported, runAuthenticationCeremony } from './ceremonies.js';
import { LatchkeyAPIResponseError, unexpectedResponse, webAuthnNotSupported } from './errors.js';
import { verificationOrNull } from './verification.js';
import { camelKeys, toDate } from './wire.js';

/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */

/** @typedef {'needs_identifier' | 'needs_first_factor' | 'complete' | 'abandoned'} SignInStatus */

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
    /** @type {{ strategy: string }[]} */
    this.supportedFirstFactors = Array.isArray(d.supported_first_factors)
      ? d.supported_first_factors.map(camelKeys)
      : [];
    /** @type {VerificationResource | null} */
    this.firstFactorVerification = verificationOrNull(d.first_factor_verification);
    /** @type {string | null} */
    this.createdSessionId = d.created_session_id ?? null;
    /** @type {Date | null} */
    this.abandonAt = toDate(d.abandon_at);
  }

  /**
   * Start a sign-in (`POST /v1/client/sign_ins`): with `identifier` (username or
   * email) for identifier-first sign-in, or with `strategy: 'passkey'` for a
   * discoverable one.
   * @param {{ identifier?: string, strategy?: 'passkey' }} params
   * @returns {Promise<SignInResource>}
   */
  async create(params) {
    const api = this._api;
    const data = await api.request('POST', '/client/sign_ins', { body: params });
    return new SignInResource(api, data);
  }

  /**
   * Get the passkey request options for this sign-in's user
   * (`POST /v1/client/sign_ins/{id}/prepare_first_factor`).
   * @param {{ strategy: 'passkey' }} [params]
   * @returns {Promise<SignInResource>}
   */
  async prepareFirstFactor(params = { strategy: 'passkey' }) {
    const api = this._api;
    const data = await api.request('POST', `/client/sign_ins/${this._requireId()}/prepare_first_factor`, {
      body: params,
    });
    return new SignInResource(api, data);
  }

  /**
   * Send the passkey assertion (`POST /v1/client/sign_ins/{id}/attempt_first_factor`).
   * @param {{ strategy: 'passkey', publicKeyCredential: string | object }} params
   * @returns {Promise<SignInResource>}
   */
  async attemptFirstFactor({ strategy, publicKeyCredential }) {
    const api = this._api;
    const credential =
      typeof publicKeyCredential === 'string' ? publicKeyCredential : JSON.stringify(publicKeyCredential);
    const data = await api.request('POST', `/client/sign_ins/${this._requireId()}/attempt_first_factor`, {
      body: { strategy, public_key_credential: credential },
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
