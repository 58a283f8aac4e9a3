// The SDK's typed union of server error codes (`LatchkeyServerErrorCode` in
// sdk/src/errors.js) against the server's own list, `Error::code` in
// crates/latchkey-core/src/error.rs: a code added to or removed from either
// side without the other fails here.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

const serverSource = await readFile(new URL('../../crates/latchkey-core/src/error.rs', import.meta.url), 'utf8');
const sdkSource = await readFile(new URL('../src/errors.js', import.meta.url), 'utf8');

/** The string literals returned by `pub fn code(&self)`, sorted. */
function serverCodes() {
  const body = serverSource.match(/pub fn code\(&self\) -> &'static str \{([\s\S]*?)\n    \}\n/);
  assert.ok(body, 'Error::code is found in error.rs');
  return [...body[1].matchAll(/=>\s*"([a-z_]+)"/g)].map((m) => m[1]).sort();
}

/** The members of the `LatchkeyServerErrorCode` JSDoc union, sorted. */
function sdkCodes() {
  const union = sdkSource.match(/@typedef \{([^}]*)\} LatchkeyServerErrorCode/);
  assert.ok(union, 'LatchkeyServerErrorCode is declared in errors.js');
  return [...union[1].matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
}

test("the SDK's server error codes are exactly the server's", () => {
  const server = serverCodes();
  assert.ok(server.length >= 20, `read ${server.length} codes from error.rs`);
  assert.deepEqual(sdkCodes(), server);
});
