/** @returns {boolean} whether this browser has WebAuthn at all. */
export function isWebAuthnSupported(): boolean;
/** @returns {Promise<boolean>} whether passkey autofill (conditional mediation) is available. */
export function isConditionalMediationAvailable(): Promise<boolean>;
/**
 * Run `navigator.credentials.create()` with the creation options of a
 * verification nonce.
 *
 * @param {string | object} nonce creation options (JSON text or object)
 * @returns {Promise<{ credential: string, credentialId: string, userHandle: string | null }>}
 *   `credential` is the JSON text to send as `public_key_credential`;
 *   `userHandle` is `user.id` from the options (base64url).
 */
export function runRegistrationCeremony(nonce: string | object): Promise<{
    credential: string;
    credentialId: string;
    userHandle: string | null;
}>;
/**
 * Run `navigator.credentials.get()` with the request options of a
 * verification nonce.
 *
 * @param {string | object} nonce request options (JSON text or object)
 * @param {{ mediation?: CredentialMediationRequirement }} [options]
 * @returns {Promise<{ credential: string, credentialId: string, userHandle: string | null }>}
 */
export function runAuthenticationCeremony(nonce: string | object, options?: {
    mediation?: CredentialMediationRequirement;
}): Promise<{
    credential: string;
    credentialId: string;
    userHandle: string | null;
}>;
/**
 * Call a WebAuthn Signal API method (WebAuthn L3 §5.1.10-12) when the browser
 * has it. Signals are hints to the passkey provider: they never throw.
 *
 * @param {'signalUnknownCredential' | 'signalAllAcceptedCredentials' | 'signalCurrentUserDetails'} method
 * @param {Record<string, any>} options
 * @returns {Promise<boolean>} whether the browser took the signal
 */
export function sendSignal(method: "signalUnknownCredential" | "signalAllAcceptedCredentials" | "signalCurrentUserDetails", options: Record<string, any>): Promise<boolean>;
