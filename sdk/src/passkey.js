// @ts-check
/**
 * A passkey of the signed-in user.
 *
 * @module latchkey/passkey
 */
import { verificationOrNull } from './verification.js';
import { toDate } from './wire.js';

/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */

/**
 * The provider of a passkey, from its AAGUID.
 * @typedef {object} PasskeyProvider
 * @property {string} name
 * @property {string | null} iconLight
 * @property {string | null} iconDark
 */

/** A passkey of the signed-in user. */
export class PasskeyResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `passkey`
   */
  constructor(api, data) {
    /** Internal: what the resource talks to. */
    this._api = api;
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
    /** @type {PasskeyProvider | null} */
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
    this.credentialId = data.credential_id ?? api.passkeys.credentialIdOf(data.id);
  }

  /**
   * Rename the passkey (`PATCH /v1/me/passkeys/{id}`), then refresh the user.
   * @param {{ name: string }} params
   * @returns {Promise<PasskeyResource>}
   */
  async update({ name }) {
    const api = this._api;
    const data = await api.request('PATCH', `/me/passkeys/${encodeURIComponent(this.id)}`, {
      body: { name },
      me: true,
    });
    const passkey = new PasskeyResource(api, data);
    const user = await api.reloadUserQuietly();
    if (user) await api.passkeys.signalUserDetails(user);
    return passkey;
  }

  /**
   * Delete the passkey (`DELETE /v1/me/passkeys/{id}`), then refresh the user
   * and tell the browser's passkey provider which credentials remain.
   * @returns {Promise<{ object: string, id: string, deleted: boolean }>}
   */
  async delete() {
    const api = this._api;
    const data = await api.request('DELETE', `/me/passkeys/${encodeURIComponent(this.id)}`, {
      me: true,
    });
    const user = await api.reloadUserQuietly();
    await api.passkeys.signalDeleted(this, user);
    return { object: data?.object ?? 'passkey', id: data?.id ?? this.id, deleted: data?.deleted ?? true };
  }
}
