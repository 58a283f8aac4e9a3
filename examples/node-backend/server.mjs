/**
 * A Node.js backend whose `GET /api/me` needs a Latchkey session.
 *
 * Tokens are ES256 (or, with `keys.algorithm = "RS256"`, RS256) JWTs from the Latchkey
 * server (API §6), verified with `jose` against
 * the server's JWKS: signature, `iss`, `exp`/`nbf` with 5 s of clock skew, `v`, an
 * optional `azp` allow-list, and `sts` (a `pending` session counts as signed out).
 *
 *   LATCHKEY_URL=http://localhost:8080 node server.mjs
 *   curl -H "Authorization: Bearer $JWT" http://127.0.0.1:3000/api/me
 *
 * Environment: LATCHKEY_URL (default http://localhost:8080), PORT (default 3000),
 * ALLOWED_ORIGINS (comma-separated origins allowed to call cross-origin, default the
 * Latchkey URL), LATCHKEY_AUTHORIZED_PARTIES (comma-separated `azp` values accepted;
 * unset accepts any).
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** The cookie in which Latchkey's browser SDK keeps the session token on the app's origin. */
export const SESSION_COOKIE = '__session';

/** A token that verified but is not an acceptable session (version, `azp`, `sts`). */
export class SessionError extends Error {}

/**
 * @typedef {object} VerifierOptions
 * @property {string} issuer The Latchkey server's public URL; tokens carry it as `iss`.
 * @property {string} [jwksUrl] Default `${issuer}/.well-known/jwks.json`.
 * @property {string[]} [authorizedParties] Accepted `azp` origins; empty accepts any. When
 *   set, a token without `azp` (a native app's) is refused.
 * @property {boolean} [acceptPending] Accept `pending` sessions; default false.
 */

/**
 * A function that verifies a session token and resolves to its claims, or rejects.
 * The JWKS is fetched on first use and cached; an unknown `kid` refetches it at most
 * once per 30 s (jose's `cooldownDuration`).
 * @param {VerifierOptions} options
 * @returns {(token: string) => Promise<import('jose').JWTPayload>}
 */
export function createVerifier({ issuer, jwksUrl, authorizedParties = [], acceptPending = false }) {
  const iss = issuer.replace(/\/+$/, '');
  const allowed = authorizedParties.map((origin) => origin.replace(/\/+$/, ''));
  const jwks = createRemoteJWKSet(new URL(jwksUrl ?? `${iss}/.well-known/jwks.json`));
  return async (token) => {
    const { payload } = await jwtVerify(token, jwks, {
      issuer: iss,
      algorithms: ['ES256', 'RS256'],
      clockTolerance: 5,
      requiredClaims: ['sub', 'sid', 'exp', 'nbf', 'iat'],
    });
    if (payload.v !== 1) throw new SessionError(`unsupported token version ${payload.v}`);
    if (allowed.length > 0 && !allowed.includes(/** @type {string} */ (payload.azp))) {
      throw new SessionError(`authorized party ${payload.azp} is not allowed`);
    }
    if (payload.sts === 'pending' && !acceptPending) {
      throw new SessionError('the session is pending a task and counts as signed out');
    }
    if (payload.sts !== 'active' && payload.sts !== 'pending') {
      throw new SessionError(`unknown session status ${payload.sts}`);
    }
    return payload;
  };
}

/**
 * The session token of a request: `Authorization: Bearer <jwt>`, else the `__session`
 * cookie.
 * @param {http.IncomingMessage} req
 * @returns {string | null}
 */
export function tokenFromRequest(req) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (match) return match[1];
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = pair.slice(eq + 1).trim();
      if (value) return value;
    }
  }
  return null;
}

// Errors that say the JWKS could not be had, which is no fault of the caller's: 503.
const UNAVAILABLE = new Set(['ERR_JOSE_GENERIC', 'ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

/**
 * @param {unknown} err
 * @returns {boolean}
 */
function isUnavailable(err) {
  if (err instanceof SessionError) return false;
  if (err instanceof errors.JOSEError) return UNAVAILABLE.has(err.code);
  return true; // e.g. fetch failed: connection refused
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * @param {string} code
 * @param {string} message
 * @param {string} longMessage
 */
function errorBody(code, message, longMessage) {
  return { errors: [{ code, message, long_message: longMessage }] };
}

/**
 * The HTTP server: `GET /api/me` → `{ user_id, session_id }`, or 401 with Latchkey's
 * error body when there is no valid session.
 * @param {{ verify: (token: string) => Promise<import('jose').JWTPayload>, allowedOrigins?: string[] }} options
 */
export function createServer({ verify, allowedOrigins = [] }) {
  return http.createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      // A page on another origin sends the token in the Authorization header, which
      // makes its request need a CORS preflight.
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-headers', 'authorization, content-type');
      res.setHeader('access-control-allow-methods', 'GET');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/api/me' || req.method !== 'GET') {
      sendJson(res, 404, errorBody('resource_not_found', 'Not found.', `${req.method} ${pathname}`));
      return;
    }
    const token = tokenFromRequest(req);
    if (!token) {
      sendJson(
        res,
        401,
        errorBody(
          'authentication_invalid',
          'You are not signed in.',
          'no session token: send Authorization: Bearer <token> or the __session cookie',
        ),
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    try {
      const claims = await verify(token);
      sendJson(res, 200, { user_id: claims.sub, session_id: claims.sid });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      if (isUnavailable(err)) {
        sendJson(res, 503, errorBody('jwks_unavailable', 'Sessions cannot be verified right now.', detail));
      } else {
        sendJson(res, 401, errorBody('authentication_invalid', 'You are not signed in.', detail), {
          'www-authenticate': 'Bearer error="invalid_token"',
        });
      }
    }
  });
}

/**
 * @param {string | undefined} value
 * @returns {string[] | undefined}
 */
function list(value) {
  return value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const issuer = (process.env.LATCHKEY_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  const port = Number(process.env.PORT ?? 3000);
  const verify = createVerifier({
    issuer,
    authorizedParties: list(process.env.LATCHKEY_AUTHORIZED_PARTIES) ?? [],
  });
  const server = createServer({
    verify,
    allowedOrigins: list(process.env.ALLOWED_ORIGINS) ?? [issuer],
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`backend on http://127.0.0.1:${port}, verifying tokens of ${issuer}`);
  });
}
