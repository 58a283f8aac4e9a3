// @ts-check
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
export function toDate(ms) {
  return typeof ms === 'number' ? new Date(ms) : null;
}

/**
 * snake_case → camelCase for the keys of a plain object (one level).
 * @param {Record<string, any> | null | undefined} obj
 * @returns {Record<string, any>}
 */
export function camelKeys(obj) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, value] of Object.entries(obj ?? {})) {
    out[key.replace(/_([a-z])/g, (_, c) => c.toUpperCase())] = value;
  }
  return out;
}

/**
 * snake_case → camelCase for the keys of a plain object and of the plain
 * objects (not arrays) nested in it.
 * @param {Record<string, any> | null | undefined} obj
 * @returns {Record<string, any>}
 */
export function camelKeysDeep(obj) {
  const out = camelKeys(obj);
  for (const [key, value] of Object.entries(out)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) out[key] = camelKeysDeep(value);
  }
  return out;
}
