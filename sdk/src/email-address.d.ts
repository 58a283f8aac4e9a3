/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */
/** An email address of the signed-in user. */
export class EmailAddressResource {
    /**
     * @param {LatchkeyApi} api
     * @param {any} data wire object `email_address`
     */
    constructor(api: LatchkeyApi, data: any);
    /** Internal: what the resource talks to. */
    _api: import("./api.js").LatchkeyApi;
    /** @type {string} */
    id: string;
    /** @type {string} */
    emailAddress: string;
    /** @type {VerificationResource | null} null until a code was first sent. */
    verification: VerificationResource | null;
    /** @type {Date | null} */
    createdAt: Date | null;
    /** @type {Date | null} */
    updatedAt: Date | null;
    /**
     * Mail a one-time code to this address
     * (`POST /v1/me/email_addresses/{id}/prepare_verification`); a new code
     * replaces the previous one.
     * @param {{ strategy: 'email_code' }} [params]
     * @returns {Promise<EmailAddressResource>}
     */
    prepareVerification({ strategy }?: {
        strategy: "email_code";
    }): Promise<EmailAddressResource>;
    /**
     * Send the code the user received
     * (`POST /v1/me/email_addresses/{id}/attempt_verification`). A wrong code
     * throws `form_code_incorrect`; the third wrong one fails the verification.
     * @param {{ code: string }} params
     * @returns {Promise<EmailAddressResource>} the address, verified
     */
    attemptVerification({ code }: {
        code: string;
    }): Promise<EmailAddressResource>;
    /**
     * Remove this address (`DELETE /v1/me/email_addresses/{id}`), then refresh the user.
     * The primary address can be removed only once another one is primary.
     * @returns {Promise<{ object: string, id: string, deleted: boolean }>}
     */
    destroy(): Promise<{
        object: string;
        id: string;
        deleted: boolean;
    }>;
    toString(): string;
    /**
     * Internal: a POST on this address, then a refresh of the user.
     * @param {string} action
     * @param {Record<string, string>} body
     * @returns {Promise<EmailAddressResource>}
     */
    _call(action: string, body: Record<string, string>): Promise<EmailAddressResource>;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
export type VerificationResource = import("./verification.js").VerificationResource;
