/**
 * @typedef {import('./session.js').SessionResource} SessionResource
 * @typedef {import('./api.js').SetActiveParams} SetActiveParams
 */
/**
 * `GET /v1/environment`, camelCased.
 * @typedef {object} Environment
 * @property {{ passkey: { enabled: boolean, allowAutofill: boolean, maxPerUser: number },
 *   signUp: { username: boolean, emailAddress: boolean, passkey: boolean } }} authConfig
 * @property {{ applicationName: string, rpId: string }} displayConfig
 */
/**
 * @typedef {object} LatchkeyState
 * @property {UserResource | null} user
 * @property {SessionResource | null} session
 * @property {ClientResource | null} client
 */
/** @typedef {(state: LatchkeyState) => void} LatchkeyListener */
/**
 * The SDK's entry point: holds the client state, makes the Frontend API calls
 * and notifies listeners of every change.
 */
export class Latchkey {
    /**
     * @param {{ frontendApi?: string, fetch?: typeof fetch, sessionCookie?: boolean }} [options]
     *   `frontendApi`: the Latchkey server's origin (default: the origin this
     *   script was loaded from); `fetch`: a fetch implementation (default: global);
     *   `sessionCookie`: whether the current session's token is kept in the page's
     *   `__session` cookie for the app's backend (default: true).
     */
    constructor({ frontendApi, fetch: fetchImpl, sessionCookie }?: {
        frontendApi?: string;
        fetch?: typeof fetch;
        sessionCookie?: boolean;
    });
    /** @readonly @type {string} */
    readonly frontendApi: string;
    /** @type {boolean} */
    isLoaded: boolean;
    /** @type {Environment | null} */
    environment: Environment | null;
    /** @type {ClientResource | null} */
    client: ClientResource | null;
    /** @private @type {string | null} */
    private _sessionId;
    /** @private @type {Set<LatchkeyListener>} */
    private _listeners;
    /** @private @type {Map<string, string>} */
    private _sessionStatuses;
    /** @private */
    private _api;
    /**
     * Read the environment (`GET /v1/environment`) and the client (`GET /v1/client`).
     * @returns {Promise<Latchkey>}
     */
    load(): Promise<Latchkey>;
    /** The current session, or null. @returns {SessionResource | null} */
    get session(): SessionResource | null;
    /** The signed-in user, or null. @returns {UserResource | null} */
    get user(): UserResource | null;
    /** Whether a session is current. @returns {boolean} */
    get isSignedIn(): boolean;
    /**
     * The sign-in in progress, or an empty one to `create()` / `authenticateWithPasskey()` with.
     * @returns {SignInResource}
     */
    get signIn(): SignInResource;
    /**
     * The sign-up in progress, or an empty one to `create()` / `createWithPasskey()` with.
     * @returns {SignUpResource}
     */
    get signUp(): SignUpResource;
    /**
     * Call `listener` with `{ user, session, client }` now (when loaded) and on every change.
     * @param {LatchkeyListener} listener
     * @returns {() => void} unsubscribe
     */
    addListener(listener: LatchkeyListener): () => void;
    /**
     * Make a session the current one: touch it on the server, update the state,
     * notify listeners, then call `navigate({ session })` or go to `redirectUrl`.
     * `session: null` signs out locally (the session stays valid on the server).
     * @param {SetActiveParams} params
     * @returns {Promise<void>}
     */
    setActive({ session, redirectUrl, navigate }: SetActiveParams): Promise<void>;
    /**
     * Sign out: end the current session on the server and clear the `__session` cookie.
     * @param {{ redirectUrl?: string }} [options]
     * @returns {Promise<void>}
     */
    signOut({ redirectUrl }?: {
        redirectUrl?: string;
    }): Promise<void>;
    /** Abort a pending passkey ceremony (e.g. an autofill request) of this page. */
    cancelCeremony(): void;
    /**
     * @private
     * @returns {LatchkeyState}
     */
    private _state;
    /** @private */
    private _emit;
    /**
     * Replace the client copy with the one from a response.
     * @private
     * @param {any} data
     */
    private _setClient;
    /**
     * @private
     * @returns {Promise<UserResource>}
     */
    private _reloadUser;
}
export type SessionResource = import("./session.js").SessionResource;
export type SetActiveParams = import("./api.js").SetActiveParams;
/**
 * `GET /v1/environment`, camelCased.
 */
export type Environment = {
    authConfig: {
        passkey: {
            enabled: boolean;
            allowAutofill: boolean;
            maxPerUser: number;
        };
        signUp: {
            username: boolean;
            emailAddress: boolean;
            passkey: boolean;
        };
    };
    displayConfig: {
        applicationName: string;
        rpId: string;
    };
};
export type LatchkeyState = {
    user: UserResource | null;
    session: SessionResource | null;
    client: ClientResource | null;
};
export type LatchkeyListener = (state: LatchkeyState) => void;
import { ClientResource } from './client.js';
import { UserResource } from './user.js';
import { SignInResource } from './sign-in.js';
import { SignUpResource } from './sign-up.js';
