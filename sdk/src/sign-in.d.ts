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
    constructor(api: LatchkeyApi, data: any);
    /** Internal: what the resource talks to. */
    _api: import("./api.js").LatchkeyApi;
    /** @type {string | null} */
    id: string | null;
    /** @type {SignInStatus | null} */
    status: SignInStatus | null;
    /** @type {string | null} */
    identifier: string | null;
    /** @type {SignInFactor[]} */
    supportedFirstFactors: SignInFactor[];
    /** @type {VerificationResource | null} The factor prepared last: a passkey challenge or an emailed code. */
    firstFactorVerification: VerificationResource | null;
    /** @type {string | null} */
    createdSessionId: string | null;
    /** @type {Date | null} */
    abandonAt: Date | null;
    /**
     * Start a sign-in (`POST /v1/client/sign_ins`): with `identifier` (username or
     * email) for identifier-first sign-in, with `strategy: 'passkey'` for a
     * discoverable one, or with an email address as `identifier` and
     * `strategy: 'email_code'` to mail a code at once (an unknown address gets
     * the same answer, and no mail).
     * @param {{ identifier?: string, strategy?: 'passkey' | 'email_code' }} params
     * @returns {Promise<SignInResource>}
     */
    create(params: {
        identifier?: string;
        strategy?: "passkey" | "email_code";
    }): Promise<SignInResource>;
    /**
     * Prepare a first factor (`POST /v1/client/sign_ins/{id}/prepare_first_factor`):
     * the passkey request options for this sign-in's user, or a code mailed to
     * one of their addresses (`emailAddressId` from `supportedFirstFactors`).
     * @param {{ strategy: 'passkey' } | { strategy: 'email_code', emailAddressId?: string }} [params]
     * @returns {Promise<SignInResource>}
     */
    prepareFirstFactor(params?: {
        strategy: "passkey";
    } | {
        strategy: "email_code";
        emailAddressId?: string;
    }): Promise<SignInResource>;
    /**
     * Prove the first factor (`POST /v1/client/sign_ins/{id}/attempt_first_factor`)
     * with a passkey assertion or the mailed code. A `complete` sign-in has
     * `createdSessionId`; after an email code its session may be `pending` with
     * the `setup-passkey` task until the user creates a passkey.
     * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
     * @returns {Promise<SignInResource>}
     */
    attemptFirstFactor(params: {
        strategy: "passkey";
        publicKeyCredential: string | object;
    } | {
        strategy: "email_code";
        code: string;
    }): Promise<SignInResource>;
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
    authenticateWithPasskey({ flow }?: {
        flow?: "discoverable" | "autofill";
    }): Promise<SignInResource>;
    /**
     * Internal.
     * @returns {string}
     */
    _requireId(): string;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
export type VerificationResource = import("./verification.js").VerificationResource;
export type SignInStatus = "needs_identifier" | "needs_first_factor" | "complete" | "abandoned";
/**
 * A way the identified user can prove who they are: `passkey`, or
 * `email_code` with the address's id and its masked form (`a***@example.com`).
 */
export type SignInFactor = {
    strategy: "passkey" | "email_code";
    emailAddressId?: string | undefined;
    safeIdentifier?: string | undefined;
};
