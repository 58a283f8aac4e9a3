/**
 * @param {any} data
 * @returns {VerificationResource | null}
 */
export function verificationOrNull(data: any): VerificationResource | null;
/** A passkey challenge and its state. */
export class VerificationResource {
    /** @param {any} data wire object `verification_passkey` */
    constructor(data: any);
    /** @type {'unverified' | 'verified' | 'failed' | 'expired'} */
    status: "unverified" | "verified" | "failed" | "expired";
    /** @type {string} */
    strategy: string;
    /** @type {string | null} JSON text of the WebAuthn options while unverified. */
    nonce: string | null;
    /** @type {number | null} */
    attempts: number | null;
    /** @type {Date | null} */
    expireAt: Date | null;
}
