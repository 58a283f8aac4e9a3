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
    constructor(api: LatchkeyApi, data: any);
    /** Internal: what the resource talks to. */
    _api: import("./api.js").LatchkeyApi;
    /** @type {string | null} */
    id: string | null;
    /** @type {SignInStatus | null} */
    status: SignInStatus | null;
    /** @type {string | null} */
    identifier: string | null;
    /** @type {{ strategy: string }[]} */
    supportedFirstFactors: {
        strategy: string;
    }[];
    /** @type {VerificationResource | null} */
    firstFactorVerification: VerificationResource | null;
    /** @type {string | null} */
    createdSessionId: string | null;
    /** @type {Date | null} */
    abandonAt: Date | null;
    /**
     * Start a sign-in (`POST /v1/client/sign_ins`): with `identifier` (username or
     * email) for identifier-first sign-in, or with `strategy: 'passkey'` for a
     * discoverable one.
     * @param {{ identifier?: string, strategy?: 'passkey' }} params
     * @returns {Promise<SignInResource>}
     */
    create(params: {
        identifier?: string;
        strategy?: "passkey";
    }): Promise<SignInResource>;
    /**
     * Get the passkey request options for this sign-in's user
     * (`POST /v1/client/sign_ins/{id}/prepare_first_factor`).
     * @param {{ strategy: 'passkey' }} [params]
     * @returns {Promise<SignInResource>}
     */
    prepareFirstFactor(params?: {
        strategy: "passkey";
    }): Promise<SignInResource>;
    /**
     * Send the passkey assertion (`POST /v1/client/sign_ins/{id}/attempt_first_factor`).
     * @param {{ strategy: 'passkey', publicKeyCredential: string | object }} params
     * @returns {Promise<SignInResource>}
     */
    attemptFirstFactor({ strategy, publicKeyCredential }: {
        strategy: "passkey";
        publicKeyCredential: string | object;
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
