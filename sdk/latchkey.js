// @ts-check
/**
 * Latchkey browser SDK.
 *
 * A dependency-free set of ES modules that talks to a Latchkey server's
 * Frontend API (`/v1/...`) and runs the WebAuthn ceremonies in the browser.
 * The server serves this module at `/sdk/latchkey.js` and the ones it imports
 * at `/sdk/src/*.js`; types are at `/sdk/latchkey.d.ts` (generated from the
 * JSDoc by `npm run types`).
 *
 * One job per module under `src/`:
 * - `base64url.js`: base64url encoding;
 * - `webauthn-json.js`: WebAuthn JSON <-> browser object conversion;
 * - `errors.js`: the errors, their codes, and the DOMException mapping;
 * - `abort.js`: one ceremony at a time;
 * - `ceremonies.js`: the registration and authentication ceremonies, the Signal API;
 * - `token-cache.js`, `session-cookie.js`: session tokens and the `__session` cookie;
 * - `api.js`: the object resources talk to (HTTP calls, tokens, passkey memory);
 * - `passkey-memory.js`: what this browser learnt about passkeys, for the Signal API;
 * - `wire.js`, `verification.js`, `passkey.js`, `email-address.js`, `user.js`,
 *   `session.js`, `session-verification.js`, `sign-in.js`, `sign-up.js`,
 *   `client.js`: the resources;
 * - `latchkey.js`: the `Latchkey` class.
 *
 * @module latchkey
 */

export { CeremonyAbortService, ceremonyAbortService } from './src/abort.js';
export { base64urlDecode, base64urlEncode, base64urlEncodeString } from './src/base64url.js';
export {
  isConditionalMediationAvailable,
  isWebAuthnSupported,
  runAuthenticationCeremony,
  runRegistrationCeremony,
  sendSignal,
} from './src/ceremonies.js';
export { ClientResource } from './src/client.js';
export { EmailAddressResource } from './src/email-address.js';
export {
  LatchkeyAPIResponseError,
  LatchkeyWebAuthnError,
  errorFromResponse,
  isReverificationRequired,
  mapWebAuthnError,
  parseRetryAfter,
} from './src/errors.js';
export { Latchkey } from './src/latchkey.js';
export { PasskeyResource } from './src/passkey.js';
export { SESSION_COOKIE, writeSessionCookie } from './src/session-cookie.js';
export { SessionResource } from './src/session.js';
export { SessionVerificationResource } from './src/session-verification.js';
export { SignInResource } from './src/sign-in.js';
export { SignUpResource } from './src/sign-up.js';
export { TokenCache, decodeJwtClaims } from './src/token-cache.js';
export { UserResource } from './src/user.js';
export { VerificationResource } from './src/verification.js';
export {
  creationOptionsFromJSON,
  credentialToJSON,
  parseCreationOptions,
  parseRequestOptions,
  requestOptionsFromJSON,
  serializeCredential,
} from './src/webauthn-json.js';

/**
 * @typedef {import('./src/errors.js').LatchkeyAPIError} LatchkeyAPIError
 * @typedef {import('./src/errors.js').LatchkeyAPIErrorCode} LatchkeyAPIErrorCode
 * @typedef {import('./src/errors.js').LatchkeyServerErrorCode} LatchkeyServerErrorCode
 * @typedef {import('./src/errors.js').LatchkeyWebAuthnErrorCode} LatchkeyWebAuthnErrorCode
 * @typedef {import('./src/passkey.js').PasskeyProvider} PasskeyProvider
 * @typedef {import('./src/session.js').SessionStatus} SessionStatus
 * @typedef {import('./src/session-verification.js').SessionVerificationStatus} SessionVerificationStatus
 * @typedef {import('./src/sign-in.js').SignInFactor} SignInFactor
 * @typedef {import('./src/sign-in.js').SignInStatus} SignInStatus
 * @typedef {import('./src/sign-up.js').SignUpStatus} SignUpStatus
 * @typedef {import('./src/verification.js').VerificationStatus} VerificationStatus
 * @typedef {import('./src/api.js').SetActiveParams} SetActiveParams
 * @typedef {import('./src/latchkey.js').Environment} Environment
 * @typedef {import('./src/latchkey.js').LatchkeyState} LatchkeyState
 * @typedef {import('./src/latchkey.js').LatchkeyListener} LatchkeyListener
 */
