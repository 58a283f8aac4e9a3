// @ts-check
/**
 * A step-up of a session: the user proves a factor again so that actions the
 * server guards with `session_reverification_required` can run.
 *
 * @module latchkey/session-verification
 */
import { SessionResource } from './session.js';
import { verificationOrNull } from './verification.js';
import { camelKeys } from './wire.js';

/**
 * @typedef {import('./api.js').LatchkeyApi} LatchkeyApi
 * @typedef {import('./sign-in.js').SignInFactor} SignInFactor
 * @typedef {import('./verification.js').VerificationResource} VerificationResource
 */

/** @typedef {'needs_first_factor' | 'complete'} SessionVerificationStatus */

/** A step-up of a session, from `session.startVerification()` and the calls after it. */
export class SessionVerificationResource {
  /**
   * @param {LatchkeyApi} api
   * @param {any} data wire object `session_verification`
   */
  constructor(api, data) {
    /** @type {string} */
    this.id = data.id;
    /** @type {SessionVerificationStatus} */
    this.status = data.status;
    /** @type {'first_factor'} */
    this.level = data.level;
    /** @type {SignInFactor[]} */
    this.supportedFirstFactors = (data.supported_first_factors ?? []).map(
      (/** @type {any} */ f) => /** @type {SignInFactor} */ (camelKeys(f)),
    );
    /** @type {VerificationResource | null} The factor prepared last. */
    this.firstFactorVerification = verificationOrNull(data.first_factor_verification);
    /** @type {SessionResource | null} */
    this.session = data.session ? new SessionResource(api, data.session) : null;
  }
}
