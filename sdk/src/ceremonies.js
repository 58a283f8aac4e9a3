// @ts-check
/**
 * The browser side of passkeys: feature detection, the registration and
 * authentication ceremonies, and the WebAuthn Signal API.
 *
 * @module latchkey/ceremonies
 */
import { ceremonyAbortService } from './abort.js';
import { mapWebAuthnError, webAuthnNotSupported } from './errors.js';
import { parseCreationOptions, parseRequestOptions, serializeCredential } from './webauthn-json.js';

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
  if (!isWebAuthnSupported()) throw webAuthnNotSupported();
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
  if (!isWebAuthnSupported()) throw webAuthnNotSupported();
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
