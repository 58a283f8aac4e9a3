// @ts-check
/**
 * The state of a passkey challenge, as resources carry it.
 *
 * @module latchkey/verification
 */
import { toDate } from './wire.js';

/** A passkey challenge and its state. */
export class VerificationResource {
  /** @param {any} data wire object `verification_passkey` */
  constructor(data) {
    /** @type {'unverified' | 'verified' | 'failed' | 'expired'} */
    this.status = data.status;
    /** @type {string} */
    this.strategy = data.strategy;
    /** @type {string | null} JSON text of the WebAuthn options while unverified. */
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
