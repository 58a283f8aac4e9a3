/**
 * Base64url (RFC 4648 §5), the encoding the WebAuthn JSON forms use for every
 * binary value.
 *
 * @module latchkey/base64url
 */
/**
 * Encode bytes as base64url without padding (RFC 4648 §5), the encoding the
 * WebAuthn JSON forms use for every binary value.
 *
 * @param {ArrayBuffer | ArrayBufferView} bytes
 * @returns {string}
 */
export function base64urlEncode(bytes: ArrayBuffer | ArrayBufferView): string;
/**
 * Decode a base64url string (padding optional; standard base64 characters are
 * tolerated) into an `ArrayBuffer`.
 *
 * @param {string} text
 * @returns {ArrayBuffer}
 * @throws {TypeError} when the text is not base64url.
 */
export function base64urlDecode(text: string): ArrayBuffer;
/**
 * Encode a UTF-8 string as base64url (used for the user handle in tests and
 * for non-binary values some authenticators return).
 *
 * @param {string} text
 * @returns {string}
 */
export function base64urlEncodeString(text: string): string;
