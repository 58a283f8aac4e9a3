/** @typedef {import('./api.js').LatchkeyApi} LatchkeyApi */
/** The signed-in user. */
export class UserResource {
    /**
     * @param {LatchkeyApi} api
     * @param {any} data wire object `user`
     */
    constructor(api: LatchkeyApi, data: any);
    /** Internal: what the resource talks to. */
    _api: import("./api.js").LatchkeyApi;
    /** @type {string} */
    id: string;
    /** @type {string | null} */
    username: string | null;
    /** @type {string | null} */
    firstName: string | null;
    /** @type {string | null} */
    lastName: string | null;
    /** @type {EmailAddressResource[]} Primary first. */
    emailAddresses: EmailAddressResource[];
    /** @type {string | null} */
    primaryEmailAddressId: string | null;
    /** @type {PasskeyResource[]} */
    passkeys: PasskeyResource[];
    /** @type {Date | null} */
    lastSignInAt: Date | null;
    /** @type {Date | null} */
    createdAt: Date | null;
    /** @type {Date | null} */
    updatedAt: Date | null;
    /** `firstName lastName`, or null when neither is set. @returns {string | null} */
    get fullName(): string | null;
    /** The primary email address, or null. @returns {EmailAddressResource | null} */
    get primaryEmailAddress(): EmailAddressResource | null;
    /**
     * Add an email address (`POST /v1/me/email_addresses`), unverified: call its
     * `prepareVerification()` to mail it a code. Reloads the user.
     * @param {{ email: string }} params
     * @returns {Promise<EmailAddressResource>}
     */
    createEmailAddress({ email }: {
        email: string;
    }): Promise<EmailAddressResource>;
    /**
     * Change the user (`PATCH /v1/me`): `primaryEmailAddressId` must name a
     * verified address of theirs. Reloads the user.
     * @param {{ primaryEmailAddressId?: string }} params
     * @returns {Promise<UserResource>}
     */
    update({ primaryEmailAddressId }: {
        primaryEmailAddressId?: string;
    }): Promise<UserResource>;
    /**
     * Register a new passkey for this user: start a registration
     * (`POST /v1/me/passkeys`), run `navigator.credentials.create()`, and finish it
     * (`POST /v1/me/passkeys/{id}/attempt_verification`). Reloads the user.
     * @returns {Promise<PasskeyResource>} the verified, named passkey
     */
    createPasskey(): Promise<PasskeyResource>;
    /**
     * Fetch the user again (`GET /v1/me`) and update the SDK's state.
     * @returns {Promise<UserResource>}
     */
    reload(): Promise<UserResource>;
    /**
     * The user's active sessions on every client (`GET /v1/me/sessions`).
     * @returns {Promise<SessionResource[]>}
     */
    getSessions(): Promise<SessionResource[]>;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
import { EmailAddressResource } from './email-address.js';
import { PasskeyResource } from './passkey.js';
import { SessionResource } from './session.js';
