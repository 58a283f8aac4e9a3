// @ts-check
/**
 * Session tokens: reading a JWT's claims, and caching each session's token
 * until shortly before it expires.
 *
 * @module latchkey/token-cache
 */
import { base64urlDecode } from './base64url.js';

/**
 * Read the claims of a JWT without verifying it (the SDK only needs `exp`;
 * verification is the backend's job).
 *
 * @param {string} jwt
 * @returns {Record<string, any>}
 * @throws {TypeError} when the token is not a JWT.
 */
export function decodeJwtClaims(jwt) {
  const parts = typeof jwt === 'string' ? jwt.split('.') : [];
  if (parts.length !== 3) throw new TypeError('Expected a JWT');
  return JSON.parse(new TextDecoder().decode(base64urlDecode(parts[1])));
}

/**
 * Caches session JWTs per session id until shortly before they expire.
 */
export class TokenCache {
  /**
   * @param {{ leewaySeconds?: number, now?: () => number }} [options]
   *   `leewaySeconds`: how long before `exp` a token counts as stale (default 15);
   *   `now`: clock in milliseconds (default `Date.now`).
   */
  constructor({ leewaySeconds = 15, now = () => Date.now() } = {}) {
    this.leewaySeconds = leewaySeconds;
    this.now = now;
    /** @type {Map<string, { jwt: string, exp: number }>} */
    this.entries = new Map();
  }

  /**
   * Store a token; tokens without a readable `exp` are not cached.
   * @param {string} sessionId
   * @param {string} jwt
   * @returns {boolean} whether it was stored
   */
  set(sessionId, jwt) {
    let exp;
    try {
      exp = decodeJwtClaims(jwt).exp;
    } catch {
      return false;
    }
    if (typeof exp !== 'number') return false;
    this.entries.set(sessionId, { jwt, exp });
    return true;
  }

  /**
   * The cached token when it is still fresh (more than `leewaySeconds` before `exp`).
   * @param {string} sessionId
   * @returns {string | null}
   */
  get(sessionId) {
    const entry = this.entries.get(sessionId);
    if (!entry) return null;
    if (this.now() / 1000 >= entry.exp - this.leewaySeconds) {
      this.entries.delete(sessionId);
      return null;
    }
    return entry.jwt;
  }

  /**
   * Forget one session's token, or all of them.
   * @param {string} [sessionId]
   */
  clear(sessionId) {
    if (sessionId === undefined) this.entries.clear();
    else this.entries.delete(sessionId);
  }
}

/**
 * Whether a session token was minted for a session in this status.
 * @param {string} jwt
 * @param {string} status
 * @returns {boolean}
 */
export function tokenMatchesStatus(jwt, status) {
  try {
    return decodeJwtClaims(jwt).sts === status;
  } catch {
    return false;
  }
}
