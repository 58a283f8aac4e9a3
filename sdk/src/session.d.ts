/** @typedef {import('./api.js').LatchkeyApi} LatchkeyApi */
/** @typedef {'active' | 'pending' | 'ended' | 'expired' | 'removed' | 'revoked' | 'abandoned'} SessionStatus */
/** A session of the signed-in user on this client. */
export class SessionResource {
    /**
     * @param {LatchkeyApi} api
     * @param {any} data wire object `session`
     */
    constructor(api: LatchkeyApi, data: any);
    /** Internal: what the resource talks to. */
    _api: import("./api.js").LatchkeyApi;
    /** @type {string} */
    id: string;
    /** @type {SessionStatus} */
    status: SessionStatus;
    /** @type {UserResource | null} */
    user: UserResource | null;
    /** @type {{ key: string }[] | null} */
    tasks: {
        key: string;
    }[] | null;
    /** @type {{ object: 'token', jwt: string } | null} */
    lastActiveToken: {
        object: "token";
        jwt: string;
    } | null;
    /** @type {Date | null} */
    lastActiveAt: Date | null;
    /**
     * `[minutes, -1]`: minutes since the user last proved a factor (sign-in or
     * step-up), or null when unknown.
     * @type {[number, number] | null}
     */
    factorVerificationAge: [number, number] | null;
    /** @type {Date | null} */
    expireAt: Date | null;
    /** @type {Date | null} */
    abandonAt: Date | null;
    /** @type {Date | null} */
    createdAt: Date | null;
    /** @type {Date | null} */
    updatedAt: Date | null;
    /** The first pending task (e.g. `{ key: 'setup-passkey' }`), or null. @returns {{ key: string } | null} */
    get currentTask(): {
        key: string;
    } | null;
    /**
     * A session token (JWT) for the app's backend: the cached one while it has
     * more than ~15 s left, else a new one (`POST /v1/client/sessions/{id}/tokens`).
     * The token is also written to the `__session` cookie of the page's origin.
     * @param {{ skipCache?: boolean }} [options]
     * @returns {Promise<string | null>} null when the session is not active or pending
     */
    getToken(options?: {
        skipCache?: boolean;
    }): Promise<string | null>;
    /**
     * End this session (`POST /v1/client/sessions/{id}/end`).
     * @returns {Promise<SessionResource>}
     */
    end(): Promise<SessionResource>;
    /**
     * Revoke this session, on whichever client it lives (`POST /v1/me/sessions/{id}/revoke`).
     * @returns {Promise<SessionResource>}
     */
    revoke(): Promise<SessionResource>;
    /**
     * Mark this session as the client's last active one (`POST /v1/client/sessions/{id}/touch`).
     * @returns {Promise<SessionResource>}
     */
    touch(): Promise<SessionResource>;
    /**
     * Start a step-up (`POST /v1/client/sessions/{id}/verify`): the user will
     * prove a first factor again, for actions the server guards with
     * `session_reverification_required` (see `isReverificationRequired`).
     * @param {{ level?: 'first_factor' }} [params]
     * @returns {Promise<SessionVerificationResource>} `needs_first_factor`
     */
    startVerification({ level }?: {
        level?: "first_factor";
    }): Promise<SessionVerificationResource>;
    /**
     * Prepare the step-up's factor (`POST /v1/client/sessions/{id}/verify/prepare_first_factor`):
     * passkey request options allowing the user's passkeys, or a code mailed to
     * one of their addresses.
     * @param {{ strategy: 'passkey' } | { strategy: 'email_code', emailAddressId?: string }} params
     * @returns {Promise<SessionVerificationResource>}
     */
    prepareFirstFactorVerification(params: {
        strategy: "passkey";
    } | {
        strategy: "email_code";
        emailAddressId?: string;
    }): Promise<SessionVerificationResource>;
    /**
     * Prove the step-up's factor (`POST /v1/client/sessions/{id}/verify/attempt_first_factor`)
     * with a passkey assertion or the mailed code. When `complete`, the
     * session's `factorVerificationAge` is `[0, -1]`.
     * @param {{ strategy: 'passkey', publicKeyCredential: string | object } | { strategy: 'email_code', code: string }} params
     * @returns {Promise<SessionVerificationResource>}
     */
    attemptFirstFactorVerification(params: {
        strategy: "passkey";
        publicKeyCredential: string | object;
    } | {
        strategy: "email_code";
        code: string;
    }): Promise<SessionVerificationResource>;
    /**
     * Step up with a passkey: start a verification, run `navigator.credentials.get()`
     * with the options it gives, and send the assertion. Retry the guarded action then.
     * @returns {Promise<SessionVerificationResource>} `complete`
     */
    verifyWithPasskey(): Promise<SessionVerificationResource>;
    /**
     * Internal: a POST under `/v1/client/sessions/{id}/verify`.
     * @param {string} action
     * @param {Record<string, string | undefined>} body
     * @returns {Promise<SessionVerificationResource>}
     */
    _verify(action: string, body: Record<string, string | undefined>): Promise<SessionVerificationResource>;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
export type SessionStatus = "active" | "pending" | "ended" | "expired" | "removed" | "revoked" | "abandoned";
import { UserResource } from './user.js';
import { SessionVerificationResource } from './session-verification.js';
