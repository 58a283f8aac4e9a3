// Unit tests of the email calls against a stubbed `fetch`: addresses and their
// codes, sign-up and sign-in by email code, the recovery task, session step-up
// and the reverification error.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';

import {
  EmailAddressResource,
  LatchkeyAPIResponseError,
  ceremonyAbortService,
  isReverificationRequired,
} from '../latchkey.js';
import {
  T0,
  emailCodeVerification,
  env,
  fakeAssertionCredential,
  fakeAttestationCredential,
  installWebAuthn,
  loaded,
  wireClient,
  wireEmailAddress,
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

/** @param {any[]} calls */
const paths = (calls) => calls.slice(2).map((c) => `${c.method} ${c.url.pathname}${c.url.search.includes('_method=') ? `?_method=${c.url.searchParams.get('_method')}` : ''}`);

/** @param {any} call */
const form = (call) => Object.fromEntries(call?.form ?? []);

const signedOut = () => wireClient({ sessions: [], last_active_session_id: null });

/** @param {string} code @param {number} status @param {Record<string, any>} [meta] */
const apiError = (code, status, meta = {}) => ({
  status,
  body: { errors: [{ code, message: code, long_message: code, meta }], trace_id: 't' },
});

describe('email addresses', () => {
  test('the user carries EmailAddress resources and its primary address', async () => {
    const unverified = wireEmailAddress({ id: 'idn_2', email_address: 'ada@work.test', verification: null, created_at: T0 + 1 });
    const { latchkey } = await loaded([], wireClient({
      sessions: [wireSession({ user: wireUser({ email_addresses: [unverified, wireEmailAddress()], primary_email_address_id: 'idn_1' }) })],
    }));
    const user = latchkey.user;
    assert.ok(user);
    assert.equal(user.primaryEmailAddressId, 'idn_1');
    assert.equal(user.primaryEmailAddress?.emailAddress, 'ada@example.com');
    const [second, primary] = user.emailAddresses;
    assert.ok(second instanceof EmailAddressResource);
    assert.equal(second.verification, null);
    assert.equal(second.createdAt?.getTime(), T0 + 1);
    assert.equal(String(second), 'ada@work.test');
    assert.equal(primary.verification?.status, 'verified');
    assert.equal(primary.verification?.strategy, 'email_code');
    assert.equal(primary.verification?.expireAt?.getTime(), T0 + 600_000);
  });

  test('no primary address when the user has none', async () => {
    const { latchkey } = await loaded([], wireClient({
      sessions: [wireSession({ user: wireUser({ email_addresses: [wireEmailAddress()], primary_email_address_id: null }) })],
    }));
    assert.equal(latchkey.user?.primaryEmailAddress, null);
  });

  test('createEmailAddress, prepareVerification and attemptVerification', async () => {
    const added = wireEmailAddress({ id: 'idn_2', email_address: 'ada@work.test', verification: null });
    const sent = { ...added, verification: emailCodeVerification() };
    const done = { ...added, verification: emailCodeVerification({ status: 'verified', attempts: 1 }) };
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/me/email_addresses', body: env(added) },
      { method: 'POST', path: '/v1/me/email_addresses/idn_2/prepare_verification', body: env(sent) },
      { method: 'POST', path: '/v1/me/email_addresses/idn_2/attempt_verification', body: env(done) },
      { method: 'GET', path: '/v1/me', body: env(wireUser({ email_addresses: [wireEmailAddress(), done] })) },
    ]);
    const address = await latchkey.user?.createEmailAddress({ email: 'ada@work.test' });
    assert.ok(address);
    assert.equal(address.verification, null);
    const prepared = await address.prepareVerification();
    assert.equal(prepared.verification?.status, 'unverified');
    const verified = await prepared.attemptVerification({ code: '123456' });
    assert.equal(verified.verification?.status, 'verified');
    assert.equal(verified.verification?.attempts, 1);
    assert.deepEqual(paths(calls), [
      'POST /v1/me/email_addresses', 'GET /v1/me',
      'POST /v1/me/email_addresses/idn_2/prepare_verification', 'GET /v1/me',
      'POST /v1/me/email_addresses/idn_2/attempt_verification', 'GET /v1/me',
    ]);
    assert.deepEqual(form(calls[2]), { email_address: 'ada@work.test' });
    assert.deepEqual(form(calls[4]), { strategy: 'email_code' });
    assert.deepEqual(form(calls[6]), { strategy: 'email_code', code: '123456' });
    for (const call of calls.slice(2)) assert.equal(call.url.searchParams.get('_latchkey_session_id'), 'sess_1');
    assert.equal(latchkey.user?.emailAddresses[1].verification?.status, 'verified', 'the user was reloaded');
  });

  test('a wrong code is form_code_incorrect on the code field', async () => {
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/me/email_addresses/idn_1/attempt_verification', ...apiError('form_code_incorrect', 422, { param_name: 'code' }) },
    ]);
    const address = latchkey.user?.emailAddresses[0];
    assert.ok(address);
    await assert.rejects(address.attemptVerification({ code: '000000' }), (/** @type {any} */ e) => {
      assert.ok(e instanceof LatchkeyAPIResponseError);
      assert.equal(e.code, 'form_code_incorrect');
      assert.equal(e.errors[0].meta.paramName, 'code');
      return true;
    });
  });

  test('destroy deletes through POST ?_method=DELETE and reloads the user', async () => {
    const second = wireEmailAddress({ id: 'idn_2', email_address: 'ada@work.test' });
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/me/email_addresses/idn_2', body: env({ object: 'email_address', id: 'idn_2', deleted: true }) },
      { method: 'GET', path: '/v1/me', body: env(wireUser()) },
    ], wireClient({ sessions: [wireSession({ user: wireUser({ email_addresses: [wireEmailAddress(), second] }) })] }));
    const deleted = await latchkey.user?.emailAddresses[1].destroy();
    assert.deepEqual(deleted, { object: 'email_address', id: 'idn_2', deleted: true });
    assert.deepEqual(paths(calls), ['POST /v1/me/email_addresses/idn_2?_method=DELETE', 'GET /v1/me']);
    assert.equal(latchkey.user?.emailAddresses.length, 1);
  });

  test('user.update({ primaryEmailAddressId }) patches /v1/me', async () => {
    const second = wireEmailAddress({ id: 'idn_2', email_address: 'ada@work.test' });
    const updated = wireUser({ email_addresses: [second, wireEmailAddress()], primary_email_address_id: 'idn_2' });
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/me', body: env(updated) },
      { method: 'GET', path: '/v1/me', body: env(updated) },
    ]);
    const user = await latchkey.user?.update({ primaryEmailAddressId: 'idn_2' });
    assert.equal(user?.primaryEmailAddress?.emailAddress, 'ada@work.test');
    assert.equal(latchkey.user?.primaryEmailAddressId, 'idn_2');
    assert.deepEqual(paths(calls), ['POST /v1/me?_method=PATCH', 'GET /v1/me']);
    assert.deepEqual(form(calls[2]), { primary_email_address_id: 'idn_2' });
  });
});

describe('sign-up with an email code', () => {
  test('prepare and attempt the address verification', async () => {
    const base = { object: 'sign_up_attempt', id: 'sua_1', username: 'ada', email_address: 'ada@example.com', missing_fields: [], verification: null };
    const waiting = { ...base, status: 'missing_requirements', unverified_fields: ['email_address'], verifications: { email_address: emailCodeVerification() } };
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/client/sign_ups', body: env({ ...waiting, verifications: { email_address: null } }, signedOut()) },
      { method: 'POST', path: '/v1/client/sign_ups/sua_1/prepare_verification', body: env(waiting, signedOut()) },
      { method: 'POST', path: '/v1/client/sign_ups/sua_1/attempt_verification', body: env({ ...base, status: 'complete', unverified_fields: [], verifications: { email_address: emailCodeVerification({ status: 'verified' }) }, created_user_id: 'user_1', created_session_id: 'sess_1' }) },
    ], signedOut());
    const started = await latchkey.signUp.create({ username: 'ada', emailAddress: 'ada@example.com' });
    assert.deepEqual(started.unverifiedFields, ['email_address']);
    assert.equal(started.verifications.emailAddress, null);
    const prepared = await started.prepareEmailAddressVerification({ strategy: 'email_code' });
    assert.equal(prepared.verifications.emailAddress?.status, 'unverified');
    assert.ok(prepared.verifications.emailAddress?.expireAt instanceof Date);
    const done = await prepared.attemptEmailAddressVerification({ code: '424242' });
    assert.equal(done.status, 'complete');
    assert.deepEqual(done.unverifiedFields, []);
    assert.equal(done.verifications.emailAddress?.status, 'verified');
    assert.deepEqual(form(calls[3]), { strategy: 'email_code' });
    assert.deepEqual(form(calls[4]), { strategy: 'email_code', code: '424242' });
  });

  test('an attempt needs a created sign-up', async () => {
    const { latchkey } = await loaded([], signedOut());
    await assert.rejects(latchkey.signUp.prepareEmailAddressVerification(), (/** @type {any} */ e) => e.code === 'unexpected_response');
  });
});

describe('sign-in with an email code', () => {
  test('create sends the code, attempt completes into a pending recovery session', async () => {
    const attempt = { object: 'sign_in_attempt', id: 'sia_1', identifier: 'ada@example.com', supported_first_factors: [{ strategy: 'passkey' }, { strategy: 'email_code', email_address_id: 'idn_1', safe_identifier: 'a***@example.com' }] };
    const pending = wireSession({ status: 'pending', tasks: [{ key: 'setup-passkey' }] });
    const after = wireClient({ sessions: [pending], last_active_session_id: 'sess_1' });
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/client/sign_ins', body: env({ ...attempt, status: 'needs_first_factor', first_factor_verification: emailCodeVerification() }, signedOut()) },
      { method: 'POST', path: '/v1/client/sign_ins/sia_1/attempt_first_factor', body: env({ ...attempt, status: 'complete', first_factor_verification: emailCodeVerification({ status: 'verified' }), created_session_id: 'sess_1' }, after) },
      { method: 'POST', path: '/v1/client/sessions/sess_1/touch', body: env(pending, after) },
    ], signedOut());
    const signIn = await latchkey.signIn.create({ identifier: 'ada@example.com', strategy: 'email_code' });
    assert.deepEqual(form(calls[2]), { identifier: 'ada@example.com', strategy: 'email_code' });
    assert.equal(signIn.firstFactorVerification?.strategy, 'email_code');
    assert.equal(signIn.firstFactorVerification?.nonce, null);
    assert.deepEqual(signIn.supportedFirstFactors[1], { strategy: 'email_code', emailAddressId: 'idn_1', safeIdentifier: 'a***@example.com' });
    const done = await signIn.attemptFirstFactor({ strategy: 'email_code', code: '135790' });
    assert.deepEqual(form(calls[3]), { strategy: 'email_code', code: '135790' });
    assert.equal(done.status, 'complete');
    await latchkey.setActive({ session: done.createdSessionId });
    assert.equal(latchkey.session?.status, 'pending');
    assert.deepEqual(latchkey.session?.currentTask, { key: 'setup-passkey' });
  });

  test('prepareFirstFactor mails a code to the chosen address', async () => {
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/client/sign_ins', body: env({ object: 'sign_in_attempt', id: 'sia_2', status: 'needs_first_factor', identifier: 'ada' }) },
      { method: 'POST', path: '/v1/client/sign_ins/sia_2/prepare_first_factor', body: env({ object: 'sign_in_attempt', id: 'sia_2', status: 'needs_first_factor', first_factor_verification: emailCodeVerification() }) },
    ], signedOut());
    const signIn = await latchkey.signIn.create({ identifier: 'ada' });
    const prepared = await signIn.prepareFirstFactor({ strategy: 'email_code', emailAddressId: 'idn_1' });
    assert.deepEqual(form(calls[3]), { strategy: 'email_code', email_address_id: 'idn_1' });
    assert.equal(prepared.firstFactorVerification?.status, 'unverified');
  });

  test('creating a passkey finishes the setup-passkey task', async () => {
    const pending = wireSession({ status: 'pending', tasks: [{ key: 'setup-passkey' }] });
    const active = wireSession();
    const creation = JSON.stringify({
      rp: { id: 'localhost', name: 'Latchkey' }, user: { id: 'dXNlcg', name: 'ada', displayName: 'ada' }, challenge: 'AQID',
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }], authenticatorSelection: { residentKey: 'required' },
    });
    restore = installWebAuthn({ create: async () => fakeAttestationCredential() });
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/me/passkeys', body: env(wirePasskey({ id: 'pk_2', verification: { object: 'verification_passkey', status: 'unverified', strategy: 'passkey', nonce: creation, attempts: 0, expire_at: T0 } }), wireClient({ sessions: [pending] })) },
      { method: 'POST', path: '/v1/me/passkeys/pk_2/attempt_verification', body: env(wirePasskey({ id: 'pk_2' }), wireClient({ sessions: [active] })) },
      { method: 'GET', path: '/v1/me', body: env(wireUser(), wireClient({ sessions: [active] })) },
    ], wireClient({ sessions: [pending] }));
    assert.equal(latchkey.session?.currentTask?.key, 'setup-passkey');
    await latchkey.user?.createPasskey();
    assert.equal(latchkey.session?.status, 'active');
    assert.equal(latchkey.session?.currentTask, null);
  });
});

describe('session step-up', () => {
  const requestNonce = JSON.stringify({ challenge: 'BAUG', rpId: 'localhost', allowCredentials: [{ id: 'AQID', type: 'public-key' }], userVerification: 'required' });
  /** @param {Record<string, any>} over */
  const verification = (over) => ({
    object: 'session_verification', id: 'sv_1', level: 'first_factor', status: 'needs_first_factor',
    supported_first_factors: [{ strategy: 'passkey' }, { strategy: 'email_code', email_address_id: 'idn_1', safe_identifier: 'a***@example.com' }],
    first_factor_verification: null, session: wireSession(), ...over,
  });
  const fresh = () => wireClient({ sessions: [wireSession({ factor_verification_age: [0, -1] })] });

  test('verifyWithPasskey: verify, prepare, get(), attempt', async () => {
    /** @type {any[]} */
    const got = [];
    restore = installWebAuthn({ get: async (o) => (got.push(o), fakeAssertionCredential()) });
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/client/sessions/sess_1/verify', body: env(verification({})) },
      { method: 'POST', path: '/v1/client/sessions/sess_1/verify/prepare_first_factor', body: env(verification({ first_factor_verification: { object: 'verification_passkey', status: 'unverified', strategy: 'passkey', nonce: requestNonce, attempts: 0, expire_at: T0 } })) },
      { method: 'POST', path: '/v1/client/sessions/sess_1/verify/attempt_first_factor', body: env(verification({ status: 'complete', session: wireSession({ factor_verification_age: [0, -1] }) }), fresh()) },
    ], wireClient({ sessions: [wireSession({ factor_verification_age: [42, -1] })] }));
    assert.deepEqual(latchkey.session?.factorVerificationAge, [42, -1]);
    const result = await latchkey.session?.verifyWithPasskey();
    assert.equal(result?.status, 'complete');
    assert.equal(result?.level, 'first_factor');
    assert.deepEqual(result?.session?.factorVerificationAge, [0, -1]);
    assert.deepEqual(latchkey.session?.factorVerificationAge, [0, -1]);
    assert.deepEqual(paths(calls), [
      'POST /v1/client/sessions/sess_1/verify',
      'POST /v1/client/sessions/sess_1/verify/prepare_first_factor',
      'POST /v1/client/sessions/sess_1/verify/attempt_first_factor',
    ]);
    assert.deepEqual(form(calls[2]), { level: 'first_factor' });
    assert.deepEqual(form(calls[3]), { strategy: 'passkey' });
    assert.equal(got[0].publicKey.allowCredentials.length, 1);
    const attempt = form(calls[4]);
    assert.equal(attempt.strategy, 'passkey');
    assert.equal(JSON.parse(attempt.public_key_credential).id, 'AQID');
  });

  test('with an email code instead', async () => {
    const { latchkey, calls } = await loaded([
      { method: 'POST', path: '/v1/client/sessions/sess_1/verify', body: env(verification({})) },
      { method: 'POST', path: '/v1/client/sessions/sess_1/verify/prepare_first_factor', body: env(verification({ first_factor_verification: emailCodeVerification() })) },
      { method: 'POST', path: '/v1/client/sessions/sess_1/verify/attempt_first_factor', body: env(verification({ status: 'complete' }), fresh()) },
    ]);
    const session = latchkey.session;
    assert.ok(session);
    const started = await session.startVerification();
    assert.deepEqual(started.supportedFirstFactors[1], { strategy: 'email_code', emailAddressId: 'idn_1', safeIdentifier: 'a***@example.com' });
    const prepared = await session.prepareFirstFactorVerification({ strategy: 'email_code', emailAddressId: 'idn_1' });
    assert.equal(prepared.firstFactorVerification?.strategy, 'email_code');
    const done = await session.attemptFirstFactorVerification({ strategy: 'email_code', code: '246810' });
    assert.equal(done.status, 'complete');
    assert.deepEqual(form(calls[3]), { strategy: 'email_code', email_address_id: 'idn_1' });
    assert.deepEqual(form(calls[4]), { strategy: 'email_code', code: '246810' });
  });

  test('session_reverification_required is recognisable, with its meta camelCased', async () => {
    const { latchkey } = await loaded([
      { method: 'POST', path: '/v1/me/email_addresses/idn_1', ...apiError('session_reverification_required', 403, { reverification: { level: 'first_factor', after_minutes: 10 } }) },
      { method: 'POST', path: '/v1/me/email_addresses', ...apiError('form_identifier_exists', 422, { param_name: 'email_address' }) },
    ]);
    /** @type {unknown} */
    let caught;
    await latchkey.user?.emailAddresses[0].destroy().catch((e) => (caught = e));
    assert.equal(isReverificationRequired(caught), true);
    const error = /** @type {LatchkeyAPIResponseError} */ (caught);
    assert.equal(error.status, 403);
    assert.deepEqual(error.errors[0].meta, { reverification: { level: 'first_factor', afterMinutes: 10 } });
    await latchkey.user?.createEmailAddress({ email: 'x@example.com' }).catch((e) => (caught = e));
    assert.equal(isReverificationRequired(caught), false);
    assert.equal(isReverificationRequired(new Error('session_reverification_required')), false);
    assert.equal(isReverificationRequired(null), false);
  });
});
