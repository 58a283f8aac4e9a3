/**
 * Read the claims of a JWT without verifying it (the SDK only needs `exp`;
 * verification is the backend's job).
 *
 * @param {string} jwt
 * @returns {Record<string, any>}
 * @throws {TypeError} when the token is not a JWT.
 */
export function decodeJwtClaims(jwt: string): Record<string, any>;
/**
 * Whether a session token was minted for a session in this status.
 * @param {string} jwt
 * @param {string} status
 * @returns {boolean}
 */
export function tokenMatchesStatus(jwt: string, status: string): boolean;
/**
 * Caches session JWTs per session id until shortly before they expire.
 */
export class TokenCache {
    /**
     * @param {{ leewaySeconds?: number, now?: () => number }} [options]
     *   `leewaySeconds`: how long before `exp` a token counts as stale (default 15);
     *   `now`: clock in milliseconds (default `Date.now`).
     */
    constructor({ leewaySeconds, now }?: {
        leewaySeconds?: number;
        now?: () => number;
    });
    leewaySeconds: number;
    now: () => number;
    /** @type {Map<string, { jwt: string, exp: number }>} */
    entries: Map<string, {
        jwt: string;
        exp: number;
    }>;
    /**
     * Store a token; tokens without a readable `exp` are not cached.
     * @param {string} sessionId
     * @param {string} jwt
     * @returns {boolean} whether it was stored
     */
    set(sessionId: string, jwt: string): boolean;
    /**
     * The cached token when it is still fresh (more than `leewaySeconds` before `exp`).
     * @param {string} sessionId
     * @returns {string | null}
     */
    get(sessionId: string): string | null;
    /**
     * Forget one session's token, or all of them.
     * @param {string} [sessionId]
     */
    clear(sessionId?: string): void;
}
