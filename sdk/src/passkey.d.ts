/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */
/**
 * The provider of a passkey, from its AAGUID.
 * @typedef {object} PasskeyProvider
 * @property {string} name
 * @property {string | null} iconLight
 * @property {string | null} iconDark
 */
/** A passkey of the signed-in user. */
export class PasskeyResource {
    /**
     * @param {LatchkeyApi} api
     * @param {any} data wire object `passkey`
     */
    constructor(api: LatchkeyApi, data: any);
    /** Internal: what the resource talks to. */
    _api: import("./api.js").LatchkeyApi;
    /** @type {string} */
    id: string;
    /** @type {string} */
    name: string;
    /** @type {VerificationResource | null} */
    verification: VerificationResource | null;
    /** @type {Date | null} */
    lastUsedAt: Date | null;
    /** @type {Date | null} */
    createdAt: Date | null;
    /** @type {Date | null} */
    updatedAt: Date | null;
    /** @type {string | null} */
    aaguid: string | null;
    /** @type {PasskeyProvider | null} */
    provider: PasskeyProvider | null;
    /** @type {boolean} */
    backedUp: boolean;
    /** @type {string[]} */
    transports: string[];
    /** @type {string | null} Credential id (base64url) when the server or this browser knows it. */
    credentialId: string | null;
    /**
     * Rename the passkey (`PATCH /v1/me/passkeys/{id}`), then refresh the user.
     * @param {{ name: string }} params
     * @returns {Promise<PasskeyResource>}
     */
    update({ name }: {
        name: string;
    }): Promise<PasskeyResource>;
    /**
     * Delete the passkey (`DELETE /v1/me/passkeys/{id}`), then refresh the user
     * and tell the browser's passkey provider which credentials remain.
     * @returns {Promise<{ object: string, id: string, deleted: boolean }>}
     */
    delete(): Promise<{
        object: string;
        id: string;
        deleted: boolean;
    }>;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
export type VerificationResource = import("./verification.js").VerificationResource;
/**
 * The provider of a passkey, from its AAGUID.
 */
export type PasskeyProvider = {
    name: string;
    iconLight: string | null;
    iconDark: string | null;
};
