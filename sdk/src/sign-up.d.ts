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
    /** @type {string[]} e.g. `['email_address']` while a required address is unverified. */
    unverifiedFields: string[];
    /** @type {VerificationResource | null} The passkey challenge of a passkey-first sign-up. */
    verification: VerificationResource | null;
    /** @type {{ emailAddress: VerificationResource | null }} The code mailed to the sign-up's address. */
    verifications: {
        emailAddress: VerificationResource | null;
    };
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
     * Mail a one-time code to the sign-up's email address
     * (`POST /v1/client/sign_ups/{id}/prepare_verification`).
     * @param {{ strategy: 'email_code' }} [params]
     * @returns {Promise<SignUpResource>}
     */
    prepareEmailAddressVerification({ strategy }?: {
        strategy: "email_code";
    }): Promise<SignUpResource>;
    /**
     * Send the code mailed to the sign-up's address; the sign-up completes once
     * nothing else is missing.
     * @param {{ code: string }} params
     * @returns {Promise<SignUpResource>}
     */
    attemptEmailAddressVerification({ code }: {
        code: string;
    }): Promise<SignUpResource>;
    /**
     * Finish a verification of this sign-up
     * (`POST /v1/client/sign_ups/{id}/attempt_verification`): the passkey created
     * for a passkey-first sign-up, or the code mailed to its address.
     * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
     * @returns {Promise<SignUpResource>}
     */
    attemptVerification(params: {
        strategy: "passkey";
        publicKeyCredential: string | object;
    } | {
        strategy: "email_code";
        code: string;
    }): Promise<SignUpResource>;
    /**
     * Passkey-first sign-up: start a sign-up with `strategy=passkey`, create the
     * passkey in the browser, finish the sign-up, and make the new session active.
     * An `emailAddress` is added unverified, to verify later through the user's
     * `emailAddresses` (a server that requires it verified first refuses this
     * flow with `form_identifier_not_verified`).
     * @param {{ username?: string, emailAddress?: string }} [params]
     * @returns {Promise<SignUpResource>}
     */
    createWithPasskey({ username, emailAddress }?: {
        username?: string;
        emailAddress?: string;
    }): Promise<SignUpResource>;
    /**
     * Internal: a POST on this sign-up.
     * @param {string} action
     * @param {Record<string, string>} body
     * @returns {Promise<SignUpResource>}
     */
    _post(action: string, body: Record<string, string>): Promise<SignUpResource>;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
export type VerificationResource = import("./verification.js").VerificationResource;
export type SignUpStatus = "missing_requirements" | "complete" | "abandoned";
