/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./sign-in.js').SignInFactor} SignInFactor
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */
/** @typedef {'needs_first_factor' | 'complete'} SessionVerificationStatus */
/** A step-up of a session, from `session.startVerification()` and the calls after it. */
export class SessionVerificationResource {
    /**
     * @param {LatchkeyApi} api
     * @param {any} data wire object `session_verification`
     */
    constructor(api: LatchkeyApi, data: any);
    /** @type {string} */
    id: string;
    /** @type {SessionVerificationStatus} */
    status: SessionVerificationStatus;
    /** @type {'first_factor'} */
    level: "first_factor";
    /** @type {SignInFactor[]} */
    supportedFirstFactors: SignInFactor[];
    /** @type {VerificationResource | null} The factor prepared last. */
    firstFactorVerification: VerificationResource | null;
    /** @type {SessionResource | null} */
    session: SessionResource | null;
}
export type LatchkeyApi = import("./api.js").LatchkeyApi;
export type SignInFactor = import("./sign-in.js").SignInFactor;
export type VerificationResource = import("./verification.js").VerificationResource;
export type SessionVerificationStatus = "needs_first_factor" | "complete";
import { SessionResource } from './session.js';
