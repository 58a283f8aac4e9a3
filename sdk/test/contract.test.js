// Contract rules of the SDK (API.md §7) that concern its published surface: the
// types latchkey.d.ts exports (with the src/*.d.ts it re-exports from), the
// exact set of WebAuthn error codes, and the hooks /sdk/react.js provides.
// See docs/conformance.md.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';

// latchkey.d.ts re-exports from the declarations of the modules under src/,
// which are generated from the JSDoc: read it together with those.
const entry = await readFile(new URL('../latchkey.d.ts', import.meta.url), 'utf8');
const modules = [...new Set([...entry.matchAll(/from ["'](\.\/src\/[\w-]+)\.js["']/g)].map((m) => m[1]))];
const declarations = [
  entry,
  ...(await Promise.all(modules.map((m) => readFile(new URL(`../${m}.d.ts`, import.meta.url), 'utf8')))),
].join('\n');
const reactSource = await readFile(new URL('../react.js', import.meta.url), 'utf8');

/** @param {string} name */
const exported = (name) => new RegExp(`^export (?:declare )?(?:interface|type|class|const|function) ${name}\\b`, 'm').test(declarations);

describe('published surface', () => {
  test('latchkey.d.ts exports the documented resource types', () => {
    for (const name of ['UserResource', 'PasskeyResource', 'SignInResource', 'SignUpResource', 'SessionResource', 'ClientResource']) {
      assert.ok(exported(name), `${name} is exported`);
    }
    for (const name of ['Latchkey', 'LatchkeyAPIResponseError', 'LatchkeyWebAuthnError']) {
      assert.ok(exported(name), `${name} is exported`);
    }
    for (const name of ['EmailAddressResource', 'SessionVerificationResource', 'VerificationResource', 'isReverificationRequired']) {
      assert.ok(exported(name), `${name} is exported`);
    }
    assert.ok(!exported('NoSuchResource'), 'the check can fail');
  });

  test('the WebAuthn error codes are exactly the documented ones', () => {
    const union = declarations.match(/export type LatchkeyWebAuthnErrorCode =(?! import\()([^;]*);/);
    assert.ok(union, 'LatchkeyWebAuthnErrorCode is declared');
    const codes = [...union[1].matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]).sort();
    assert.deepEqual(codes, [
      'passkey_already_exists',
      'passkey_invalid_rpID_or_domain',
      'passkey_not_supported',
      'passkey_operation_aborted',
      'passkey_pa_not_supported',
      'passkey_registration_cancelled',
      'passkey_registration_failed',
      'passkey_retrieval_cancelled',
      'passkey_retrieval_failed',
    ]);
  });

  test('react.js provides the provider and the vendor-shaped hooks', () => {
    for (const name of ['LatchkeyProvider', 'useLatchkey', 'useUser', 'useSignIn', 'useSignUp', 'useSession']) {
      assert.match(reactSource, new RegExp(`^export function ${name}\\(`, 'm'), `${name} is exported`);
    }
    assert.match(reactSource, /from 'react'/, 'imports react');
  });
});
