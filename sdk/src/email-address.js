// @ts-check
/**
 * An email address of a user.
 *
 * @module latchkey/email-address
 */

/** An email address of a user. */
export class EmailAddressResource {
  /** @param {any} data */
  constructor(data) {
    /** @type {string} */
    this.id = data.id;
    /** @type {string} */
    this.emailAddress = data.email_address;
  }

  toString() {
    return this.emailAddress;
  }
}
