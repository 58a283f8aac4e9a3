/**
 * @typedef {import('./passkey.js').PasskeyResource} PasskeyResource
 * @typedef {import('./user.js').UserResource} UserResource
 */
/**
 * Remembers credential ids and user handles in `localStorage` (in memory when
 * storage is unavailable) and sends the signals that need them.
 */
export class PasskeyMemory {
    /**
     * @param {() => string | null} rpId the relying party id, once the environment is loaded
     */
    constructor(rpId: () => string | null);
    /** @private */
    private rpId;
    /** @private @type {Map<string, string>} */
    private memory;
    /**
     * @private
     * @param {string} key
     * @returns {string | null}
     */
    private recall;
    /**
     * @private
     * @param {string} key
     * @param {string} value
     */
    private remember;
    /** @param {string} passkeyId @param {string} credentialId */
    rememberCredential(passkeyId: string, credentialId: string): void;
    /** @param {string} passkeyId @returns {string | null} */
    credentialIdOf(passkeyId: string): string | null;
    /** @param {string} userId @param {string} userHandle */
    rememberUserHandle(userId: string, userHandle: string): void;
    /** @param {string} credentialId */
    signalUnknownCredential(credentialId: string): Promise<void>;
    /** @param {UserResource} user */
    signalUserDetails(user: UserResource): Promise<void>;
    /**
     * After a deletion: list the remaining credentials when every one of them
     * is known here (a partial list would hide valid passkeys), else name the
     * deleted credential as unknown when that one is known.
     * @param {PasskeyResource} deleted
     * @param {UserResource | null} user
     */
    signalDeleted(deleted: PasskeyResource, user: UserResource | null): Promise<void>;
}
export type PasskeyResource = import("./passkey.js").PasskeyResource;
export type UserResource = import("./user.js").UserResource;
