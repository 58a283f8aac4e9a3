/**
 * Reading the Frontend API's wire objects: snake_case keys and timestamps in
 * milliseconds become camelCase keys and `Date`s.
 *
 * @module latchkey/wire
 */
/**
 * @param {number | null | undefined} ms
 * @returns {Date | null}
 */
export function toDate(ms: number | null | undefined): Date | null;
/**
 * snake_case → camelCase for the keys of a plain object (one level).
 * @param {Record<string, any> | null | undefined} obj
 * @returns {Record<string, any>}
 */
export function camelKeys(obj: Record<string, any> | null | undefined): Record<string, any>;
/**
 * snake_case → camelCase for the keys of a plain object and of the plain
 * objects (not arrays) nested in it.
 * @param {Record<string, any> | null | undefined} obj
 * @returns {Record<string, any>}
 */
export function camelKeysDeep(obj: Record<string, any> | null | undefined): Record<string, any>;
