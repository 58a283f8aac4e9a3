/** @typedef {import('./api.js').LatchkeyApi} LatchkeyApi */
/** The browser's client: its sessions and the sign-in / sign-up in progress. */
export class ClientResource {
    /**
     * @param {LatchkeyApi} api
     * @param {any} data wire object `client`
     */
    constructor(api: LatchkeyApi, data: any);
    /** @type {string} */
    id: string;
    /** @type {SessionResource[]} */
    sessions: SessionResource[];
    /** @type {SignInResource | null} */
    signIn: SignInResource | null;
    /** @type {SignUpResource | null} */
    signUp: SignUpResource | null;
    /** @type {string | null} */
    lastActiveSessionId: string | null;
    /** @type {Date | null} */
    createdAt: Date | null;
    /** @type {Date | null} */
    updatedAt: Date | null;
    /** Sessions that can be used (`active` or `pending`). @returns {SessionResource[]} */
    get activeSessions(): SessionResource[];
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
import { SessionResource } from './session.js';
import { SignInResource } from './sign-in.js';
import { SignUpResource } from './sign-up.js';
