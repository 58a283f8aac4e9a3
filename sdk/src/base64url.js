// @ts-check
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
