/**
 * Whether `error` asks for a fresh factor before the action can run
 * (`403 session_reverification_required`): prove one with
 * `session.verifyWithPasskey()` (or an email code), then retry the action.
 * `error.errors[0].meta.reverification` holds `{ level, afterMinutes }`.
 * @param {unknown} error
 * @returns {error is LatchkeyAPIResponseError}
 */
export function isReverificationRequired(error: unknown): error is LatchkeyAPIResponseError;
/**
 * An error the SDK raises itself when an answer lacks what it needs.
 * @param {string} message
 * @returns {LatchkeyAPIResponseError}
 */
export function unexpectedResponse(message: string): LatchkeyAPIResponseError;
/**
 * Build the error for a failed response from its `{ errors, trace_id }` body.
 * @param {{ status: number, headers: { get(name: string): string | null } }} res
 * @param {any} body parsed JSON body, or null
 * @returns {LatchkeyAPIResponseError}
 */
export function errorFromResponse(res: {
    status: number;
    headers: {
        get(name: string): string | null;
    };
}, body: any): LatchkeyAPIResponseError;
/**
 * Parse a `Retry-After` header: delta-seconds, or an HTTP date.
 * @param {string | null} value
 * @param {number} [now] milliseconds
 * @returns {number | null} seconds to wait, or null
 */
export function parseRetryAfter(value: string | null, now?: number): number | null;
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
export function mapWebAuthnError(error: unknown, ceremony: "create" | "get"): LatchkeyWebAuthnError;
/**
 * The error for a browser without WebAuthn.
 * @returns {LatchkeyWebAuthnError}
 */
export function webAuthnNotSupported(): LatchkeyWebAuthnError;
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
    /**
     * @param {number} status HTTP status (0 when the request never got an answer)
     * @param {LatchkeyAPIError[]} errors
     * @param {{ retryAfter?: number | null, traceId?: string | null }} [extra]
     */
    constructor(status: number, errors: LatchkeyAPIError[], extra?: {
        retryAfter?: number | null;
        traceId?: string | null;
    });
    /** @override @type {'LatchkeyAPIResponseError'} */
    override name: "LatchkeyAPIResponseError";
    /** @type {number} HTTP status; 0 when the server could not be reached. */
    status: number;
    /** @type {LatchkeyAPIError[]} */
    errors: LatchkeyAPIError[];
    /** @type {number | null} `Retry-After` in seconds (429 responses), else null. */
    retryAfter: number | null;
    /** @type {string | null} */
    traceId: string | null;
    /** The first error's code, or null. @returns {LatchkeyAPIErrorCode | null} */
    get code(): LatchkeyAPIErrorCode | null;
    /**
     * A plain object so `JSON.stringify(err)` shows what went wrong.
     * @returns {{ name: string, status: number, code: LatchkeyAPIErrorCode | null, message: string,
     *   errors: LatchkeyAPIError[], retryAfter: number | null, traceId: string | null }}
     */
    toJSON(): {
        name: string;
        status: number;
        code: LatchkeyAPIErrorCode | null;
        message: string;
        errors: LatchkeyAPIError[];
        retryAfter: number | null;
        traceId: string | null;
    };
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
    constructor(message: string, { code, cause }: {
        code: LatchkeyWebAuthnErrorCode;
        cause?: unknown;
    });
    /** @override @type {'LatchkeyWebAuthnError'} */
    override name: "LatchkeyWebAuthnError";
    /** @type {LatchkeyWebAuthnErrorCode} */
    code: LatchkeyWebAuthnErrorCode;
    /**
     * A plain object so `JSON.stringify(err)` shows the code and message.
     * @returns {{ name: string, code: LatchkeyWebAuthnErrorCode, message: string,
     *   cause?: { name: string, message: string } }}
     */
    toJSON(): {
        name: string;
        code: LatchkeyWebAuthnErrorCode;
        message: string;
        cause?: {
            name: string;
            message: string;
        };
    };
}
/**
 * The error codes the Latchkey server answers with (API.md §5). The server's
 * list is `Error::code` in `crates/latchkey-core/src/error.rs`;
 * `sdk/test/error-codes.test.js` fails when the two differ.
 */
export type LatchkeyServerErrorCode = "form_param_missing" | "form_param_format_invalid" | "form_param_value_invalid" | "form_identifier_exists" | "form_identifier_not_found" | "form_identifier_not_verified" | "form_code_incorrect" | "request_body_invalid" | "request_body_too_large" | "request_timeout" | "resource_not_found" | "authentication_invalid" | "origin_invalid" | "user_banned" | "operator_required" | "enrolment_invalid" | "setting_pinned" | "strategy_not_enabled" | "passkey_not_registered" | "passkey_invalid_public_key_credential" | "passkey_invalid_verification" | "passkey_identification_not_verified" | "passkey_quota_exceeded" | "passkey_already_exists" | "verification_expired" | "verification_already_verified" | "verification_failed" | "session_reverification_required" | "rate_limit_exceeded" | "service_unavailable" | "internal_error";
/**
 * The codes a `LatchkeyAPIResponseError` can carry: the server's, and the
 * SDK's own for a server that could not be reached (`network_error`), an
 * answer it could not use (`unexpected_response`), or an error without a code
 * (`unknown_error`).
 */
export type LatchkeyAPIErrorCode = LatchkeyServerErrorCode | "network_error" | "unexpected_response" | "unknown_error";
/**
 * One error of a failed Frontend API call.
 */
export type LatchkeyAPIError = {
    /**
     * stable error code, e.g. `form_identifier_exists`
     */
    code: LatchkeyAPIErrorCode;
    /**
     * short human message
     */
    message: string;
    /**
     * longer human message
     */
    longMessage: string;
    /**
     * e.g. `{ paramName: 'username' }` or
     * `{ reverification: { level: 'first_factor', afterMinutes: 10 } }` (keys camelCased at every depth)
     */
    meta: Record<string, any>;
};
/**
 * The codes a failed browser ceremony can have.
 */
export type LatchkeyWebAuthnErrorCode = "passkey_not_supported" | "passkey_pa_not_supported" | "passkey_already_exists" | "passkey_registration_cancelled" | "passkey_registration_failed" | "passkey_retrieval_cancelled" | "passkey_retrieval_failed" | "passkey_operation_aborted" | "passkey_invalid_rpID_or_domain";
