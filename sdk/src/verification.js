// @ts-check
/**
 * The state of a passkey challenge or an emailed one-time code, as resources
 * carry it, and the bodies of the calls that prepare and answer one.
 *
 * @module latchkey/verification
 */
import { toDate } from './wire.js';

/** @typedef {'unverified' | 'verified' | 'failed' | 'expired'} VerificationStatus */

/**
 * A passkey challenge (`strategy: 'passkey'`) or an emailed code
 * (`strategy: 'email_code'`: failed after three wrong codes, expired ten
 * minutes after it was sent), and its state.
 */
export class VerificationResource {
  /** @param {any} data wire object `verification_passkey` or `verification_email_code` */
  constructor(data) {
    /** @type {VerificationStatus} */
    this.status = data.status;
    /** @type {'passkey' | 'email_code'} */
    this.strategy = data.strategy;
    /** @type {string | null} JSON text of the WebAuthn options while a passkey challenge is unverified. */
    this.nonce = data.nonce ?? null;
    /** @type {number | null} */
    this.attempts = data.attempts ?? null;
    /** @type {Date | null} */
    this.expireAt = toDate(data.expire_at);
  }
}

/**
 * @param {any} data
 * @returns {VerificationResource | null}
 */
export function verificationOrNull(data) {
  return data ? new VerificationResource(data) : null;
}

/**
 * The body of an `attempt_*` call: a passkey credential as JSON text, or an emailed code.
 * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
 * @returns {Record<string, string>}
 */
export function attemptBody(params) {
  if (params.strategy === 'email_code') return { strategy: params.strategy, code: params.code };
  const credential = params.publicKeyCredential;
  return {
    strategy: params.strategy,
    public_key_credential: typeof credential === 'string' ? credential : JSON.stringify(credential),
  };
}

/**
 * The body of a `prepare_*` call: a passkey challenge, or a code mailed to an address.
 * @param {{ strategy: 'passkey' } | { strategy: 'email_code', emailAddressId?: string }} params
 * @returns {Record<string, string | undefined>}
 */
export function prepareBody(params) {
  if (params.strategy === 'email_code') return { strategy: params.strategy, email_address_id: params.emailAddressId };
  return { strategy: params.strategy };
}
