// Unit tests of the Latchkey class and its resources against a stubbed
// `fetch` (and, for the ceremonies, a stubbed WebAuthn surface): request
// shapes, response → resource mapping, state, listeners and the token cache.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';

import {
  Latchkey,
  LatchkeyAPIResponseError,
  LatchkeyWebAuthnError,
  ceremonyAbortService,
} from '../latchkey.js';
import {
  env,
  ENVIRONMENT,
  fakeAssertionCredential,
  fakeAttestationCredential,
  fakeJwt,
  FRONTEND,
  installWebAuthn,
  loaded,
  scriptedFetch,
  T0,
  wireClient,
  wirePasskey,
  wireSession,
  wireUser,
} from './fixtures.js';

let restore = () => {};
afterEach(() => {
  restore();
  restore = () => {};
  ceremonyAbortService.cancel();
});

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe('load and state', () => {
  test('reads the environment and the client, with credentials', async () => {
    const { latchkey, calls } = await loaded();
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.url.pathname}`),
      ['GET /v1/environment', 'GET /v1/client'],
    );
    for (const call of calls) assert.equal(call.init.credentials, 'include');
    assert.equal(latchkey.isLoaded, true);
    assert.equal(latchkey.environment?.displayConfig.rpId, 'localhost');
    assert.equal(latchkey.environment?.authConfig.passkey.allowAutofill, true);
    assert.equal(latchkey.isSignedIn, true);
    assert.equal(latchkey.session?.id, 'sess_1');
    assert.equal(latchkey.user?.username, 'ada');
    assert.equal(latchkey.client?.id, 'client_1');
  });

  test('no client means signed out', async () => {
    const fake = scriptedFetch([
      { method: 'GET', path: '/v1/environment', body: ENVIRONMENT },
      { method: 'GET', path: '/v1/client', body: { response: null, client: null } },
    ]);
    const latchkey = new Latchkey({ frontendApi: FRONTEND + '/', fetch: /** @type {any} */ (fake.fetch) });
    await latchkey.load();
    assert.equal(latchkey.frontendApi, FRONTEND);
    assert.equal(latchkey.client, null);
    assert.equal(latchkey.session, null);
    assert.equal(latchkey.user, null);
    assert.equal(latchkey.isSignedIn, false);
    assert.equal(latchkey.signIn.id, null);
    assert.equal(latchkey.signUp.status, null);
  });

  test('resources are camelCase with Date timestamps', async () => {
    const { latchkey } = await loaded(
      [],
      wireClient({
        sessions: [
          wireSession({
            status: 'pending',
            tasks: [{ key: 'setup-passkey' }],
            user: wireUser({ passkeys: [wirePasskey({ last_used_at: T0 + 5 })] }),
          }),
        ],
      }),
    );
    const session = latchkey.session;
    assert.ok(session);
    assert.equal(session.status, 'pending');
    assert.deepEqual(session.currentTask, { key: 'setup-passkey' });
    assert.ok(session.expireAt instanceof Date);
    assert.equal(session.abandonAt?.getTime(), T0 + 86400_000);
    assert.equal(session.lastActiveAt?.getTime(), T0);
    const user = latchkey.user;
    assert.ok(user);
    assert.equal(user.firstName, 'Ada');
    assert.equal(user.lastName, 'Lovelace');
    assert.equal(user.fullName, 'Ada Lovelace');
    assert.equal(user.emailAddresses[0].emailAddress, 'ada@example.com');
    assert.equal(user.primaryEmailAddress?.id, 'idn_1');
    assert.equal(user.lastSignInAt?.getTime(), T0);
    assert.equal(user.updatedAt?.getTime(), T0 + 1000);
    const [pk] = user.passkeys;
    assert.equal(pk.id, 'pk_1');
    assert.equal(pk.name, 'Chrome on Linux');
    assert.equal(pk.lastUsedAt?.getTime(), T0 + 5);
    assert.ok(pk.createdAt instanceof Date);
    assert.deepEqual(pk.provider, { name: 'Example Keys', iconLight: 'data:image/png;base64,AA', iconDark: null });
    assert.equal(pk.backedUp, true);
    assert.deepEqual(pk.transports, ['internal']);
    assert.equal(pk.verification?.status, 'verified');
    assert.equal(pk.verification?.expireAt?.getTime(), T0 + 300_000);
  });

  test('null timestamps stay null and currentTask is null without tasks', async () => {
    const { latchkey } = await loaded(
      [],
      wireClient({ sessions: [wireSession({ user: wireUser({ last_sign_in_at: null, passkeys: [wirePasskey({ provider: null })] }) })] }),
    );
    assert.equal(latchkey.user?.lastSignInAt, null);
    assert.equal(latchkey.session?.currentTask, null);
    assert.equal(latchkey.user?.passkeys[0].provider, null);
    assert.equal(latchkey.user?.passkeys[0].lastUsedAt, null);
  });

  test('listeners get the state now and on every change, until unsubscribed', async () => {
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/client/sessions/sess_1/end', body: env(wireSession({ status: 'ended' }), wireClient({ sessions: [], last_active_session_id: null })) },
    ]);
    /** @type {any[]} */
    const seen = [];
    const unsubscribe = latchkey.addListener((state) => seen.push(state));
    assert.equal(seen.length, 1);
    assert.equal(seen[0].user.username, 'ada');
    await latchkey.signOut();
    assert.ok(seen.length >= 2);
    const last = seen[seen.length - 1];
    assert.equal(last.user, null);
    assert.equal(last.session, null);
    assert.equal(last.client.id, 'client_1');
    unsubscribe();
    const count = seen.length;
    await latchkey.setActive({ session: null });
    assert.equal(seen.length, count);
  });
});

describe('requests', () => {
  test('sign-up sends a form-encoded POST with snake_case fields', async () => {
    const { latchkey, calls } = await loaded([
      {
        method: 'POST',
        path: '/v1/client/sign_ups',
        body: env({
          object: 'sign_up_attempt',
          id: 'sua_1',
          status: 'complete',
          username: 'bob',
          email_address: 'bob@example.com',
          first_name: 'Bob',
          last_name: null,
          missing_fields: [],
          verification: null,
          created_user_id: 'user_2',
          created_session_id: 'sess_2',
          abandon_at: T0,
        }),
      },
    ]);
    const signUp = await latchkey.signUp.create({ username: 'bob', emailAddress: 'bob@example.com', firstName: 'Bob' });
    const call = calls[calls.length - 1];
    assert.equal(call.method, 'POST');
    assert.equal(call.init.credentials, 'include');
    assert.ok(call.init.body instanceof URLSearchParams, 'form body');
    assert.deepEqual(Object.fromEntries(call.form ?? []), {
      username: 'bob',
      email_address: 'bob@example.com',
      first_name: 'Bob',
    });
    assert.equal(signUp.status, 'complete');
    assert.equal(signUp.createdSessionId, 'sess_2');
    assert.equal(signUp.createdUserId, 'user_2');
    assert.equal(signUp.emailAddress, 'bob@example.com');
    assert.deepEqual(signUp.missingFields, []);
    assert.ok(signUp.abandonAt instanceof Date);
  });

  test('every response replaces the client, even with null', async () => {
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/client/sign_ins', body: env({ object: 'sign_in_attempt', id: 'sia_1', status: 'needs_first_factor' }, null) },
    ]);
    assert.ok(latchkey.client);
    await latchkey.signIn.create({ identifier: 'ada' });
    assert.equal(latchkey.client, null);
    assert.equal(latchkey.isSignedIn, false);
  });

  test('PATCH and DELETE are tunnelled through POST and name the session', async () => {
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/me/passkeys/pk_1', body: (/** @type {any} */ c) => env(c.url.searchParams.get('_method') === 'PATCH' ? wirePasskey({ name: 'Work' }) : { object: 'passkey', id: 'pk_1', deleted: true }) },
      { method: 'GET', path: '/v1/me', body: env(wireUser()) },
    ]);
    const pk = latchkey.user?.passkeys[0];
    assert.ok(pk);
    const renamed = await pk.update({ name: 'Work' });
    assert.equal(renamed.name, 'Work');
    const patch = calls.find((c) => c.url.pathname === '/v1/me/passkeys/pk_1');
    assert.ok(patch);
    assert.equal(patch.method, 'POST');
    assert.equal(patch.url.searchParams.get('_method'), 'PATCH');
    assert.equal(patch.url.searchParams.get('_latchkey_session_id'), 'sess_1');
    assert.equal(patch.form?.get('name'), 'Work');
    assert.ok(calls.some((c) => c.method === 'GET' && c.url.pathname === '/v1/me'), 'refreshes the user');

    const deleted = await pk.delete();
    assert.deepEqual(deleted, { object: 'passkey', id: 'pk_1', deleted: true });
    const del = calls.filter((c) => c.url.pathname === '/v1/me/passkeys/pk_1')[1];
    assert.equal(del.url.searchParams.get('_method'), 'DELETE');
    assert.equal(del.url.searchParams.get('_latchkey_session_id'), 'sess_1');
  });

  test('user.reload() reads /v1/me and updates the current user', async () => {
    const { latchkey, calls } = await loaded([
      { method: 'GET', path: '/v1/me', body: env(wireUser({ username: 'ada2' }), wireClient()) },
    ]);
    const user = await latchkey.user?.reload();
    assert.equal(user?.username, 'ada2');
    assert.equal(latchkey.user?.username, 'ada2');
    assert.equal(calls[calls.length - 1].url.searchParams.get('_latchkey_session_id'), 'sess_1');
  });

  test('user.getSessions() lists sessions and session.revoke() revokes one', async () => {
    const other = wireSession({ id: 'sess_7' });
    const { latchkey, calls } = await loaded([
      { method: 'GET', path: '/v1/me/sessions', body: env([wireSession(), other]) },
      { method: 'POST', path: '/v1/me/sessions/sess_7/revoke', body: env(wireSession({ id: 'sess_7', status: 'revoked' })) },
    ]);
    const sessions = (await latchkey.user?.getSessions()) ?? [];
    assert.deepEqual(sessions.map((s) => s.id), ['sess_1', 'sess_7']);
    const revoked = await sessions[1].revoke();
    assert.equal(revoked.status, 'revoked');
    const call = calls[calls.length - 1];
    assert.equal(call.method, 'POST');
    assert.equal(call.url.searchParams.get('_latchkey_session_id'), 'sess_1');
    assert.equal(latchkey.session?.id, 'sess_1');
  });

  test('an error response throws LatchkeyAPIResponseError', async () => {
    const { latchkey } = await loaded([
      {
        method: 'POST',
        path: '/v1/client/sign_ups',
        status: 422,
        body: {
          errors: [{ code: 'form_identifier_exists', message: 'taken', long_message: 'That username is taken.', meta: { param_name: 'username' } }],
          trace_id: 't1',
        },
      },
      { method: 'POST', path: '/v1/client/sign_ins', status: 429, headers: { 'Retry-After': '3' }, body: { errors: [{ code: 'rate_limit_exceeded', message: 'slow down', long_message: 'slow down', meta: {} }] } },
    ]);
    await assert.rejects(latchkey.signUp.create({ username: 'ada' }), (/** @type {any} */ err) => {
      assert.ok(err instanceof LatchkeyAPIResponseError);
      assert.equal(err.status, 422);
      assert.equal(err.errors[0].code, 'form_identifier_exists');
      assert.equal(err.errors[0].longMessage, 'That username is taken.');
      assert.equal(err.errors[0].meta.paramName, 'username');
      assert.equal(err.retryAfter, null);
      return true;
    });
    await assert.rejects(latchkey.signIn.create({ identifier: 'ada' }), (/** @type {any} */ err) => {
      assert.equal(err.status, 429);
      assert.equal(err.retryAfter, 3);
      return true;
    });
    assert.equal(latchkey.user?.username, 'ada', 'state kept after errors');
  });

  test('without a client, state-changing requests do not race (one client cookie)', async () => {
    /** @type {string[]} */
    const events = [];
    const fetch = async (/** @type {string} */ input, /** @type {RequestInit} */ init = {}) => {
      const { pathname } = new URL(input);
      if (pathname === '/v1/environment') return new Response(JSON.stringify(ENVIRONMENT));
      if (init.method === 'GET') return new Response(JSON.stringify({ response: null, client: null }));
      events.push(`start ${pathname}`);
      await new Promise((r) => setTimeout(r, pathname.endsWith('sign_ins') ? 30 : 5));
      events.push(`end ${pathname}`);
      const body = pathname.endsWith('sign_ins')
        ? env({ object: 'sign_in_attempt', id: 'sia_1', status: 'needs_first_factor' }, wireClient({ sessions: [], last_active_session_id: null }))
        : env({ object: 'sign_up_attempt', id: 'sua_1', status: 'complete', created_session_id: 'sess_1' });
      return new Response(JSON.stringify(body));
    };
    const latchkey = new Latchkey({ frontendApi: FRONTEND, fetch: /** @type {any} */ (fetch) });
    await latchkey.load();
    await Promise.all([latchkey.signIn.create({ strategy: 'passkey' }), latchkey.signUp.create({ username: 'ada' })]);
    assert.deepEqual(events, [
      'start /v1/client/sign_ins',
      'end /v1/client/sign_ins',
      'start /v1/client/sign_ups',
      'end /v1/client/sign_ups',
    ]);
  });

  test('a network failure is an API error with status 0', async () => {
    const latchkey = new Latchkey({
      frontendApi: FRONTEND,
      fetch: /** @type {any} */ (async () => {
        throw new TypeError('Failed to fetch');
      }),
    });
    await assert.rejects(latchkey.load(), (/** @type {any} */ err) => err.status === 0 && err.code === 'network_error');
  });

  test('setActive touches the session, notifies and navigates', async () => {
    const second = wireSession({ id: 'sess_2', user: wireUser({ id: 'user_2', username: 'bob' }) });
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/client/sessions/sess_2/touch', body: env(second, wireClient({ sessions: [wireSession(), second], last_active_session_id: 'sess_2' })) },
    ]);
    /** @type {string[]} */
    const users = [];
    latchkey.addListener(({ user }) => users.push(user?.username ?? 'none'));
    /** @type {any} */
    let navigated = null;
    await latchkey.setActive({ session: 'sess_2', navigate: ({ session }) => (navigated = session) });
    assert.equal(calls[calls.length - 1].url.pathname, '/v1/client/sessions/sess_2/touch');
    assert.equal(latchkey.user?.username, 'bob');
    assert.equal(navigated?.id, 'sess_2');
    assert.deepEqual(users, ['ada', 'bob']);
    await latchkey.setActive({ session: null });
    assert.equal(latchkey.isSignedIn, false);
  });
});

describe('session tokens', () => {
  test('getToken caches until ~15 s before exp and dedupes concurrent calls', async () => {
    let minted = 0;
    let exp = Math.floor(Date.now() / 1000) + 60;
    const { latchkey, calls } = await loaded([
      {
        method: 'POST',
        path: '/v1/client/sessions/sess_1/tokens',
        body: () => ({ object: 'token', jwt: fakeJwt({ sid: 'sess_1', exp, n: ++minted }) }),
      },
    ]);
    const session = latchkey.session;
    assert.ok(session);
    const [a, b] = await Promise.all([session.getToken(), session.getToken()]);
    assert.equal(a, b);
    assert.equal(minted, 1);
    assert.equal(await session.getToken(), a);
    assert.equal(minted, 1);
    assert.equal(calls.filter((c) => c.url.pathname.endsWith('/tokens')).length, 1);

    // A token within 15 s of expiry is not served from the cache.
    exp = Math.floor(Date.now() / 1000) + 10;
    await session.getToken({ skipCache: true });
    assert.equal(minted, 2);
    await session.getToken();
    assert.equal(minted, 3);
  });

  test('getToken writes the __session cookie when a document exists', async () => {
    const g = /** @type {any} */ (globalThis);
    /** @type {string[]} */
    const writes = [];
    g.document = { set cookie(v) { writes.push(v); } };
    restore = () => {
      delete g.document;
    };
    const jwt = fakeJwt({ exp: Math.floor(Date.now() / 1000) + 60 });
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/client/sessions/sess_1/tokens', body: { object: 'token', jwt } },
      { method: 'POST', path: '/v1/client/sessions/sess_1/end', body: env(wireSession({ status: 'ended' }), wireClient({ sessions: [], last_active_session_id: null })) },
    ]);
    await latchkey.session?.getToken();
    assert.ok(writes.some((w) => w.startsWith(`__session=${jwt}; path=/; SameSite=Lax`)), writes.join('\n'));
    await latchkey.signOut();
    assert.match(writes[writes.length - 1], /^__session=; path=\/; Max-Age=0/);
  });

  test('an SDK made with sessionCookie: false never writes the __session cookie', async () => {
    const g = /** @type {any} */ (globalThis);
    /** @type {string[]} */
    const writes = [];
    g.document = { set cookie(v) { writes.push(v); } };
    restore = () => {
      delete g.document;
    };
    const jwt = fakeJwt({ exp: Math.floor(Date.now() / 1000) + 60 });
    const fake = scriptedFetch([
      { method: 'GET', path: '/v1/environment', body: ENVIRONMENT },
      { method: 'GET', path: '/v1/client', body: env(wireClient(), wireClient()) },
      { method: 'POST', path: '/v1/client/sessions/sess_1/tokens', body: { object: 'token', jwt } },
      { method: 'POST', path: '/v1/client/sessions/sess_1/end', body: env(wireSession({ status: 'ended' }), wireClient({ sessions: [], last_active_session_id: null })) },
    ]);
    const latchkey = new Latchkey({ frontendApi: FRONTEND, fetch: /** @type {any} */ (fake.fetch), sessionCookie: false });
    await latchkey.load();
    assert.equal(await latchkey.session?.getToken(), jwt);
    await latchkey.signOut();
    assert.deepEqual(writes, []);
  });

  test('a session whose status changes gets a new token', async () => {
    let status = 'pending';
    let minted = 0;
    const exp = Math.floor(Date.now() / 1000) + 60;
    const { latchkey } = await loaded(
      [
        { method: 'POST', path: '/v1/client/sessions/sess_1/tokens', body: () => ({ object: 'token', jwt: fakeJwt({ exp, sts: status, n: ++minted }) }) },
        { method: 'GET', path: '/v1/me', body: () => env(wireUser(), wireClient({ sessions: [wireSession({ status })] })) },
      ],
      wireClient({ sessions: [wireSession({ status: 'pending', tasks: [{ key: 'setup-passkey' }] })] }),
    );
    await latchkey.session?.getToken();
    await latchkey.session?.getToken();
    assert.equal(minted, 1);
    status = 'active';
    await latchkey.user?.reload();
    assert.equal(latchkey.session?.status, 'active');
    await latchkey.session?.getToken();
    assert.equal(minted, 2);
  });

  test('last_active_token seeds the cache only when it matches the session status', async () => {
    const exp = Math.floor(Date.now() / 1000) + 60;
    const jwt = fakeJwt({ exp, sts: 'active' });
    let minted = 0;
    const { latchkey } = await loaded(
      [{ method: 'POST', path: '/v1/client/sessions/sess_1/tokens', body: () => ({ object: 'token', jwt: fakeJwt({ exp, sts: 'active', n: ++minted }) }) }],
      wireClient({ sessions: [wireSession({ last_active_token: { object: 'token', jwt } })] }),
    );
    assert.equal(await latchkey.session?.getToken(), jwt);
    assert.equal(minted, 0);
  });

  test('a token the server refuses is not cached', async () => {
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/client/sessions/sess_1/tokens', status: 401, body: { errors: [{ code: 'authentication_invalid', message: 'no', long_message: 'no', meta: {} }] } },
    ]);
    await assert.rejects(latchkey.session?.getToken() ?? Promise.resolve(), (/** @type {any} */ e) => e.status === 401);
  });
});

describe('ceremonies', () => {
  const creationNonce = JSON.stringify({
    rp: { id: 'localhost', name: 'Latchkey' },
    user: { id: 'dXNlci1oYW5kbGU', name: 'ada', displayName: 'ada' },
    challenge: 'AQID',
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    excludeCredentials: [],
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    attestation: 'none',
  });
  const requestNonce = (/** @type {any[]} */ allow = []) =>
    JSON.stringify({ challenge: 'BAUG', rpId: 'localhost', allowCredentials: allow, userVerification: 'required' });
  const verification = (/** @type {string} */ nonce) => ({
    object: 'verification_passkey',
    status: 'unverified',
    strategy: 'passkey',
    nonce,
    attempts: 0,
    expire_at: T0,
  });

  test('passkey-first sign-up creates, verifies and activates the session', async () => {
    /** @type {any[]} */
    const options = [];
    restore = installWebAuthn({ create: async (o) => (options.push(o), fakeAttestationCredential()) });
    const newSession = wireSession({ id: 'sess_9', user: wireUser({ id: 'user_9', username: 'eve', passkeys: [wirePasskey({ id: 'pk_9' })] }) });
    const done = wireClient({ sessions: [newSession], last_active_session_id: 'sess_9' });
    const { latchkey, calls } = await loaded(
      [
        { method: 'POST', path: '/v1/client/sign_ups', body: env({ object: 'sign_up_attempt', id: 'sua_9', status: 'missing_requirements', missing_fields: [], verification: verification(creationNonce) }, wireClient({ sessions: [], last_active_session_id: null })) },
        { method: 'POST', path: '/v1/client/sign_ups/sua_9/attempt_verification', body: env({ object: 'sign_up_attempt', id: 'sua_9', status: 'complete', created_user_id: 'user_9', created_session_id: 'sess_9' }, done) },
        { method: 'POST', path: '/v1/client/sessions/sess_9/touch', body: env(newSession, done) },
      ],
      wireClient({ sessions: [], last_active_session_id: null }),
    );
    assert.equal(latchkey.isSignedIn, false);
    const signUp = await latchkey.signUp.createWithPasskey({ username: 'eve' });
    assert.equal(signUp.status, 'complete');
    assert.equal(signUp.createdSessionId, 'sess_9');
    assert.equal(latchkey.user?.username, 'eve');
    const start = calls.find((c) => c.url.pathname === '/v1/client/sign_ups');
    assert.deepEqual(Object.fromEntries(start?.form ?? []), { strategy: 'passkey', username: 'eve' });
    const attempt = calls.find((c) => c.url.pathname.endsWith('/attempt_verification'));
    assert.equal(attempt?.form?.get('strategy'), 'passkey');
    const credential = JSON.parse(attempt?.form?.get('public_key_credential') ?? '');
    assert.equal(credential.id, 'AQID');
    assert.equal(credential.response.attestationObject, 'oA');
    // Fallback conversion fed the browser real bytes, with a signal attached.
    assert.ok(options[0].publicKey.challenge instanceof ArrayBuffer);
    assert.ok(options[0].signal instanceof AbortSignal);
  });

  test('user.createPasskey registers and reloads the user', async () => {
    restore = installWebAuthn({ create: async () => fakeAttestationCredential() });
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/me/passkeys', body: env(wirePasskey({ id: 'pk_2', name: null, verification: verification(creationNonce) })) },
      { method: 'POST', path: '/v1/me/passkeys/pk_2/attempt_verification', body: env(wirePasskey({ id: 'pk_2', name: 'Chrome on Linux' })) },
      { method: 'GET', path: '/v1/me', body: env(wireUser({ passkeys: [wirePasskey({ id: 'pk_2' }), wirePasskey()] })) },
    ]);
    const passkey = await latchkey.user?.createPasskey();
    assert.equal(passkey?.id, 'pk_2');
    assert.equal(passkey?.name, 'Chrome on Linux');
    assert.equal(passkey?.credentialId, 'AQID');
    assert.equal(latchkey.user?.passkeys.length, 2);
    assert.deepEqual(
      calls.slice(2).map((c) => `${c.method} ${c.url.pathname}`),
      ['POST /v1/me/passkeys', 'POST /v1/me/passkeys/pk_2/attempt_verification', 'GET /v1/me'],
    );
  });

  test('an excluded credential maps to passkey_already_exists', async () => {
    restore = installWebAuthn({ create: async () => { throw new DOMException('excluded', 'InvalidStateError'); } });
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/me/passkeys', body: env(wirePasskey({ id: 'pk_2', verification: verification(creationNonce) })) },
    ]);
    await assert.rejects(latchkey.user?.createPasskey() ?? Promise.resolve(), (/** @type {any} */ e) => {
      assert.ok(e instanceof LatchkeyWebAuthnError);
      assert.equal(e.code, 'passkey_already_exists');
      return true;
    });
  });

  test('discoverable sign-in: create, get, attempt_first_factor', async () => {
    /** @type {any[]} */
    const got = [];
    restore = installWebAuthn({ get: async (o) => (got.push(o), fakeAssertionCredential()) });
    const { latchkey, calls } = await loaded(
      [
        { method: 'POST', path: '/v1/client/sign_ins', body: env({ object: 'sign_in_attempt', id: 'sia_1', status: 'needs_first_factor', supported_first_factors: [{ strategy: 'passkey' }], first_factor_verification: verification(requestNonce()) }, wireClient({ sessions: [] })) },
        { method: 'POST', path: '/v1/client/sign_ins/sia_1/attempt_first_factor', body: env({ object: 'sign_in_attempt', id: 'sia_1', status: 'complete', created_session_id: 'sess_1' }) },
      ],
      wireClient({ sessions: [], last_active_session_id: null }),
    );
    const signIn = await latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' });
    assert.equal(signIn.status, 'complete');
    assert.equal(signIn.createdSessionId, 'sess_1');
    assert.equal(got[0].mediation, undefined);
    assert.deepEqual(got[0].publicKey.allowCredentials, []);
    const start = calls.find((c) => c.url.pathname === '/v1/client/sign_ins');
    assert.equal(start?.form?.get('strategy'), 'passkey');
    const attempt = JSON.parse(calls[calls.length - 1].form?.get('public_key_credential') ?? '');
    assert.equal(attempt.response.userHandle, 'CQk');
    assert.equal(latchkey.isSignedIn, false, 'setActive is the caller\'s choice');
  });

  test('identifier-first sign-in prepares the first factor on the same attempt', async () => {
    restore = installWebAuthn({ get: async () => fakeAssertionCredential() });
    const { latchkey, calls } = await loaded(
      [
        { method: 'POST', path: '/v1/client/sign_ins', body: env({ object: 'sign_in_attempt', id: 'sia_2', status: 'needs_first_factor', identifier: 'ada', supported_first_factors: [{ strategy: 'passkey' }], first_factor_verification: null }) },
        { method: 'POST', path: '/v1/client/sign_ins/sia_2/prepare_first_factor', body: env({ object: 'sign_in_attempt', id: 'sia_2', status: 'needs_first_factor', identifier: 'ada', first_factor_verification: verification(requestNonce([{ id: 'AQID', type: 'public-key' }])) }) },
        { method: 'POST', path: '/v1/client/sign_ins/sia_2/attempt_first_factor', body: env({ object: 'sign_in_attempt', id: 'sia_2', status: 'complete', created_session_id: 'sess_1' }) },
      ],
      wireClient({ sessions: [], last_active_session_id: null }),
    );
    const started = await latchkey.signIn.create({ identifier: 'ada' });
    assert.equal(started.status, 'needs_first_factor');
    assert.deepEqual(started.supportedFirstFactors, [{ strategy: 'passkey' }]);
    const done = await started.authenticateWithPasskey();
    assert.equal(done.status, 'complete');
    assert.deepEqual(
      calls.slice(2).map((c) => c.url.pathname),
      ['/v1/client/sign_ins', '/v1/client/sign_ins/sia_2/prepare_first_factor', '/v1/client/sign_ins/sia_2/attempt_first_factor'],
    );
    assert.equal(calls[3].form?.get('strategy'), 'passkey');
  });

  test('autofill uses conditional mediation and a new ceremony aborts it', async () => {
    /** @type {any[]} */
    const requests = [];
    restore = installWebAuthn({
      get: (o) => {
        requests.push(o);
        if (o.mediation === 'conditional') {
          return new Promise((_, reject) => o.signal.addEventListener('abort', () => reject(o.signal.reason)));
        }
        return Promise.resolve(fakeAssertionCredential());
      },
    });
    let n = 0;
    const { latchkey } = await loaded(
      [
        { method: 'POST', path: '/v1/client/sign_ins', body: () => env({ object: 'sign_in_attempt', id: `sia_${++n}`, status: 'needs_first_factor', first_factor_verification: verification(requestNonce()) }) },
        { method: 'POST', path: /\/attempt_first_factor$/, body: env({ object: 'sign_in_attempt', id: 'sia_2', status: 'complete', created_session_id: 'sess_1' }) },
      ],
      wireClient({ sessions: [], last_active_session_id: null }),
    );
    const autofill = latchkey.signIn.authenticateWithPasskey({ flow: 'autofill' });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(requests[0]?.mediation, 'conditional');
    const modal = await latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' });
    assert.equal(modal.status, 'complete');
    await assert.rejects(autofill, (/** @type {any} */ e) => e.code === 'passkey_operation_aborted');
  });

  test('autofill falls back to a modal request without conditional mediation', async () => {
    /** @type {any[]} */
    const requests = [];
    restore = installWebAuthn({ get: async (o) => (requests.push(o), fakeAssertionCredential()) });
    /** @type {any} */ (globalThis).PublicKeyCredential.isConditionalMediationAvailable = undefined;
    const { latchkey } = await loaded(
      [
        { method: 'POST', path: '/v1/client/sign_ins', body: env({ object: 'sign_in_attempt', id: 'sia_1', status: 'needs_first_factor', first_factor_verification: verification(requestNonce()) }) },
        { method: 'POST', path: '/v1/client/sign_ins/sia_1/attempt_first_factor', body: env({ object: 'sign_in_attempt', id: 'sia_1', status: 'complete', created_session_id: 'sess_1' }) },
      ],
      wireClient({ sessions: [], last_active_session_id: null }),
    );
    const signIn = await latchkey.signIn.authenticateWithPasskey({ flow: 'autofill' });
    assert.equal(signIn.status, 'complete');
    assert.equal(requests[0].mediation, undefined);
  });

  test('autofill leaves a sign-in that is past its first factor alone', async () => {
    restore = installWebAuthn({ get: async () => assert.fail('no ceremony expected') });
    const waiting = wireSession({ id: 'sess_5' });
    const { latchkey, calls } = await loaded(
      [],
      wireClient({
        sessions: [waiting],
        last_active_session_id: null,
        sign_in: { object: 'sign_in_attempt', id: 'sia_5', status: 'complete', created_session_id: 'sess_5' },
      }),
    );
    const signIn = await latchkey.signIn.authenticateWithPasskey({ flow: 'autofill' });
    assert.equal(signIn.id, 'sia_5');
    assert.equal(calls.length, 2, 'no new sign-in was created');
  });

  test('a cancelled get() is passkey_retrieval_cancelled', async () => {
    restore = installWebAuthn({ get: async () => { throw new DOMException('no', 'NotAllowedError'); } });
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/client/sign_ins', body: env({ object: 'sign_in_attempt', id: 'sia_1', status: 'needs_first_factor', first_factor_verification: verification(requestNonce()) }) },
    ]);
    await assert.rejects(latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' }), (/** @type {any} */ e) => {
      assert.ok(e instanceof LatchkeyWebAuthnError);
      assert.equal(e.code, 'passkey_retrieval_cancelled');
      return true;
    });
  });

  test('passkey_not_registered signals the unknown credential', async () => {
    /** @type {any[]} */
    const signals = [];
    restore = installWebAuthn({ get: async () => fakeAssertionCredential(), signals });
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/client/sign_ins', body: env({ object: 'sign_in_attempt', id: 'sia_1', status: 'needs_first_factor', first_factor_verification: verification(requestNonce()) }) },
      { method: 'POST', path: '/v1/client/sign_ins/sia_1/attempt_first_factor', status: 404, body: { errors: [{ code: 'passkey_not_registered', message: 'unknown passkey', long_message: 'unknown passkey', meta: {} }] } },
    ]);
    await assert.rejects(latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' }), (/** @type {any} */ e) => e.code === 'passkey_not_registered');
    assert.deepEqual(signals, [['signalUnknownCredential', { rpId: 'localhost', credentialId: 'AQID' }]]);
  });

  test('rename and delete signal the provider when the user handle is known', async () => {
    /** @type {any[]} */
    const signals = [];
    restore = installWebAuthn({ create: async () => fakeAttestationCredential(), signals });
    let passkeys = [wirePasskey()];
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/me/passkeys', body: env(wirePasskey({ id: 'pk_2', verification: verification(creationNonce) })) },
      { method: 'POST', path: '/v1/me/passkeys/pk_2/attempt_verification', body: () => ((passkeys = [wirePasskey({ id: 'pk_2' }), ...passkeys]), env(wirePasskey({ id: 'pk_2' }))) },
      { method: 'POST', path: '/v1/me/passkeys/pk_2', body: () => env(wirePasskey({ id: 'pk_2', name: 'Work' })) },
      { method: 'POST', path: '/v1/me/passkeys/pk_1', body: () => ((passkeys = passkeys.filter((p) => p.id !== 'pk_1')), env({ object: 'passkey', id: 'pk_1', deleted: true })) },
      { method: 'GET', path: '/v1/me', body: () => env(wireUser({ passkeys })) },
    ]);
    const created = await latchkey.user?.createPasskey();
    await created?.update({ name: 'Work' });
    assert.deepEqual(signals.pop(), [
      'signalCurrentUserDetails',
      { rpId: 'localhost', userId: 'dXNlci1oYW5kbGU', name: 'ada', displayName: 'Ada Lovelace' },
    ]);
    // pk_1's credential id is unknown here, but pk_2 (all that remains) is known.
    await latchkey.user?.passkeys.find((p) => p.id === 'pk_1')?.delete();
    assert.deepEqual(signals.pop(), [
      'signalAllAcceptedCredentials',
      { rpId: 'localhost', userId: 'dXNlci1oYW5kbGU', allAcceptedCredentialIds: ['AQID'] },
    ]);
  });

  test('no WebAuthn at all is passkey_not_supported', async () => {
    const { latchkey } = await loaded();
    const g = /** @type {any} */ (globalThis);
    const saved = g.PublicKeyCredential;
    delete g.PublicKeyCredential;
    restore = () => {
      if (saved) g.PublicKeyCredential = saved;
    };
    await assert.rejects(latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' }), (/** @type {any} */ e) => e.code === 'passkey_not_supported');
    await assert.rejects(latchkey.signUp.createWithPasskey(), (/** @type {any} */ e) => e.code === 'passkey_not_supported');
  });
});
