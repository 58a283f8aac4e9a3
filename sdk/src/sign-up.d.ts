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
    constructor(api: LatchkeyApi, data: any);
    /** Internal: what the resource talks to. */
    _api: import("./api.js").LatchkeyApi;
    /** @type {string | null} */
    id: string | null;
    /** @type {SignUpStatus | null} */
    status: SignUpStatus | null;
    /** @type {string | null} */
    username: string | null;
    /** @type {string | null} */
    emailAddress: string | null;
    /** @type {string | null} */
    firstName: string | null;
    /** @type {string | null} */
    lastName: string | null;
    /** @type {string[]} */
    missingFields: string[];
    /** @type {VerificationResource | null} */
    verification: VerificationResource | null;
    /** @type {string | null} */
    createdUserId: string | null;
    /** @type {string | null} */
    createdSessionId: string | null;
    /** @type {Date | null} */
    abandonAt: Date | null;
    /**
     * Sign up with a username (`POST /v1/client/sign_ups`). A `complete` sign-up
     * has `createdSessionId`; pass it to `latchkey.setActive()`.
     * @param {{ username?: string, emailAddress?: string, firstName?: string, lastName?: string, strategy?: 'passkey' }} params
     * @returns {Promise<SignUpResource>}
     */
    create(params: {
        username?: string;
        emailAddress?: string;
        firstName?: string;
        lastName?: string;
        strategy?: "passkey";
    }): Promise<SignUpResource>;
    /**
     * Send the passkey created for a passkey-first sign-up
     * (`POST /v1/client/sign_ups/{id}/attempt_verification`).
     * @param {{ strategy: 'passkey', publicKeyCredential: string | object }} params
     * @returns {Promise<SignUpResource>}
     */
    attemptVerification({ strategy, publicKeyCredential }: {
        strategy: "passkey";
        publicKeyCredential: string | object;
    }): Promise<SignUpResource>;
    /**
     * Passkey-first sign-up: start a sign-up with `strategy=passkey`, create the
     * passkey in the browser, finish the sign-up, and make the new session active.
     * @param {{ username?: string }} [params]
     * @returns {Promise<SignUpResource>}
     */
    createWithPasskey({ username }?: {
        username?: string;
    }): Promise<SignUpResource>;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
export type VerificationResource = import("./verification.js").VerificationResource;
export type SignUpStatus = "missing_requirements" | "complete" | "abandoned";
