// @ts-check
/**
 * The SDK's errors: what a failed Frontend API call throws, what a failed
 * browser ceremony throws, and the mapping from the browser's DOMExceptions
 * to error codes.
 *
 * @module latchkey/errors
 */
import { camelKeysDeep } from './wire.js';

/**
 * The error codes the Latchkey server answers with (API.md §5). The server's
 * list is `Error::code` in `crates/latchkey-core/src/error.rs`;
 * `sdk/test/error-codes.test.js` fails when the two differ.
 * @typedef {'form_param_missing' | 'form_param_format_invalid' | 'form_param_value_invalid' |
 *   'form_identifier_exists' | 'form_identifier_not_found' | 'form_identifier_not_verified' |
 *   'form_code_incorrect' | 'request_body_invalid' | 'request_body_too_large' | 'request_timeout' |
 *   'resource_not_found' | 'authentication_invalid' | 'origin_invalid' | 'user_banned' |
 *   'operator_required' | 'enrolment_invalid' | 'setting_pinned' | 'strategy_not_enabled' |
 *   'passkey_not_registered' | 'passkey_invalid_public_key_credential' | 'passkey_invalid_verification' |
 *   'passkey_identification_not_verified' | 'passkey_quota_exceeded' | 'passkey_already_exists' |
 *   'verification_expired' | 'verification_already_verified' | 'verification_failed' |
 *   'session_reverification_required' | 'rate_limit_exceeded' | 'service_unavailable' | 'internal_error'} LatchkeyServerErrorCode
 */

/**
 * The codes a `LatchkeyAPIResponseError` can carry: the server's, and the
 * SDK's own for a server that could not be reached (`network_error`), an
 * answer it could not use (`unexpected_response`), or an error without a code
 * (`unknown_error`).
 * @typedef {LatchkeyServerErrorCode | 'network_error' | 'unexpected_response' | 'unknown_error'} LatchkeyAPIErrorCode
 */

/**
 * One error of a failed Frontend API call.
 * @typedef {object} LatchkeyAPIError
 * @property {LatchkeyAPIErrorCode} code stable error code, e.g. `form_identifier_exists`
 * @property {string} message short human message
 * @property {string} longMessage longer human message
 * @property {Record<string, any>} meta e.g. `{ paramName: 'username' }` or
 *   `{ reverification: { level: 'first_factor', afterMinutes: 10 } }` (keys camelCased at every depth)
 */

/**
 * Thrown when the Frontend API answers with an error status.
 * `errors` holds the server's errors with camelCase keys; `retryAfter` is the
 * `Retry-After` header in seconds (429 responses), else null.
 */
export class LatchkeyAPIResponseError extends Error {
  /** @override @type {'LatchkeyAPIResponseError'} */
  name = 'LatchkeyAPIResponseError';

  /**
   * @param {number} status HTTP status (0 when the request never got an answer)
   * @param {LatchkeyAPIError[]} errors
   * @param {{ retryAfter?: number | null, traceId?: string | null }} [extra]
   */
  constructor(status, errors, extra = {}) {
    const first = errors[0];
    super(first ? `${first.code}: ${first.longMessage || first.message}` : `HTTP ${status}`);
    /** @type {number} HTTP status; 0 when the server could not be reached. */
    this.status = status;
    /** @type {LatchkeyAPIError[]} */
    this.errors = errors;
    /** @type {number | null} `Retry-After` in seconds (429 responses), else null. */
    this.retryAfter = extra.retryAfter ?? null;
    /** @type {string | null} */
    this.traceId = extra.traceId ?? null;
  }

  /** The first error's code, or null. @returns {LatchkeyAPIErrorCode | null} */
  get code() {
    return this.errors[0]?.code ?? null;
  }

  /**
   * A plain object so `JSON.stringify(err)` shows what went wrong.
   * @returns {{ name: string, status: number, code: LatchkeyAPIErrorCode | null, message: string,
   *   errors: LatchkeyAPIError[], retryAfter: number | null, traceId: string | null }}
   */
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
 * Whether `error` asks for a fresh factor before the action can run
 * (`403 session_reverification_required`): prove one with
 * `session.verifyWithPasskey()` (or an email code), then retry the action.
 * `error.errors[0].meta.reverification` holds `{ level, afterMinutes }`.
 * @param {unknown} error
 * @returns {error is LatchkeyAPIResponseError}
 */
export function isReverificationRequired(error) {
  return error instanceof LatchkeyAPIResponseError && error.code === 'session_reverification_required';
}

/**
 * An error the SDK raises itself when an answer lacks what it needs.
 * @param {string} message
 * @returns {LatchkeyAPIResponseError}
 */
export function unexpectedResponse(message) {
  return new LatchkeyAPIResponseError(0, [
    { code: 'unexpected_response', message, longMessage: message, meta: {} },
  ]);
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
    code: /** @type {LatchkeyAPIErrorCode} */ (String(e?.code ?? 'unknown_error')),
    message: String(e?.message ?? ''),
    longMessage: String(e?.long_message ?? e?.message ?? ''),
    meta: camelKeysDeep(e?.meta),
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

/**
 * The codes a failed browser ceremony can have.
 * @typedef {'passkey_not_supported' | 'passkey_pa_not_supported' | 'passkey_already_exists' |
 *   'passkey_registration_cancelled' | 'passkey_registration_failed' |
 *   'passkey_retrieval_cancelled' | 'passkey_retrieval_failed' |
 *   'passkey_operation_aborted' | 'passkey_invalid_rpID_or_domain'} LatchkeyWebAuthnErrorCode
 */

/** Thrown when a WebAuthn ceremony in the browser fails; `cause` holds the browser's error. */
export class LatchkeyWebAuthnError extends Error {
  /** @override @type {'LatchkeyWebAuthnError'} */
  name = 'LatchkeyWebAuthnError';

  /**
   * @param {string} message
   * @param {{ code: LatchkeyWebAuthnErrorCode, cause?: unknown }} options
   */
  constructor(message, { code, cause }) {
    super(message);
    /** @type {LatchkeyWebAuthnErrorCode} */
    this.code = code;
    if (cause !== undefined) {
      /** @type {unknown} */
      this.cause = cause;
    }
  }

  /**
   * A plain object so `JSON.stringify(err)` shows the code and message.
   * @returns {{ name: string, code: LatchkeyWebAuthnErrorCode, message: string,
   *   cause?: { name: string, message: string } }}
   */
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

/**
 * The error for a browser without WebAuthn.
 * @returns {LatchkeyWebAuthnError}
 */
export function webAuthnNotSupported() {
  return new LatchkeyWebAuthnError(WEBAUTHN_MESSAGES.passkey_not_supported, {
    code: 'passkey_not_supported',
  });
}
