/**
 * Keeps one WebAuthn ceremony running at a time.
 *
 * @module latchkey/abort
 */
/**
 * Keeps one WebAuthn ceremony running at a time: each new ceremony aborts the
 * one still pending (typically an autofill request waiting in the background).
 */
export class CeremonyAbortService {
    /** @type {AbortController | null} */
    controller: AbortController | null;
    /**
     * Abort the pending ceremony, if any, and return a signal for a new one.
     * @returns {AbortSignal}
     */
    createSignal(): AbortSignal;
    /**
     * Abort the pending ceremony, if any.
     * @param {string} [reason]
     */
    cancel(reason?: string): void;
    /**
     * Forget a signal whose ceremony has settled, so a later `createSignal`
     * does not abort an operation that is already over.
     * @param {AbortSignal} signal
     */
    release(signal: AbortSignal): void;
}
/** The service shared by every `Latchkey` instance on the page. */
export const ceremonyAbortService: CeremonyAbortService;
