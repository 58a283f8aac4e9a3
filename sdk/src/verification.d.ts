/**
 * @param {any} data
 * @returns {VerificationResource | null}
 */
export function verificationOrNull(data: any): VerificationResource | null;
/**
 * The body of an `attempt_*` call: a passkey credential as JSON text, or an emailed code.
 * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
 * @returns {Record<string, string>}
 */
export function attemptBody(params: {
    strategy: "passkey";
    publicKeyCredential: string | object;
} | {
    strategy: "email_code";
    code: string;
}): Record<string, string>;
/**
 * The body of a `prepare_*` call: a passkey challenge, or a code mailed to an address.
 * @param {{ strategy: 'passkey' } | { strategy: 'email_code', emailAddressId?: string }} params
 * @returns {Record<string, string | undefined>}
 */
export function prepareBody(params: {
    strategy: "passkey";
} | {
    strategy: "email_code";
    emailAddressId?: string;
}): Record<string, string | undefined>;
/** @typedef {'unverified' | 'verified' | 'failed' | 'expired'} VerificationStatus */
/**
 * A passkey challenge (`strategy: 'passkey'`) or an emailed code
 * (`strategy: 'email_code'`: failed after three wrong codes, expired ten
 * minutes after it was sent), and its state.
 */
export class VerificationResource {
    /** @param {any} data wire object `verification_passkey` or `verification_email_code` */
    constructor(data: any);
    /** @type {VerificationStatus} */
    status: VerificationStatus;
    /** @type {'passkey' | 'email_code'} */
    strategy: "passkey" | "email_code";
    /** @type {string | null} JSON text of the WebAuthn options while a passkey challenge is unverified. */
    nonce: string | null;
    /** @type {number | null} */
    attempts: number | null;
    /** @type {Date | null} */
    expireAt: Date | null;
}
export type VerificationStatus = "unverified" | "verified" | "failed" | "expired";
