// @ts-check
/**
 * WebAuthn JSON <-> browser object conversion: the fallbacks for browsers
 * without `parse*OptionsFromJSON` or `PublicKeyCredential.toJSON()`.
 *
 * @module latchkey/webauthn-json
 */
import { base64urlDecode, base64urlEncode } from './base64url.js';

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
