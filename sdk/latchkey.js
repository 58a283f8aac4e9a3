// @ts-check
/**
 * Latchkey browser SDK.
 *
 * A dependency-free ES module that talks to a Latchkey server's Frontend API
 * (`/v1/...`) and runs the WebAuthn ceremonies in the browser. It is served by
 * the server at `/sdk/latchkey.js`; types are at `/sdk/latchkey.d.ts`.
 *
 * Layout of this file, one job per section:
 * 1. encoding helpers (base64url),
 * 2. WebAuthn JSON <-> browser object conversion (fallbacks for browsers
 *    without `parse*OptionsFromJSON` / `toJSON`),
 * 3. errors and the DOMException -> error code mapping,
 * 4. the abort service (one ceremony at a time) and the ceremony helpers,
 * 5. the token cache,
 * 6. resources (camelCase views of the wire objects),
 * 7. the `Latchkey` class.
 *
 * @module latchkey
 */

// ---------------------------------------------------------------------------
// 1. Encoding helpers
// ---------------------------------------------------------------------------

/**
 * Encode bytes as base64url without padding (RFC 4648 §5), the encoding the
 * WebAuthn JSON forms use for every binary value.
 *
 * @param {ArrayBuffer | ArrayBufferView} bytes
 * @returns {string}
 */
export function base64urlEncode(bytes) {
  const view =
    bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let binary = '';
  for (let i = 0; i < view.length; i += 0x8000) {
    binary += String.fromCharCode(...view.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decode a base64url string (padding optional; standard base64 characters are
 * tolerated) into an `ArrayBuffer`.
 *
 * @param {string} text
 * @returns {ArrayBuffer}
 * @throws {TypeError} when the text is not base64url.
 */
export function base64urlDecode(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_\-+/]*={0,2}$/.test(text)) {
    throw new TypeError('Expected a base64url string');
  }
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (base64.length % 4 === 1) {
    throw new TypeError('Expected a base64url string');
  }
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * Encode a UTF-8 string as base64url (used for the user handle in tests and
 * for non-binary values some authenticators return).
 *
 * @param {string} text
 * @returns {string}
 */
export function base64urlEncodeString(text) {
  return base64urlEncode(new TextEncoder().encode(text));
}

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

// ---------------------------------------------------------------------------
// 2. WebAuthn option and credential conversion
// ---------------------------------------------------------------------------

/**
 * @typedef {{ id: string, type: string, transports?: string[] }} CredentialDescriptorJSON
 */

/**
 * @param {CredentialDescriptorJSON[] | undefined} list
 * @returns {PublicKeyCredentialDescriptor[] | undefined}
 */
function descriptorsFromJSON(list) {
  if (!Array.isArray(list)) return undefined;
  return list.map((d) => {
    /** @type {PublicKeyCredentialDescriptor} */
    const out = { id: base64urlDecode(d.id), type: /** @type {PublicKeyCredentialType} */ (d.type) };
    if (Array.isArray(d.transports)) out.transports = /** @type {AuthenticatorTransport[]} */ (d.transports);
    return out;
  });
}

/**
 * Convert PublicKeyCredentialCreationOptionsJSON into the object
 * `navigator.credentials.create({ publicKey })` takes. This is the fallback for
 * browsers without `PublicKeyCredential.parseCreationOptionsFromJSON`
 * (WebAuthn L3 §5.1.9): `challenge`, `user.id` and each `excludeCredentials[].id`
 * are base64url-decoded; everything else is passed through.
 *
 * @param {any} json creation options in their JSON form
 * @returns {PublicKeyCredentialCreationOptions}
 */
export function creationOptionsFromJSON(json) {
  if (!json || typeof json !== 'object' || !json.user || !json.rp) {
    throw new TypeError('Invalid creation options');
  }
  const { challenge, user, excludeCredentials, ...rest } = json;
  /** @type {PublicKeyCredentialCreationOptions} */
  const options = {
    ...rest,
    challenge: base64urlDecode(challenge),
    user: { ...user, id: base64urlDecode(user.id) },
  };
  const exclude = descriptorsFromJSON(excludeCredentials);
  if (exclude) options.excludeCredentials = exclude;
  return options;
}

/**
 * Convert PublicKeyCredentialRequestOptionsJSON into the object
 * `navigator.credentials.get({ publicKey })` takes. Fallback for browsers
 * without `PublicKeyCredential.parseRequestOptionsFromJSON` (WebAuthn L3 §5.1.10).
 *
 * @param {any} json request options in their JSON form
 * @returns {PublicKeyCredentialRequestOptions}
 */
export function requestOptionsFromJSON(json) {
  if (!json || typeof json !== 'object' || typeof json.challenge !== 'string') {
    throw new TypeError('Invalid request options');
  }
  const { challenge, allowCredentials, ...rest } = json;
  /** @type {PublicKeyCredentialRequestOptions} */
  const options = { ...rest, challenge: base64urlDecode(challenge) };
  const allow = descriptorsFromJSON(allowCredentials);
  if (allow) options.allowCredentials = allow;
  return options;
}

/**
 * Parse the creation options held in a verification `nonce`, with the
 * browser's own parser when it has one.
 *
 * @param {string | object} nonce JSON text (as the server sends it) or an object
 * @returns {{ publicKey: PublicKeyCredentialCreationOptions, json: any }}
 */
export function parseCreationOptions(nonce) {
  const json = typeof nonce === 'string' ? JSON.parse(nonce) : nonce;
  const PKC = /** @type {any} */ (globalThis).PublicKeyCredential;
  if (PKC && typeof PKC.parseCreationOptionsFromJSON === 'function') {
    return { publicKey: PKC.parseCreationOptionsFromJSON(json), json };
  }
  return { publicKey: creationOptionsFromJSON(json), json };
}

/**
 * Parse the request options held in a verification `nonce`, with the
 * browser's own parser when it has one.
 *
 * @param {string | object} nonce JSON text (as the server sends it) or an object
 * @returns {{ publicKey: PublicKeyCredentialRequestOptions, json: any }}
 */
export function parseRequestOptions(nonce) {
  const json = typeof nonce === 'string' ? JSON.parse(nonce) : nonce;
  const PKC = /** @type {any} */ (globalThis).PublicKeyCredential;
  if (PKC && typeof PKC.parseRequestOptionsFromJSON === 'function') {
    return { publicKey: PKC.parseRequestOptionsFromJSON(json), json };
  }
  return { publicKey: requestOptionsFromJSON(json), json };
}

/**
 * Serialise a `PublicKeyCredential` the way `PublicKeyCredential.toJSON()`
 * does (WebAuthn L3 §5.1, RegistrationResponseJSON / AuthenticationResponseJSON).
 * Fallback for browsers without `toJSON()`, and for authenticator extensions
 * whose credential objects throw from it.
 *
 * @param {any} credential a PublicKeyCredential (or a look-alike in tests)
 * @returns {Record<string, any>}
 */
export function credentialToJSON(credential) {
  const r = credential.response;
  /** @type {Record<string, any>} */
  const response = { clientDataJSON: base64urlEncode(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = base64urlEncode(r.attestationObject);
    response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    if (typeof r.getAuthenticatorData === 'function') {
      const data = r.getAuthenticatorData();
      if (data) response.authenticatorData = base64urlEncode(data);
    }
    if (typeof r.getPublicKeyAlgorithm === 'function') {
      response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
    }
    if (typeof r.getPublicKey === 'function') {
      const key = r.getPublicKey();
      if (key) response.publicKey = base64urlEncode(key);
    }
  } else {
    response.authenticatorData = base64urlEncode(r.authenticatorData);
    response.signature = base64urlEncode(r.signature);
    response.userHandle = r.userHandle ? base64urlEncode(r.userHandle) : null;
  }
  return {
    id: credential.id,
    rawId: base64urlEncode(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? null,
    response,
    clientExtensionResults:
      typeof credential.getClientExtensionResults === 'function'
        ? credential.getClientExtensionResults()
        : {},
  };
}

/**
 * The JSON form of a credential: `toJSON()` where the browser has it, else
 * {@link credentialToJSON}.
 *
 * @param {any} credential
 * @returns {Record<string, any>}
 */
export function serializeCredential(credential) {
  if (typeof credential.toJSON === 'function') {
    try {
      return credential.toJSON();
    } catch {
      // Some extension-provided credentials throw from toJSON(); fall through.
    }
  }
  return credentialToJSON(credential);
}

// ---------------------------------------------------------------------------
// 3. Errors
// ---------------------------------------------------------------------------

/**
 * @typedef {object} LatchkeyAPIError
 * @property {string} code stable error code, e.g. `form_identifier_exists`
 * @property {string} message short human message
 * @property {string} longMessage longer human message
 * @property {Record<string, any>} meta e.g. `{ paramName: 'username' }`
 */

/**
 * Thrown when the Frontend API answers with an error status.
 * `errors` holds the server's errors with camelCase keys; `retryAfter` is the
 * `Retry-After` header in seconds (429 responses), else null.
 */
export class LatchkeyAPIResponseError extends Error {
  /**
   * @param {number} status HTTP status (0 when the request never got an answer)
   * @param {LatchkeyAPIError[]} errors
   * @param {{ retryAfter?: number | null, traceId?: string | null }} [extra]
   */
  constructor(status, errors, extra = {}) {
    const first = errors[0];
    super(first ? `${first.code}: ${first.longMessage || first.message}` : `HTTP ${status}`);
    this.name = 'LatchkeyAPIResponseError';
    /** @type {number} */
    this.status = status;
    /** @type {LatchkeyAPIError[]} */
    this.errors = errors;
    /** @type {number | null} */
    this.retryAfter = extra.retryAfter ?? null;
    /** @type {string | null} */
    this.traceId = extra.traceId ?? null;
  }

  /** The first error's code, or null. @returns {string | null} */
  get code() {
    return this.errors[0]?.code ?? null;
  }

  /** A plain object so `JSON.stringify(err)` shows what went wrong. */
  toJSON() {
    return {
      name: this.name,
      status: this.status,
      code: this.code,
      message: this.message,
      errors: this.errors,
      retryAfter: this.retryAfter,
      traceId: this.traceId,
    };
  }
}

/**
 * The codes a failed browser ceremony can have.
 * @typedef {'passkey_not_supported' | 'passkey_pa_not_supported' | 'passkey_already_exists' |
 *   'passkey_registration_cancelled' | 'passkey_registration_failed' |
 *   'passkey_retrieval_cancelled' | 'passkey_retrieval_failed' |
 *   'passkey_operation_aborted' | 'passkey_invalid_rpID_or_domain'} LatchkeyWebAuthnErrorCode
 */

/** Thrown when a WebAuthn ceremony in the browser fails; `cause` holds the browser's error. */
export class LatchkeyWebAuthnError extends Error {
  /**
   * @param {string} message
   * @param {{ code: LatchkeyWebAuthnErrorCode, cause?: unknown }} options
   */
  constructor(message, { code, cause }) {
    super(message);
    this.name = 'LatchkeyWebAuthnError';
    /** @type {LatchkeyWebAuthnErrorCode} */
    this.code = code;
    if (cause !== undefined) {
      /** @type {unknown} */
      this.cause = cause;
    }
  }

  /** A plain object so `JSON.stringify(err)` shows the code and message. */
  toJSON() {
    const cause = /** @type {any} */ (this.cause);
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      cause: cause ? { name: cause.name, message: cause.message } : undefined,
    };
  }
}

/** @type {Record<LatchkeyWebAuthnErrorCode, string>} */
const WEBAUTHN_MESSAGES = {
  passkey_not_supported: 'Passkeys are not supported by this browser.',
  passkey_pa_not_supported: 'The authenticator does not support what this passkey requires.',
  passkey_already_exists: 'A passkey for this account is already registered on this authenticator.',
  passkey_registration_cancelled: 'Passkey registration was cancelled or timed out.',
  passkey_registration_failed: 'Passkey registration failed.',
  passkey_retrieval_cancelled: 'Passkey sign-in was cancelled or timed out.',
  passkey_retrieval_failed: 'Passkey sign-in failed.',
  passkey_operation_aborted: 'The passkey operation was aborted.',
  passkey_invalid_rpID_or_domain: 'This page is not allowed to use passkeys of this relying party.',
};

/**
 * Map what `navigator.credentials.create()` / `get()` threw (a DOMException,
 * or null for an empty result) to a {@link LatchkeyWebAuthnError}:
 * - AbortError → `passkey_operation_aborted` (a new ceremony or `cancel()` aborted it);
 * - NotAllowedError → `passkey_registration_cancelled` / `passkey_retrieval_cancelled`
 *   (WebAuthn §5.1.3 step 22 / §5.1.4: the user dismissed the dialog, or it timed out);
 * - InvalidStateError on create → `passkey_already_exists` (an excludeCredentials match, §6.3.2 step 3);
 * - SecurityError → `passkey_invalid_rpID_or_domain` (the RP ID is not a registrable suffix of the origin, §5.1.3 step 7);
 * - NotSupportedError → `passkey_pa_not_supported` (no authenticator supports the requested algorithms or options);
 * - null or anything else → `passkey_registration_failed` / `passkey_retrieval_failed`.
 *
 * @param {unknown} error what the browser threw, or null
 * @param {'create' | 'get'} ceremony
 * @returns {LatchkeyWebAuthnError}
 */
export function mapWebAuthnError(error, ceremony) {
  if (error instanceof LatchkeyWebAuthnError) return error;
  const name = error && typeof error === 'object' && 'name' in error ? String(error.name) : '';
  /** @type {LatchkeyWebAuthnErrorCode} */
  let code;
  if (name === 'AbortError') code = 'passkey_operation_aborted';
  else if (name === 'NotAllowedError') {
    code = ceremony === 'create' ? 'passkey_registration_cancelled' : 'passkey_retrieval_cancelled';
  } else if (name === 'InvalidStateError' && ceremony === 'create') code = 'passkey_already_exists';
  else if (name === 'SecurityError') code = 'passkey_invalid_rpID_or_domain';
  else if (name === 'NotSupportedError') code = 'passkey_pa_not_supported';
  else code = ceremony === 'create' ? 'passkey_registration_failed' : 'passkey_retrieval_failed';
  return new LatchkeyWebAuthnError(WEBAUTHN_MESSAGES[code], {
    code,
    cause: error ?? undefined,
  });
}

// ---------------------------------------------------------------------------
// 4. Abort service and ceremonies
// ---------------------------------------------------------------------------

/**
 * Keeps one WebAuthn ceremony running at a time: each new ceremony aborts the
 * one still pending (typically an autofill request waiting in the background).
 */
export class CeremonyAbortService {
  constructor() {
    /** @type {AbortController | null} */
    this.controller = null;
  }

  /**
   * Abort the pending ceremony, if any, and return a signal for a new one.
   * @returns {AbortSignal}
   */
  createSignal() {
    this.cancel('A new passkey ceremony started');
    this.controller = new AbortController();
    return this.controller.signal;
  }

  /**
   * Abort the pending ceremony, if any.
   * @param {string} [reason]
   */
  cancel(reason = 'The passkey ceremony was cancelled') {
    if (this.controller) {
      const error = new Error(reason);
      error.name = 'AbortError';
      this.controller.abort(error);
      this.controller = null;
    }
  }

  /**
   * Forget a signal whose ceremony has settled, so a later `createSignal`
   * does not abort an operation that is already over.
   * @param {AbortSignal} signal
   */
  release(signal) {
    if (this.controller && this.controller.signal === signal) this.controller = null;
  }
}

/** The service shared by every `Latchkey` instance on the page. */
export const ceremonyAbortService = new CeremonyAbortService();

/** @returns {boolean} whether this browser has WebAuthn at all. */
export function isWebAuthnSupported() {
  const g = /** @type {any} */ (globalThis);
  return (
    typeof g.PublicKeyCredential === 'function' &&
    typeof g.navigator?.credentials?.create === 'function' &&
    typeof g.navigator?.credentials?.get === 'function'
  );
}

/** @returns {Promise<boolean>} whether passkey autofill (conditional mediation) is available. */
export async function isConditionalMediationAvailable() {
  const PKC = /** @type {any} */ (globalThis).PublicKeyCredential;
  if (!PKC || typeof PKC.isConditionalMediationAvailable !== 'function') return false;
  try {
    return (await PKC.isConditionalMediationAvailable()) === true;
  } catch {
    return false;
  }
}

function notSupported() {
  return new LatchkeyWebAuthnError(WEBAUTHN_MESSAGES.passkey_not_supported, {
    code: 'passkey_not_supported',
  });
}

/**
 * Run `navigator.credentials.create()` with the creation options of a
 * verification nonce.
 *
 * @param {string | object} nonce creation options (JSON text or object)
 * @returns {Promise<{ credential: string, credentialId: string, userHandle: string | null }>}
 *   `credential` is the JSON text to send as `public_key_credential`;
 *   `userHandle` is `user.id` from the options (base64url).
 */
export async function runRegistrationCeremony(nonce) {
  if (!isWebAuthnSupported()) throw notSupported();
  const { publicKey, json } = parseCreationOptions(nonce);
  const signal = ceremonyAbortService.createSignal();
  /** @type {any} */
  let credential;
  try {
    credential = await navigator.credentials.create({ publicKey, signal });
  } catch (error) {
    throw mapWebAuthnError(error, 'create');
  } finally {
    ceremonyAbortService.release(signal);
  }
  if (!credential) throw mapWebAuthnError(null, 'create');
  return {
    credential: JSON.stringify(serializeCredential(credential)),
    credentialId: credential.id,
    userHandle: typeof json?.user?.id === 'string' ? json.user.id : null,
  };
}

/**
 * Run `navigator.credentials.get()` with the request options of a
 * verification nonce.
 *
 * @param {string | object} nonce request options (JSON text or object)
 * @param {{ mediation?: CredentialMediationRequirement }} [options]
 * @returns {Promise<{ credential: string, credentialId: string, userHandle: string | null }>}
 */
export async function runAuthenticationCeremony(nonce, options = {}) {
  if (!isWebAuthnSupported()) throw notSupported();
  const { publicKey } = parseRequestOptions(nonce);
  const signal = ceremonyAbortService.createSignal();
  /** @type {CredentialRequestOptions} */
  const request = { publicKey, signal };
  if (options.mediation) request.mediation = options.mediation;
  /** @type {any} */
  let credential;
  try {
    credential = await navigator.credentials.get(request);
  } catch (error) {
    throw mapWebAuthnError(error, 'get');
  } finally {
    ceremonyAbortService.release(signal);
  }
  if (!credential) throw mapWebAuthnError(null, 'get');
  const json = serializeCredential(credential);
  return {
    credential: JSON.stringify(json),
    credentialId: credential.id,
    userHandle: json.response?.userHandle ?? null,
  };
}

/**
 * Call a WebAuthn Signal API method (WebAuthn L3 §5.1.10-12) when the browser
 * has it. Signals are hints to the passkey provider: they never throw.
 *
 * @param {'signalUnknownCredential' | 'signalAllAcceptedCredentials' | 'signalCurrentUserDetails'} method
 * @param {Record<string, any>} options
 * @returns {Promise<boolean>} whether the browser took the signal
 */
export async function sendSignal(method, options) {
  try {
    const PKC = /** @type {any} */ (globalThis).PublicKeyCredential;
    if (!PKC || typeof PKC[method] !== 'function') return false;
    await PKC[method](options);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// 5. Token cache
// ---------------------------------------------------------------------------

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

/** Name of the cookie the SDK keeps the current session token in. */
export const SESSION_COOKIE = '__session';

/**
 * Write (or, with null, clear) the `__session` cookie on the page's own origin
 * so the app's backend receives the session token with same-site requests.
 * @param {string | null} jwt
 */
export function writeSessionCookie(jwt) {
  const doc = /** @type {any} */ (globalThis).document;
  if (!doc) return;
  const secure = globalThis.location?.protocol === 'https:' ? '; Secure' : '';
  doc.cookie =
    jwt === null
      ? `${SESSION_COOKIE}=; path=/; Max-Age=0; SameSite=Lax${secure}`
      : `${SESSION_COOKIE}=${jwt}; path=/; SameSite=Lax${secure}`;
}

// ---------------------------------------------------------------------------
// 6. Resources
// ---------------------------------------------------------------------------

/**
 * @param {number | null | undefined} ms
 * @returns {Date | null}
 */
function toDate(ms) {
  return typeof ms === 'number' ? new Date(ms) : null;
}

/**
 * snake_case → camelCase for the keys of a plain object (one level).
 * @param {Record<string, any> | null | undefined} obj
 * @returns {Record<string, any>}
 */
function camelKeys(obj) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, value] of Object.entries(obj ?? {})) {
    out[key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] = value;
  }
  return out;
}

/** A passkey challenge and its state. */
export class VerificationResource {
  /** @param {any} data wire object `verification_passkey` */
  constructor(data) {
    /** @type {'unverified' | 'verified' | 'failed' | 'expired'} */
    this.status = data.status;
    /** @type {string} */
    this.strategy = data.strategy;
    /** @type {string | null} JSON text of the WebAuthn options while unverified. */
    this.nonce = data.nonce ?? null;
    /** @type {number | null} */
    this.attempts = data.attempts ?? null;
    /** @type {Date | null} */
    this.expireAt = toDate(data.expire_at);
  }
}

/**
 * @param {any} data
 * @returns {VerificationResource | null}
 */
function verificationOrNull(data) {
  return data ? new VerificationResource(data) : null;
}

/** A passkey of the signed-in user. */
export class PasskeyResource {
  /**
   * @param {Latchkey} latchkey
   * @param {any} data wire object `passkey`
   */
  constructor(latchkey, data) {
    /** Internal. */
    this._latchkey = latchkey;
    /** @type {string} */
    this.id = data.id;
    /** @type {string} */
    this.name = data.name ?? null;
    /** @type {VerificationResource | null} */
    this.verification = verificationOrNull(data.verification);
    /** @type {Date | null} */
    this.lastUsedAt = toDate(data.last_used_at);
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
    /** @type {string | null} */
    this.aaguid = data.aaguid ?? null;
    /** @type {{ name: string, iconLight: string | null, iconDark: string | null } | null} */
    this.provider = data.provider
      ? {
          name: data.provider.name,
          iconLight: data.provider.icon_light ?? null,
          iconDark: data.provider.icon_dark ?? null,
        }
      : null;
    /** @type {boolean} */
    this.backedUp = Boolean(data.backed_up);
    /** @type {string[]} */
    this.transports = Array.isArray(data.transports) ? data.transports : [];
    /** @type {string | null} Credential id (base64url) when the server or this browser knows it. */
    this.credentialId = data.credential_id ?? latchkey._credentialIdOf(data.id);
  }

  /**
   * Rename the passkey (`PATCH /v1/me/passkeys/{id}`), then refresh the user.
   * @param {{ name: string }} params
   * @returns {Promise<PasskeyResource>}
   */
  async update({ name }) {
    const lk = this._latchkey;
    const data = await lk._request('PATCH', `/me/passkeys/${encodeURIComponent(this.id)}`, {
      body: { name },
      me: true,
    });
    const passkey = new PasskeyResource(lk, data);
    const user = await lk._reloadUserQuietly();
    if (user) await lk._signalUserDetails(user);
    return passkey;
  }

  /**
   * Delete the passkey (`DELETE /v1/me/passkeys/{id}`), then refresh the user
   * and tell the browser's passkey provider which credentials remain.
   * @returns {Promise<{ object: string, id: string, deleted: boolean }>}
   */
  async delete() {
    const lk = this._latchkey;
    const data = await lk._request('DELETE', `/me/passkeys/${encodeURIComponent(this.id)}`, {
      me: true,
    });
    const user = await lk._reloadUserQuietly();
    await lk._signalDeleted(this, user);
    return { object: data?.object ?? 'passkey', id: data?.id ?? this.id, deleted: data?.deleted ?? true };
  }
}

/** An email address of a user. */
export class EmailAddressResource {
  /** @param {any} data */
  constructor(data) {
    /** @type {string} */
    this.id = data.id;
    /** @type {string} */
    this.emailAddress = data.email_address;
  }

  toString() {
    return this.emailAddress;
  }
}

/** The signed-in user. */
export class UserResource {
  /**
   * @param {Latchkey} latchkey
   * @param {any} data wire object `user`
   */
  constructor(latchkey, data) {
    /** Internal. */
    this._latchkey = latchkey;
    /** @type {string} */
    this.id = data.id;
    /** @type {string | null} */
    this.username = data.username ?? null;
    /** @type {string | null} */
    this.firstName = data.first_name ?? null;
    /** @type {string | null} */
    this.lastName = data.last_name ?? null;
    /** @type {EmailAddressResource[]} */
    this.emailAddresses = (data.email_addresses ?? []).map(
      (/** @type {any} */ e) => new EmailAddressResource(e),
    );
    /** @type {PasskeyResource[]} */
    this.passkeys = (data.passkeys ?? []).map(
      (/** @type {any} */ p) => new PasskeyResource(latchkey, p),
    );
    /** @type {Date | null} */
    this.lastSignInAt = toDate(data.last_sign_in_at);
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
  }

  /** `firstName lastName`, or null when neither is set. @returns {string | null} */
  get fullName() {
    const name = [this.firstName, this.lastName].filter(Boolean).join(' ');
    return name || null;
  }

  /** The first email address, or null. @returns {EmailAddressResource | null} */
  get primaryEmailAddress() {
    return this.emailAddresses[0] ?? null;
  }

  /**
   * Register a new passkey for this user: start a registration
   * (`POST /v1/me/passkeys`), run `navigator.credentials.create()`, and finish it
   * (`POST /v1/me/passkeys/{id}/attempt_verification`). Reloads the user.
   * @returns {Promise<PasskeyResource>} the verified, named passkey
   */
  async createPasskey() {
    const lk = this._latchkey;
    const started = await lk._request('POST', '/me/passkeys', { me: true });
    const nonce = started?.verification?.nonce;
    if (!nonce) throw lk._unexpected('The passkey registration carried no creation options');
    const ceremony = await runRegistrationCeremony(nonce);
    const data = await lk._request(
      'POST',
      `/me/passkeys/${encodeURIComponent(started.id)}/attempt_verification`,
      { body: { strategy: 'passkey', public_key_credential: ceremony.credential }, me: true },
    );
    lk._rememberCredential(data.id, ceremony.credentialId);
    if (ceremony.userHandle) lk._rememberUserHandle(this.id, ceremony.userHandle);
    const passkey = new PasskeyResource(lk, data);
    await lk._reloadUserQuietly();
    return passkey;
  }

  /**
   * Fetch the user again (`GET /v1/me`) and update the SDK's state.
   * @returns {Promise<UserResource>}
   */
  async reload() {
    return this._latchkey._reloadUser();
  }

  /**
   * The user's active sessions on every client (`GET /v1/me/sessions`).
   * @returns {Promise<SessionResource[]>}
   */
  async getSessions() {
    const lk = this._latchkey;
    const data = await lk._request('GET', '/me/sessions', { me: true });
    return (Array.isArray(data) ? data : []).map((s) => new SessionResource(lk, s));
  }
}

/** A session of the signed-in user on this client. */
export class SessionResource {
  /**
   * @param {Latchkey} latchkey
   * @param {any} data wire object `session`
   */
  constructor(latchkey, data) {
    /** Internal. */
    this._latchkey = latchkey;
    /** @type {string} */
    this.id = data.id;
    /** @type {'active' | 'pending' | 'ended' | 'expired' | 'removed' | 'revoked' | 'abandoned'} */
    this.status = data.status;
    /** @type {UserResource | null} */
    this.user = data.user ? new UserResource(latchkey, data.user) : null;
    /** @type {{ key: string }[] | null} */
    this.tasks = Array.isArray(data.tasks) ? data.tasks : null;
    /** @type {{ object: 'token', jwt: string } | null} */
    this.lastActiveToken = data.last_active_token ?? null;
    /** @type {Date | null} */
    this.lastActiveAt = toDate(data.last_active_at);
    /** @type {Date | null} */
    this.expireAt = toDate(data.expire_at);
    /** @type {Date | null} */
    this.abandonAt = toDate(data.abandon_at);
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
  }

  /** The first pending task (e.g. `{ key: 'setup-passkey' }`), or null. @returns {{ key: string } | null} */
  get currentTask() {
    return this.tasks?.[0] ?? null;
  }

  /**
   * A session token (JWT) for the app's backend: the cached one while it has
   * more than ~15 s left, else a new one (`POST /v1/client/sessions/{id}/tokens`).
   * The token is also written to the `__session` cookie of the page's origin.
   * @param {{ skipCache?: boolean }} [options]
   * @returns {Promise<string | null>} null when the session is not active or pending
   */
  async getToken(options = {}) {
    return this._latchkey._getToken(this.id, options);
  }

  /**
   * End this session (`POST /v1/client/sessions/{id}/end`).
   * @returns {Promise<SessionResource>}
   */
  async end() {
    const lk = this._latchkey;
    const data = await lk._request('POST', `/client/sessions/${encodeURIComponent(this.id)}/end`);
    lk._forgetToken(this.id);
    return new SessionResource(lk, data);
  }

  /**
   * Revoke this session, on whichever client it lives (`POST /v1/me/sessions/{id}/revoke`).
   * @returns {Promise<SessionResource>}
   */
  async revoke() {
    const lk = this._latchkey;
    const data = await lk._request('POST', `/me/sessions/${encodeURIComponent(this.id)}/revoke`, { me: true });
    lk._forgetToken(this.id);
    return new SessionResource(lk, data);
  }

  /**
   * Mark this session as the client's last active one (`POST /v1/client/sessions/{id}/touch`).
   * @returns {Promise<SessionResource>}
   */
  async touch() {
    const lk = this._latchkey;
    const data = await lk._request('POST', `/client/sessions/${encodeURIComponent(this.id)}/touch`);
    return new SessionResource(lk, data);
  }
}

/** A sign-in attempt. An empty one (no `id`) can still `create()`. */
export class SignInResource {
  /**
   * @param {Latchkey} latchkey
   * @param {any} data wire object `sign_in_attempt`, or null for an empty resource
   */
  constructor(latchkey, data) {
    /** Internal. */
    this._latchkey = latchkey;
    const d = data ?? {};
    /** @type {string | null} */
    this.id = d.id ?? null;
    /** @type {'needs_identifier' | 'needs_first_factor' | 'complete' | 'abandoned' | null} */
    this.status = d.status ?? null;
    /** @type {string | null} */
    this.identifier = d.identifier ?? null;
    /** @type {{ strategy: string }[]} */
    this.supportedFirstFactors = Array.isArray(d.supported_first_factors)
      ? d.supported_first_factors.map(camelKeys)
      : [];
    /** @type {VerificationResource | null} */
    this.firstFactorVerification = verificationOrNull(d.first_factor_verification);
    /** @type {string | null} */
    this.createdSessionId = d.created_session_id ?? null;
    /** @type {Date | null} */
    this.abandonAt = toDate(d.abandon_at);
  }

  /**
   * Start a sign-in (`POST /v1/client/sign_ins`): with `identifier` (username or
   * email) for identifier-first sign-in, or with `strategy: 'passkey'` for a
   * discoverable one.
   * @param {{ identifier?: string, strategy?: 'passkey' }} params
   * @returns {Promise<SignInResource>}
   */
  async create(params) {
    const lk = this._latchkey;
    const data = await lk._request('POST', '/client/sign_ins', { body: params });
    return new SignInResource(lk, data);
  }

  /**
   * Get the passkey request options for this sign-in's user
   * (`POST /v1/client/sign_ins/{id}/prepare_first_factor`).
   * @param {{ strategy: 'passkey' }} [params]
   * @returns {Promise<SignInResource>}
   */
  async prepareFirstFactor(params = { strategy: 'passkey' }) {
    const lk = this._latchkey;
    const data = await lk._request('POST', `/client/sign_ins/${this._requireId()}/prepare_first_factor`, {
      body: params,
    });
    return new SignInResource(lk, data);
  }

  /**
   * Send the passkey assertion (`POST /v1/client/sign_ins/{id}/attempt_first_factor`).
   * @param {{ strategy: 'passkey', publicKeyCredential: string | object }} params
   * @returns {Promise<SignInResource>}
   */
  async attemptFirstFactor({ strategy, publicKeyCredential }) {
    const lk = this._latchkey;
    const credential =
      typeof publicKeyCredential === 'string' ? publicKeyCredential : JSON.stringify(publicKeyCredential);
    const data = await lk._request('POST', `/client/sign_ins/${this._requireId()}/attempt_first_factor`, {
      body: { strategy, public_key_credential: credential },
    });
    return new SignInResource(lk, data);
  }

  /**
   * Sign in with a passkey.
   * - `flow: 'discoverable'` starts a new sign-in and lets the user pick any passkey;
   * - `flow: 'autofill'` does the same through the browser's autofill
   *   (conditional mediation) — or a modal request where that is unavailable —
   *   and never replaces a sign-in that is already past its first factor;
   * - no flow, on a sign-in created with an identifier: asks for that user's passkeys.
   *
   * The returned sign-in is `complete` with `createdSessionId`; pass it to
   * `latchkey.setActive()`.
   * @param {{ flow?: 'discoverable' | 'autofill' }} [params]
   * @returns {Promise<SignInResource>}
   */
  async authenticateWithPasskey({ flow } = {}) {
    const lk = this._latchkey;
    if (!isWebAuthnSupported()) throw notSupported();
    /** @type {SignInResource} */
    let attempt;
    /** @type {CredentialMediationRequirement | undefined} */
    let mediation;
    if (!flow && this.id && this.status === 'needs_first_factor' && this.identifier) {
      attempt = await this.prepareFirstFactor({ strategy: 'passkey' });
    } else {
      if (flow === 'autofill') {
        const kept = lk._signInPastFirstFactor();
        if (kept) return kept;
        if (await isConditionalMediationAvailable()) mediation = 'conditional';
      }
      attempt = await this.create({ strategy: 'passkey' });
    }
    const nonce = attempt.firstFactorVerification?.nonce;
    if (!nonce) throw lk._unexpected('The sign-in carried no passkey request options');
    const ceremony = await runAuthenticationCeremony(nonce, { mediation });
    if (flow === 'autofill') {
      // The user may have finished another sign-in while the autofill request waited.
      const kept = lk._signInPastFirstFactor();
      if (kept) return kept;
    }
    /** @type {SignInResource} */
    let result;
    try {
      result = await attempt.attemptFirstFactor({
        strategy: 'passkey',
        publicKeyCredential: ceremony.credential,
      });
    } catch (error) {
      if (error instanceof LatchkeyAPIResponseError && error.code === 'passkey_not_registered') {
        // WebAuthn L3 §5.1.10: let the provider hide a credential the server no longer knows.
        await lk._signalUnknownCredential(ceremony.credentialId);
      }
      throw error;
    }
    if (ceremony.userHandle && result.createdSessionId) {
      const session = lk.client?.sessions.find((s) => s.id === result.createdSessionId);
      if (session?.user) lk._rememberUserHandle(session.user.id, ceremony.userHandle);
    }
    return result;
  }

  /** @returns {string} */
  _requireId() {
    if (!this.id) throw this._latchkey._unexpected('This sign-in has not been created yet');
    return encodeURIComponent(this.id);
  }
}

/** A sign-up attempt. An empty one (no `id`) can still `create()`. */
export class SignUpResource {
  /**
   * @param {Latchkey} latchkey
   * @param {any} data wire object `sign_up_attempt`, or null for an empty resource
   */
  constructor(latchkey, data) {
    /** Internal. */
    this._latchkey = latchkey;
    const d = data ?? {};
    /** @type {string | null} */
    this.id = d.id ?? null;
    /** @type {'missing_requirements' | 'complete' | 'abandoned' | null} */
    this.status = d.status ?? null;
    /** @type {string | null} */
    this.username = d.username ?? null;
    /** @type {string | null} */
    this.emailAddress = d.email_address ?? null;
    /** @type {string | null} */
    this.firstName = d.first_name ?? null;
    /** @type {string | null} */
    this.lastName = d.last_name ?? null;
    /** @type {string[]} */
    this.missingFields = Array.isArray(d.missing_fields) ? d.missing_fields : [];
    /** @type {VerificationResource | null} */
    this.verification = verificationOrNull(d.verification);
    /** @type {string | null} */
    this.createdUserId = d.created_user_id ?? null;
    /** @type {string | null} */
    this.createdSessionId = d.created_session_id ?? null;
    /** @type {Date | null} */
    this.abandonAt = toDate(d.abandon_at);
  }

  /**
   * Sign up with a username (`POST /v1/client/sign_ups`). A `complete` sign-up
   * has `createdSessionId`; pass it to `latchkey.setActive()`.
   * @param {{ username?: string, emailAddress?: string, firstName?: string, lastName?: string, strategy?: 'passkey' }} params
   * @returns {Promise<SignUpResource>}
   */
  async create(params) {
    const lk = this._latchkey;
    const data = await lk._request('POST', '/client/sign_ups', {
      body: {
        strategy: params.strategy,
        username: params.username,
        email_address: params.emailAddress,
        first_name: params.firstName,
        last_name: params.lastName,
      },
    });
    return new SignUpResource(lk, data);
  }

  /**
   * Send the passkey created for a passkey-first sign-up
   * (`POST /v1/client/sign_ups/{id}/attempt_verification`).
   * @param {{ strategy: 'passkey', publicKeyCredential: string | object }} params
   * @returns {Promise<SignUpResource>}
   */
  async attemptVerification({ strategy, publicKeyCredential }) {
    const lk = this._latchkey;
    if (!this.id) throw lk._unexpected('This sign-up has not been created yet');
    const credential =
      typeof publicKeyCredential === 'string' ? publicKeyCredential : JSON.stringify(publicKeyCredential);
    const data = await lk._request('POST', `/client/sign_ups/${encodeURIComponent(this.id)}/attempt_verification`, {
      body: { strategy, public_key_credential: credential },
    });
    return new SignUpResource(lk, data);
  }

  /**
   * Passkey-first sign-up: start a sign-up with `strategy=passkey`, create the
   * passkey in the browser, finish the sign-up, and make the new session active.
   * @param {{ username?: string }} [params]
   * @returns {Promise<SignUpResource>}
   */
  async createWithPasskey({ username } = {}) {
    const lk = this._latchkey;
    if (!isWebAuthnSupported()) throw notSupported();
    const started = await this.create({ strategy: 'passkey', username: username || undefined });
    const nonce = started.verification?.nonce;
    if (!nonce) throw lk._unexpected('The sign-up carried no passkey creation options');
    const ceremony = await runRegistrationCeremony(nonce);
    const done = await started.attemptVerification({
      strategy: 'passkey',
      publicKeyCredential: ceremony.credential,
    });
    if (done.createdUserId && ceremony.userHandle) {
      lk._rememberUserHandle(done.createdUserId, ceremony.userHandle);
    }
    if (done.status === 'complete' && done.createdSessionId) {
      await lk.setActive({ session: done.createdSessionId });
      const passkeys = lk.user?.passkeys ?? [];
      if (passkeys.length === 1) lk._rememberCredential(passkeys[0].id, ceremony.credentialId);
    }
    return done;
  }
}

/** The browser's client: its sessions and the sign-in / sign-up in progress. */
export class ClientResource {
  /**
   * @param {Latchkey} latchkey
   * @param {any} data wire object `client`
   */
  constructor(latchkey, data) {
    /** @type {string} */
    this.id = data.id;
    /** @type {SessionResource[]} */
    this.sessions = (data.sessions ?? []).map(
      (/** @type {any} */ s) => new SessionResource(latchkey, s),
    );
    /** @type {SignInResource | null} */
    this.signIn = data.sign_in ? new SignInResource(latchkey, data.sign_in) : null;
    /** @type {SignUpResource | null} */
    this.signUp = data.sign_up ? new SignUpResource(latchkey, data.sign_up) : null;
    /** @type {string | null} */
    this.lastActiveSessionId = data.last_active_session_id ?? null;
    /** @type {Date | null} */
    this.createdAt = toDate(data.created_at);
    /** @type {Date | null} */
    this.updatedAt = toDate(data.updated_at);
  }

  /** Sessions that can be used (`active` or `pending`). @returns {SessionResource[]} */
  get activeSessions() {
    return this.sessions.filter((s) => s.status === 'active' || s.status === 'pending');
  }
}

// ---------------------------------------------------------------------------
// 7. Latchkey
// ---------------------------------------------------------------------------

/**
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

const STORAGE_PREFIX = 'latchkey:';

/**
 * The SDK's entry point: holds the client state, makes the Frontend API calls
 * and notifies listeners of every change.
 */
export class Latchkey {
  /**
   * @param {{ frontendApi?: string, fetch?: typeof fetch }} [options]
   *   `frontendApi`: the Latchkey server's origin (default: the origin this
   *   script was loaded from); `fetch`: a fetch implementation (default: global).
   */
  constructor({ frontendApi, fetch: fetchImpl } = {}) {
    /** @type {string} */
    this.frontendApi = (frontendApi ?? new URL(import.meta.url).origin).replace(/\/+$/, '');
    /** @type {typeof fetch | undefined} */
    this._fetch = fetchImpl;
    /** @type {boolean} */
    this.isLoaded = false;
    /** @type {Environment | null} */
    this.environment = null;
    /** @type {ClientResource | null} */
    this.client = null;
    /** @type {string | null} */
    this._sessionId = null;
    /** @type {Set<LatchkeyListener>} */
    this._listeners = new Set();
    /** Internal. */
    this._tokens = new TokenCache();
    /** @type {Map<string, Promise<string | null>>} */
    this._tokenRequests = new Map();
    /** @type {Map<string, string>} */
    this._memory = new Map();
    /** @type {Map<string, string>} */
    this._sessionStatuses = new Map();
    /** @type {Promise<unknown>} Requests that may create the client, in order. */
    this._clientCreation = Promise.resolve();
  }

  /**
   * Read the environment (`GET /v1/environment`) and the client (`GET /v1/client`).
   * @returns {Promise<Latchkey>}
   */
  async load() {
    const env = await this._request('GET', '/environment', { raw: true });
    this.environment = {
      authConfig: {
        passkey: /** @type {any} */ (camelKeys(env?.auth_config?.passkey)),
        signUp: /** @type {any} */ (camelKeys(env?.auth_config?.sign_up)),
      },
      displayConfig: /** @type {any} */ (camelKeys(env?.display_config)),
    };
    await this._request('GET', '/client', { quiet: true });
    const client = this.client;
    const last = client?.lastActiveSessionId;
    this._sessionId = last && client?.activeSessions.some((s) => s.id === last) ? last : null;
    this.isLoaded = true;
    this._emit();
    return this;
  }

  /** The current session, or null. @returns {SessionResource | null} */
  get session() {
    if (!this._sessionId || !this.client) return null;
    return this.client.activeSessions.find((s) => s.id === this._sessionId) ?? null;
  }

  /** The signed-in user, or null. @returns {UserResource | null} */
  get user() {
    return this.session?.user ?? null;
  }

  /** Whether a session is current. @returns {boolean} */
  get isSignedIn() {
    return this.session !== null;
  }

  /**
   * The sign-in in progress, or an empty one to `create()` / `authenticateWithPasskey()` with.
   * @returns {SignInResource}
   */
  get signIn() {
    return this.client?.signIn ?? new SignInResource(this, null);
  }

  /**
   * The sign-up in progress, or an empty one to `create()` / `createWithPasskey()` with.
   * @returns {SignUpResource}
   */
  get signUp() {
    return this.client?.signUp ?? new SignUpResource(this, null);
  }

  /**
   * Call `listener` with `{ user, session, client }` now (when loaded) and on every change.
   * @param {LatchkeyListener} listener
   * @returns {() => void} unsubscribe
   */
  addListener(listener) {
    this._listeners.add(listener);
    if (this.isLoaded) listener(this._state());
    return () => {
      this._listeners.delete(listener);
    };
  }

  /**
   * Make a session the current one: touch it on the server, update the state,
   * notify listeners, then call `navigate({ session })` or go to `redirectUrl`.
   * `session: null` signs out locally (the session stays valid on the server).
   * @param {{ session: string | SessionResource | null, redirectUrl?: string,
   *   navigate?: (params: { session: SessionResource | null }) => unknown }} params
   * @returns {Promise<void>}
   */
  async setActive({ session, redirectUrl, navigate }) {
    const id = typeof session === 'string' ? session : (session?.id ?? null);
    if (id) {
      await this._request('POST', `/client/sessions/${encodeURIComponent(id)}/touch`, { quiet: true });
      if (!this.client?.activeSessions.some((s) => s.id === id)) {
        throw this._unexpected('The session is not active on this client');
      }
      this._sessionId = id;
    } else {
      if (this._sessionId) this._forgetToken(this._sessionId);
      this._sessionId = null;
      writeSessionCookie(null);
    }
    this._emit();
    if (navigate) await navigate({ session: this.session });
    else if (redirectUrl && globalThis.location) globalThis.location.href = redirectUrl;
  }

  /**
   * Sign out: end the current session on the server and clear the `__session` cookie.
   * @param {{ redirectUrl?: string }} [options]
   * @returns {Promise<void>}
   */
  async signOut({ redirectUrl } = {}) {
    const session = this.session;
    ceremonyAbortService.cancel('Signing out');
    try {
      if (session) await session.end();
    } finally {
      if (session) this._forgetToken(session.id);
      this._sessionId = null;
      writeSessionCookie(null);
      this._emit();
    }
    if (redirectUrl && globalThis.location) globalThis.location.href = redirectUrl;
  }

  /** Abort a pending passkey ceremony (e.g. an autofill request) of this page. */
  cancelCeremony() {
    ceremonyAbortService.cancel();
  }

  // ----- internals (not part of the public API; used by the resources) -----

  /** @returns {LatchkeyState} */
  _state() {
    return { user: this.user, session: this.session, client: this.client };
  }

  /** Internal. */
  _emit() {
    const state = this._state();
    for (const listener of [...this._listeners]) {
      try {
        listener(state);
      } catch (error) {
        console.error('Latchkey listener failed', error);
      }
    }
  }

  /**
   * Replace the client copy with the one from a response.
   * @param {any} data
   */
  _setClient(data) {
    this.client = data ? new ClientResource(this, data) : null;
    if (this._sessionId && !this.client?.activeSessions.some((s) => s.id === this._sessionId)) {
      // The current session ended elsewhere: follow the server's choice, if any.
      this._forgetToken(this._sessionId);
      const last = this.client?.lastActiveSessionId ?? null;
      this._sessionId = last && this.client?.activeSessions.some((s) => s.id === last) ? last : null;
      if (!this._sessionId) writeSessionCookie(null);
    }
    for (const session of this.client?.sessions ?? []) {
      // A token's `sts` claim carries the session status: when the status
      // changes (pending → active after the setup-passkey task), drop it.
      const previous = this._sessionStatuses.get(session.id);
      if (previous && previous !== session.status) this._tokens.clear(session.id);
      this._sessionStatuses.set(session.id, session.status);
      const jwt = session.lastActiveToken?.jwt;
      if (jwt && !this._tokens.get(session.id) && tokenMatchesStatus(jwt, session.status)) {
        this._tokens.set(session.id, jwt);
      }
    }
  }

  /**
   * Make a Frontend API call. PATCH and DELETE are tunnelled through POST
   * (`?_method=`) and bodies are form-encoded, so cross-origin calls stay
   * "simple" requests without a CORS preflight.
   * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
   * @param {string} path below `/v1`
   * @param {{ body?: Record<string, any>, me?: boolean, raw?: boolean, quiet?: boolean }} [options]
   *   `me`: add `_latchkey_session_id`; `raw`: return the body as is (no envelope);
   *   `quiet`: do not notify listeners.
   * @returns {Promise<any>}
   */
  async _request(method, path, { body, me = false, raw = false, quiet = false } = {}) {
    const url = new URL(`${this.frontendApi}/v1${path}`);
    if (method === 'PATCH' || method === 'DELETE') url.searchParams.set('_method', method);
    if (me && this._sessionId) url.searchParams.set('_latchkey_session_id', this._sessionId);
    /** @type {RequestInit} */
    const init = { method: method === 'GET' ? 'GET' : 'POST', credentials: 'include' };
    if (init.method === 'POST') {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(body ?? {})) {
        if (value !== undefined && value !== null) form.set(key, String(value));
      }
      init.body = form;
    }
    /** @type {Response} */
    let res;
    try {
      res = await this._send(url, init);
    } catch (error) {
      throw new LatchkeyAPIResponseError(0, [
        {
          code: 'network_error',
          message: 'The Latchkey server could not be reached',
          longMessage: `The request to ${url.origin} failed: ${/** @type {any} */ (error)?.message ?? error}`,
          meta: {},
        },
      ]);
    }
    /** @type {any} */
    let json = null;
    const text = await res.text();
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!res.ok) throw errorFromResponse(res, json);
    if (raw || !json || typeof json !== 'object' || !('response' in json)) return json;
    if ('client' in json) {
      this._setClient(json.client);
      if (!quiet) this._emit();
    }
    return json.response;
  }

  /**
   * Send a request. While this browser has no client yet, state-changing
   * requests go one at a time: each of them may create a client and set its
   * `__client` cookie, and two racing ones (say a background autofill sign-in
   * and a sign-up) would create two clients, the later cookie winning and
   * orphaning the other's session.
   * @param {URL} url
   * @param {RequestInit} init
   * @returns {Promise<Response>}
   */
  async _send(url, init) {
    const fetchImpl = this._fetch ?? globalThis.fetch;
    if (init.method !== 'POST' || this.client) return fetchImpl(url.toString(), init);
    const previous = this._clientCreation;
    /** @type {() => void} */
    let release = () => {};
    const mine = new Promise((resolve) => {
      release = () => resolve(undefined);
    });
    this._clientCreation = previous.then(() => mine);
    await previous;
    try {
      return await fetchImpl(url.toString(), init);
    } finally {
      release();
    }
  }

  /**
   * @param {string} message
   * @returns {LatchkeyAPIResponseError}
   */
  _unexpected(message) {
    return new LatchkeyAPIResponseError(0, [
      { code: 'unexpected_response', message, longMessage: message, meta: {} },
    ]);
  }

  /**
   * @returns {Promise<UserResource>}
   */
  async _reloadUser() {
    const data = await this._request('GET', '/me', { me: true, quiet: true });
    const user = new UserResource(this, data);
    const session = this.session;
    if (session && session.user?.id === user.id) session.user = user;
    this._emit();
    return user;
  }

  /**
   * Reload the user after a change; a failure here must not hide the change's success.
   * @returns {Promise<UserResource | null>}
   */
  async _reloadUserQuietly() {
    try {
      return await this._reloadUser();
    } catch {
      return null;
    }
  }

  /**
   * @param {string} sessionId
   * @param {{ skipCache?: boolean }} options
   * @returns {Promise<string | null>}
   */
  async _getToken(sessionId, { skipCache = false } = {}) {
    if (!skipCache) {
      const cached = this._tokens.get(sessionId);
      if (cached) {
        if (sessionId === this._sessionId) writeSessionCookie(cached);
        return cached;
      }
      const inFlight = this._tokenRequests.get(sessionId);
      if (inFlight) return inFlight;
    }
    const request = (async () => {
      try {
        const data = await this._request('POST', `/client/sessions/${encodeURIComponent(sessionId)}/tokens`);
        const jwt = typeof data?.jwt === 'string' ? data.jwt : null;
        if (jwt) {
          this._tokens.set(sessionId, jwt);
          if (sessionId === this._sessionId) writeSessionCookie(jwt);
        }
        return jwt;
      } catch (error) {
        if (error instanceof LatchkeyAPIResponseError && error.status === 401) {
          this._forgetToken(sessionId);
          if (sessionId === this._sessionId) writeSessionCookie(null);
        }
        throw error;
      } finally {
        this._tokenRequests.delete(sessionId);
      }
    })();
    this._tokenRequests.set(sessionId, request);
    return request;
  }

  /** @param {string} sessionId */
  _forgetToken(sessionId) {
    this._tokens.clear(sessionId);
  }

  /**
   * The client's sign-in when it is past its first factor and its session is
   * still alive — an autofill request must leave it alone.
   * @returns {SignInResource | null}
   */
  _signInPastFirstFactor() {
    const signIn = this.client?.signIn;
    if (!signIn || !signIn.status) return null;
    if (signIn.status === 'needs_identifier' || signIn.status === 'needs_first_factor' || signIn.status === 'abandoned') {
      return null;
    }
    if (signIn.status === 'complete') {
      const alive = this.client?.activeSessions.some((s) => s.id === signIn.createdSessionId);
      return alive && signIn.createdSessionId !== this._sessionId ? signIn : null;
    }
    return signIn;
  }

  // ----- what this browser learnt about passkeys (for the Signal API) -----

  /**
   * @param {string} key
   * @returns {string | null}
   */
  _recall(key) {
    try {
      const value = globalThis.localStorage?.getItem(STORAGE_PREFIX + key);
      if (value) return value;
    } catch {
      // Storage can be disabled; fall back to memory.
    }
    return this._memory.get(key) ?? null;
  }

  /**
   * @param {string} key
   * @param {string} value
   */
  _remember(key, value) {
    this._memory.set(key, value);
    try {
      globalThis.localStorage?.setItem(STORAGE_PREFIX + key, value);
    } catch {
      // Memory is enough.
    }
  }

  /** @param {string} passkeyId @param {string} credentialId */
  _rememberCredential(passkeyId, credentialId) {
    if (passkeyId && credentialId) this._remember(`credential:${passkeyId}`, credentialId);
  }

  /** @param {string} passkeyId @returns {string | null} */
  _credentialIdOf(passkeyId) {
    return this._recall(`credential:${passkeyId}`);
  }

  /** @param {string} userId @param {string} userHandle */
  _rememberUserHandle(userId, userHandle) {
    if (userId && userHandle) this._remember(`user_handle:${userId}`, userHandle);
  }

  /** @returns {string | null} */
  _rpId() {
    return this.environment?.displayConfig?.rpId ?? null;
  }

  /** @param {string} credentialId */
  async _signalUnknownCredential(credentialId) {
    const rpId = this._rpId();
    if (rpId && credentialId) await sendSignal('signalUnknownCredential', { rpId, credentialId });
  }

  /** @param {UserResource} user */
  async _signalUserDetails(user) {
    const rpId = this._rpId();
    const userId = this._recall(`user_handle:${user.id}`);
    if (!rpId || !userId || !user.username) return;
    await sendSignal('signalCurrentUserDetails', {
      rpId,
      userId,
      name: user.username,
      displayName: user.fullName ?? user.username,
    });
  }

  /**
   * After a deletion: list the remaining credentials when every one of them
   * is known here (a partial list would hide valid passkeys), else name the
   * deleted credential as unknown when that one is known.
   * @param {PasskeyResource} deleted
   * @param {UserResource | null} user
   */
  async _signalDeleted(deleted, user) {
    const rpId = this._rpId();
    if (!rpId) return;
    const userId = user ? this._recall(`user_handle:${user.id}`) : null;
    const remaining = user?.passkeys.filter((p) => p.id !== deleted.id) ?? null;
    if (userId && remaining && remaining.every((p) => p.credentialId)) {
      await sendSignal('signalAllAcceptedCredentials', {
        rpId,
        userId,
        allAcceptedCredentialIds: remaining.map((p) => p.credentialId),
      });
    } else if (deleted.credentialId) {
      await sendSignal('signalUnknownCredential', { rpId, credentialId: deleted.credentialId });
    }
  }
}

/**
 * Whether a session token was minted for a session in this status.
 * @param {string} jwt
 * @param {string} status
 * @returns {boolean}
 */
function tokenMatchesStatus(jwt, status) {
  try {
    return decodeJwtClaims(jwt).sts === status;
  } catch {
    return false;
  }
}

/**
 * Build the error for a failed response from its `{ errors, trace_id }` body.
 * @param {{ status: number, headers: { get(name: string): string | null } }} res
 * @param {any} body parsed JSON body, or null
 * @returns {LatchkeyAPIResponseError}
 */
export function errorFromResponse(res, body) {
  const list = Array.isArray(body?.errors) ? body.errors : [];
  /** @type {LatchkeyAPIError[]} */
  const errors = list.map((/** @type {any} */ e) => ({
    code: String(e?.code ?? 'unknown_error'),
    message: String(e?.message ?? ''),
    longMessage: String(e?.long_message ?? e?.message ?? ''),
    meta: camelKeys(e?.meta),
  }));
  if (errors.length === 0) {
    errors.push({
      code: 'unexpected_response',
      message: `The server answered HTTP ${res.status}`,
      longMessage: `The server answered HTTP ${res.status} without an error body`,
      meta: {},
    });
  }
  return new LatchkeyAPIResponseError(res.status, errors, {
    retryAfter: parseRetryAfter(res.headers.get('Retry-After')),
    traceId: typeof body?.trace_id === 'string' ? body.trace_id : null,
  });
}

/**
 * Parse a `Retry-After` header: delta-seconds, or an HTTP date.
 * @param {string | null} value
 * @param {number} [now] milliseconds
 * @returns {number | null} seconds to wait, or null
 */
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
