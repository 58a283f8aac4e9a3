// Contract rules of the SDK (API.md §7) that concern its published surface: the
// types latchkey.d.ts exports, the exact set of WebAuthn error codes, and the
// hooks /sdk/react.js provides. See docs/conformance.md.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';

const declarations = await readFile(new URL('../latchkey.d.ts', import.meta.url), 'utf8');
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
    assert.ok(!exported('NoSuchResource'), 'the check can fail');
  });

  test('the WebAuthn error codes are exactly the documented ones', () => {
    const union = declarations.match(/export type LatchkeyWebAuthnErrorCode =([^;]*);/);
    assert.ok(union, 'LatchkeyWebAuthnErrorCode is declared');
    const codes = [...union[1].matchAll(/'([^']+)'/g)].map((m) => m[1]).sort();
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
