/**
 * An email address of a user.
 *
 * @module latchkey/email-address
 */
/** An email address of a user. */
export class EmailAddressResource {
    /** @param {any} data */
    constructor(data: any);
    /** @type {string} */
    id: string;
    /** @type {string} */
    emailAddress: string;
    toString(): string;
}
