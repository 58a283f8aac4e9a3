// @ts-check
/**
 * What this browser learnt about passkeys (credential ids, user handles), and
 * the WebAuthn Signal API calls that use it to keep the passkey provider's
 * list in step with the server's.
 *
 * @module latchkey/passkey-memory
 */
import { sendSignal } from './ceremonies.js';

const STORAGE_PREFIX = 'latchkey:';

/**
 * @typedef {import('./passkey.js').PasskeyResource} PasskeyResource
 * @typedef {import('./user.js').UserResource} UserResource
 */

/**
 * Remembers credential ids and user handles in `localStorage` (in memory when
 * storage is unavailable) and sends the signals that need them.
 */
export class PasskeyMemory {
  /**
   * @param {() => string | null} rpId the relying party id, once the environment is loaded
   */
  constructor(rpId) {
    /** @private */
    this.rpId = rpId;
    /** @private @type {Map<string, string>} */
    this.memory = new Map();
  }

  /**
   * @private
   * @param {string} key
   * @returns {string | null}
   */
  recall(key) {
    try {
      const value = globalThis.localStorage?.getItem(STORAGE_PREFIX + key);
      if (value) return value;
    } catch {
      // Storage can be disabled; fall back to memory.
    }
    return this.memory.get(key) ?? null;
  }

  /**
   * @private
   * @param {string} key
   * @param {string} value
   */
  remember(key, value) {
    this.memory.set(key, value);
    try {
      globalThis.localStorage?.setItem(STORAGE_PREFIX + key, value);
    } catch {
      // Memory is enough.
    }
  }

  /** @param {string} passkeyId @param {string} credentialId */
  rememberCredential(passkeyId, credentialId) {
    if (passkeyId && credentialId) this.remember(`credential:${passkeyId}`, credentialId);
  }

  /** @param {string} passkeyId @returns {string | null} */
  credentialIdOf(passkeyId) {
    return this.recall(`credential:${passkeyId}`);
  }

  /** @param {string} userId @param {string} userHandle */
  rememberUserHandle(userId, userHandle) {
    if (userId && userHandle) this.remember(`user_handle:${userId}`, userHandle);
  }

  /** @param {string} credentialId */
  async signalUnknownCredential(credentialId) {
    const rpId = this.rpId();
    if (rpId && credentialId) await sendSignal('signalUnknownCredential', { rpId, credentialId });
  }

  /** @param {UserResource} user */
  async signalUserDetails(user) {
    const rpId = this.rpId();
    const userId = this.recall(`user_handle:${user.id}`);
    if (!rpId || !userId || !user.username) return;
    await sendSignal('signalCurrentUserDetails', {
      rpId,
      userId,
      name: user.username,
      displayName: user.fullName ?? user.username,
    });
  }

  /**
   * After a deletion: list the remaining credentials when every one of them
   * is known here (a partial list would hide valid passkeys), else name the
   * deleted credential as unknown when that one is known.
   * @param {PasskeyResource} deleted
   * @param {UserResource | null} user
   */
  async signalDeleted(deleted, user) {
    const rpId = this.rpId();
    if (!rpId) return;
    const userId = user ? this.recall(`user_handle:${user.id}`) : null;
    const remaining = user?.passkeys.filter((p) => p.id !== deleted.id) ?? null;
    if (userId && remaining && remaining.every((p) => p.credentialId)) {
      await sendSignal('signalAllAcceptedCredentials', {
        rpId,
        userId,
        allAcceptedCredentialIds: remaining.map((p) => p.credentialId),
      });
    } else if (deleted.credentialId) {
      await sendSignal('signalUnknownCredential', { rpId, credentialId: deleted.credentialId });
    }
  }
}
