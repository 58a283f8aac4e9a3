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
export function creationOptionsFromJSON(json: any): PublicKeyCredentialCreationOptions;
/**
 * Convert PublicKeyCredentialRequestOptionsJSON into the object
 * `navigator.credentials.get({ publicKey })` takes. Fallback for browsers
 * without `PublicKeyCredential.parseRequestOptionsFromJSON` (WebAuthn L3 §5.1.10).
 *
 * @param {any} json request options in their JSON form
 * @returns {PublicKeyCredentialRequestOptions}
 */
export function requestOptionsFromJSON(json: any): PublicKeyCredentialRequestOptions;
/**
 * Parse the creation options held in a verification `nonce`, with the
 * browser's own parser when it has one.
 *
 * @param {string | object} nonce JSON text (as the server sends it) or an object
 * @returns {{ publicKey: PublicKeyCredentialCreationOptions, json: any }}
 */
export function parseCreationOptions(nonce: string | object): {
    publicKey: PublicKeyCredentialCreationOptions;
    json: any;
};
/**
 * Parse the request options held in a verification `nonce`, with the
 * browser's own parser when it has one.
 *
 * @param {string | object} nonce JSON text (as the server sends it) or an object
 * @returns {{ publicKey: PublicKeyCredentialRequestOptions, json: any }}
 */
export function parseRequestOptions(nonce: string | object): {
    publicKey: PublicKeyCredentialRequestOptions;
    json: any;
};
/**
 * Serialise a `PublicKeyCredential` the way `PublicKeyCredential.toJSON()`
 * does (WebAuthn L3 §5.1, RegistrationResponseJSON / AuthenticationResponseJSON).
 * Fallback for browsers without `toJSON()`, and for authenticator extensions
 * whose credential objects throw from it.
 *
 * @param {any} credential a PublicKeyCredential (or a look-alike in tests)
 * @returns {Record<string, any>}
 */
export function credentialToJSON(credential: any): Record<string, any>;
/**
 * The JSON form of a credential: `toJSON()` where the browser has it, else
 * {@link credentialToJSON}.
 *
 * @param {any} credential
 * @returns {Record<string, any>}
 */
export function serializeCredential(credential: any): Record<string, any>;
export type CredentialDescriptorJSON = {
    id: string;
    type: string;
    transports?: string[];
};
