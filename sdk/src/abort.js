// @ts-check
/**
 * Keeps one WebAuthn ceremony running at a time.
 *
 * @module latchkey/abort
 */

// ---------------------------------------------------------------------------
// 4. Abort service and ceremonies
// ---------------------------------------------------------------------------

/**
 * Keeps one WebAuthn ceremony running at a time: each new ceremony aborts the
 * one still pending (typically an autofill request waiting in the background).
 */
export class CeremonyAbortService {
  constructor() {
    /** @type {AbortController | null} */
    this.controller = null;
  }

  /**
   * Abort the pending ceremony, if any, and return a signal for a new one.
   * @returns {AbortSignal}
   */
  createSignal() {
    this.cancel('A new passkey ceremony started');
    this.controller = new AbortController();
    return this.controller.signal;
  }

  /**
   * Abort the pending ceremony, if any.
   * @param {string} [reason]
   */
  cancel(reason = 'The passkey ceremony was cancelled') {
    if (this.controller) {
      const error = new Error(reason);
      error.name = 'AbortError';
      this.controller.abort(error);
      this.controller = null;
    }
  }

  /**
   * Forget a signal whose ceremony has settled, so a later `createSignal`
   * does not abort an operation that is already over.
   * @param {AbortSignal} signal
   */
  release(signal) {
    if (this.controller && this.controller.signal === signal) this.controller = null;
  }
}

/** The service shared by every `Latchkey` instance on the page. */
export const ceremonyAbortService = new CeremonyAbortService();
