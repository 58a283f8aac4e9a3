/**
 * Write (or, with null, clear) the `__session` cookie on the page's own origin
 * so the app's backend receives the session token with same-site requests.
 * @param {string | null} jwt
 */
export function writeSessionCookie(jwt: string | null): void;
/**
 * The `__session` cookie the app's backend reads the session token from.
 *
 * @module latchkey/session-cookie
 */
/** Name of the cookie the SDK keeps the current session token in. */
export const SESSION_COOKIE: "__session";
