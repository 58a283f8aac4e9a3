// Unit tests of the React bindings: the hooks read the provider's Latchkey
// state, in the shapes of the hosted vendor's hooks. Rendered to a string on
// the server side of React (effects do not run there), so the provider is
// given an instance that is already loaded against a stubbed fetch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createElement as h } from 'react';
import { renderToString } from 'react-dom/server';

import { Latchkey, LatchkeyAPIResponseError } from '../latchkey.js';
import { LatchkeyProvider, useLatchkey, useReverification, useSession, useSignIn, useSignUp, useUser } from '../react.js';

const T0 = 1_700_000_000_000;

/** @param {any} client */
async function loadedLatchkey(client) {
  /** @param {string} input */
  const fetch = async (input) => {
    const { pathname } = new URL(input);
    const body =
      pathname === '/v1/environment'
        ? { auth_config: {}, display_config: { application_name: 'Latchkey', rp_id: 'localhost' } }
        : { response: client, client };
    return new Response(JSON.stringify(body), { status: 200 });
  };
  const latchkey = new Latchkey({ frontendApi: 'https://auth.example.test', fetch: /** @type {any} */ (fetch) });
  await latchkey.load();
  return latchkey;
}

const signedInClient = {
  object: 'client',
  id: 'client_1',
  sessions: [
    {
      object: 'session',
      id: 'sess_1',
      status: 'active',
      user: { object: 'user', id: 'user_1', username: 'ada', passkeys: [], email_addresses: [], created_at: T0, updated_at: T0 },
      tasks: null,
      last_active_token: null,
      last_active_at: T0,
      expire_at: T0,
      abandon_at: T0,
      created_at: T0,
      updated_at: T0,
    },
  ],
  sign_in: null,
  sign_up: null,
  last_active_session_id: 'sess_1',
  created_at: T0,
  updated_at: T0,
};

/**
 * Render `probe` inside a provider and return what it captured.
 * @param {any} latchkey
 * @param {() => any} hook
 */
function capture(latchkey, hook) {
  /** @type {any} */
  let seen;
  function Probe() {
    seen = hook();
    return null;
  }
  renderToString(h(LatchkeyProvider, { latchkey }, h(Probe)));
  return seen;
}

describe('React bindings', () => {
  test('useUser and useSession report a signed-in user', async () => {
    const latchkey = await loadedLatchkey(signedInClient);
    const user = capture(latchkey, useUser);
    assert.equal(user.isLoaded, true);
    assert.equal(user.isSignedIn, true);
    assert.equal(user.user.username, 'ada');
    const session = capture(latchkey, useSession);
    assert.deepEqual([session.isLoaded, session.isSignedIn, session.session.id], [true, true, 'sess_1']);
  });

  test('signed out: no user, and sign-in / sign-up resources to start from', async () => {
    const latchkey = await loadedLatchkey(null);
    assert.deepEqual(capture(latchkey, useUser), { isLoaded: true, isSignedIn: false, user: null });
    assert.deepEqual(capture(latchkey, useSession), { isLoaded: true, isSignedIn: false, session: null });
    const signIn = capture(latchkey, useSignIn);
    assert.equal(signIn.isLoaded, true);
    assert.equal(typeof signIn.signIn.authenticateWithPasskey, 'function');
    assert.equal(typeof signIn.setActive, 'function');
    const signUp = capture(latchkey, useSignUp);
    assert.equal(typeof signUp.signUp.createWithPasskey, 'function');
    assert.equal(typeof signUp.setActive, 'function');
    assert.equal(capture(latchkey, useLatchkey), latchkey);
  });

  test('before load, hooks say not loaded', () => {
    const latchkey = new Latchkey({ frontendApi: 'https://auth.example.test' });
    assert.deepEqual(capture(latchkey, useUser), { isLoaded: false, isSignedIn: false, user: null });
  });

  test('a provider given only frontendApi creates its own instance', () => {
    /** @type {any} */
    let seen;
    function Probe() {
      seen = useLatchkey();
      return null;
    }
    renderToString(h(LatchkeyProvider, { frontendApi: 'https://auth.example.test/' }, h(Probe)));
    assert.ok(seen instanceof Latchkey);
    assert.equal(seen.frontendApi, 'https://auth.example.test');
  });

  test('useReverification proves a factor and retries once, only when asked to', async () => {
    const latchkey = await loadedLatchkey(signedInClient);
    /** @param {string} code */
    const failure = (code) => new LatchkeyAPIResponseError(403, [{ code: /** @type {any} */ (code), message: '', longMessage: '', meta: {} }]);
    /** @type {string[]} */
    const log = [];
    let guarded = true;
    const action = capture(latchkey, () =>
      useReverification(
        async (/** @type {string} */ what) => {
          log.push(`try ${what}`);
          if (guarded) throw failure('session_reverification_required');
          return `done ${what}`;
        },
        { verify: async (session) => { log.push(`verify ${session.id}`); guarded = false; } },
      ),
    );
    assert.equal(await action('delete'), 'done delete');
    assert.deepEqual(log, ['try delete', 'verify sess_1', 'try delete']);

    const other = capture(latchkey, () => useReverification(async () => { throw failure('origin_invalid'); }, { verify: async () => assert.fail('no step-up') }));
    await assert.rejects(other(), (/** @type {any} */ e) => e.code === 'origin_invalid');
  });

  test('hooks outside a provider throw a clear error', () => {
    function Probe() {
      useUser();
      return null;
    }
    assert.throws(() => renderToString(h(Probe)), /inside <LatchkeyProvider>/);
  });
});
