/**
 * @typedef {import('./client.js').ClientResource} ClientResource
 * @typedef {import('./user.js').UserResource} UserResource
 * @typedef {import('./session.js').SessionResource} SessionResource
 * @typedef {import('./sign-in.js').SignInResource} SignInResource
 */
/**
 * A session id or resource to make current (null signs out locally), and where to go then.
 * @typedef {object} SetActiveParams
 * @property {string | SessionResource | null} session
 * @property {string} [redirectUrl]
 * @property {(params: { session: SessionResource | null }) => unknown} [navigate]
 */
/**
 * Options of {@link LatchkeyApi#request}: `body` is form-encoded; `me` adds
 * `_latchkey_session_id`; `raw` returns the body as is (no envelope);
 * `quiet` does not notify listeners.
 * @typedef {{ body?: Record<string, any>, me?: boolean, raw?: boolean, quiet?: boolean }} RequestOptions
 */
/**
 * What the client state behind the API object provides.
 * @typedef {object} ApiState
 * @property {() => string | null} sessionId the current session's id
 * @property {() => ClientResource | null} client
 * @property {() => UserResource | null} user the signed-in user
 * @property {(data: any, quiet: boolean) => void} applyClient take the client of a response
 * @property {() => Promise<UserResource>} reloadUser fetch the user and update the state
 * @property {(params: SetActiveParams) => Promise<void>} setActive
 * @property {() => string | null} rpId the relying party id, once loaded
 */
/**
 * What resources talk to instead of the `Latchkey` instance: Frontend API
 * calls, session tokens, the passkey memory and signals, and the client
 * state a resource acts on.
 */
export class LatchkeyApi {
    /**
     * @param {{ frontendApi: string, fetch?: typeof fetch, sessionCookie?: boolean }} options
     * @param {ApiState} state
     */
    constructor({ frontendApi, fetch: fetchImpl, sessionCookie }: {
        frontendApi: string;
        fetch?: typeof fetch;
        sessionCookie?: boolean;
    }, state: ApiState);
    /** @readonly @type {string} */
    readonly frontendApi: string;
    /** @private Whether the current session's token goes to the `__session` cookie. */
    private sessionCookie;
    /** @private */
    private fetchImpl;
    /** @private */
    private state;
    /** Session tokens, per session id. */
    tokens: TokenCache;
    /** @private @type {Map<string, Promise<string | null>>} */
    private tokenRequests;
    /** @private @type {Promise<unknown>} Requests that may create the client, in order. */
    private clientCreation;
    /** What this browser learnt about passkeys, and the signals that use it. */
    passkeys: PasskeyMemory;
    /**
     * Write (or, with null, clear) the `__session` cookie, unless this SDK was made
     * with `sessionCookie: false`.
     * @param {string | null} jwt
     */
    writeSessionCookie(jwt: string | null): void;
    /**
     * Make a Frontend API call. PATCH and DELETE are tunnelled through POST
     * (`?_method=`) and bodies are form-encoded, so cross-origin calls stay
     * "simple" requests without a CORS preflight.
     * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
     * @param {string} path below `/v1`
     * @param {RequestOptions} [options]
     * @returns {Promise<any>}
     */
    request(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, { body, me, raw, quiet }?: RequestOptions): Promise<any>;
    /**
     * Send a request. While this browser has no client yet, state-changing
     * requests go one at a time: each of them may create a client and set its
     * `__client` cookie, and two racing ones (say a background autofill sign-in
     * and a sign-up) would create two clients, the later cookie winning and
     * orphaning the other's session.
     * @private
     * @param {URL} url
     * @param {RequestInit} init
     * @returns {Promise<Response>}
     */
    private send;
    /**
     * A session token: the cached one while it is fresh, else a new one
     * (`POST /v1/client/sessions/{id}/tokens`); concurrent calls share one
     * request. The current session's token is also written to the `__session` cookie.
     * @param {string} sessionId
     * @param {{ skipCache?: boolean }} [options]
     * @returns {Promise<string | null>}
     */
    getToken(sessionId: string, { skipCache }?: {
        skipCache?: boolean;
    }): Promise<string | null>;
    /** @param {string} sessionId */
    forgetToken(sessionId: string): void;
    /** The client, or null before one exists. @returns {ClientResource | null} */
    client(): ClientResource | null;
    /** The signed-in user, or null. @returns {UserResource | null} */
    user(): UserResource | null;
    /**
     * Fetch the user again (`GET /v1/me`) and update the state.
     * @returns {Promise<UserResource>}
     */
    reloadUser(): Promise<UserResource>;
    /**
     * Reload the user after a change; a failure here must not hide the change's success.
     * @returns {Promise<UserResource | null>}
     */
    reloadUserQuietly(): Promise<UserResource | null>;
    /**
     * Make a session the current one (see `Latchkey#setActive`).
     * @param {SetActiveParams} params
     * @returns {Promise<void>}
     */
    setActive(params: SetActiveParams): Promise<void>;
    /**
     * The client's sign-in when it is past its first factor and its session is
     * still alive — an autofill request must leave it alone.
     * @returns {SignInResource | null}
     */
    signInPastFirstFactor(): SignInResource | null;
}
export type ClientResource = import("./client.js").ClientResource;
export type UserResource = import("./user.js").UserResource;
export type SessionResource = import("./session.js").SessionResource;
export type SignInResource = import("./sign-in.js").SignInResource;
/**
 * A session id or resource to make current (null signs out locally), and where to go then.
 */
export type SetActiveParams = {
    session: string | SessionResource | null;
    redirectUrl?: string | undefined;
    navigate?: ((params: {
        session: SessionResource | null;
    }) => unknown) | undefined;
};
/**
 * Options of {@link LatchkeyApi#request}: `body` is form-encoded; `me` adds
 * `_latchkey_session_id`; `raw` returns the body as is (no envelope);
 * `quiet` does not notify listeners.
 */
export type RequestOptions = {
    body?: Record<string, any>;
    me?: boolean;
    raw?: boolean;
    quiet?: boolean;
};
/**
 * What the client state behind the API object provides.
 */
export type ApiState = {
    /**
     * the current session's id
     */
    sessionId: () => string | null;
    client: () => ClientResource | null;
    /**
     * the signed-in user
     */
    user: () => UserResource | null;
    /**
     * take the client of a response
     */
    applyClient: (data: any, quiet: boolean) => void;
    /**
     * fetch the user and update the state
     */
    reloadUser: () => Promise<UserResource>;
    setActive: (params: SetActiveParams) => Promise<void>;
    /**
     * the relying party id, once loaded
     */
    rpId: () => string | null;
};
import { TokenCache } from './token-cache.js';
import { PasskeyMemory } from './passkey-memory.js';
