// Unit tests of the SDK's pure helpers: encoding, option and credential
// conversion, error mapping, the abort service and the token cache.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  CeremonyAbortService,
  LatchkeyAPIResponseError,
  LatchkeyWebAuthnError,
  TokenCache,
  base64urlDecode,
  base64urlEncode,
  base64urlEncodeString,
  creationOptionsFromJSON,
  credentialToJSON,
  decodeJwtClaims,
  errorFromResponse,
  mapWebAuthnError,
  parseCreationOptions,
  parseRetryAfter,
  requestOptionsFromJSON,
  serializeCredential,
} from '../latchkey.js';

/** @param {number[]} bytes */
const buf = (bytes) => new Uint8Array(bytes).buffer;
/** @param {ArrayBuffer | ArrayBufferView} b */
const bytes = (b) => [...new Uint8Array(b instanceof ArrayBuffer ? b : b.buffer)];

/** @param {Record<string, any>} claims */
function fakeJwt(claims) {
  /** @param {any} v */
  const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(claims)}.c2ln`;
}

describe('base64url', () => {
  test('encodes without padding and with the URL-safe alphabet', () => {
    assert.equal(base64urlEncode(buf([0xfb, 0xff])), '-_8');
    assert.equal(base64urlEncode(buf([1, 2, 3, 4])), 'AQIDBA');
    assert.equal(base64urlEncode(new Uint8Array([])), '');
  });

  test('accepts views that do not start at byte 0', () => {
    const whole = new Uint8Array([9, 1, 2, 3, 9]);
    assert.equal(base64urlEncode(whole.subarray(1, 4)), 'AQID');
  });

  test('round-trips every byte value and large buffers', () => {
    const all = new Uint8Array(70_000).map((_, i) => i % 256);
    const decoded = new Uint8Array(base64urlDecode(base64urlEncode(all)));
    assert.deepEqual(decoded, all);
  });

  test('decodes with or without padding', () => {
    assert.deepEqual(bytes(base64urlDecode('AQIDBA')), [1, 2, 3, 4]);
    assert.deepEqual(bytes(base64urlDecode('AQIDBA==')), [1, 2, 3, 4]);
    assert.deepEqual(bytes(base64urlDecode('-_8')), [0xfb, 0xff]);
  });

  test('rejects text that is not base64url', () => {
    assert.throws(() => base64urlDecode('a b'), TypeError);
    assert.throws(() => base64urlDecode('abcde'), TypeError);
    assert.throws(() => base64urlDecode(/** @type {any} */ (42)), TypeError);
  });

  test('encodes UTF-8 strings', () => {
    assert.equal(base64urlEncodeString('é'), 'w6k');
  });

  test('reads JWT claims', () => {
    assert.deepEqual(decodeJwtClaims(fakeJwt({ sub: 'user_1', exp: 5 })), { sub: 'user_1', exp: 5 });
    assert.throws(() => decodeJwtClaims('nope'), TypeError);
  });
});

const CREATION_JSON = {
  rp: { id: 'localhost', name: 'Latchkey' },
  user: { id: 'AQID', name: 'ada', displayName: 'ada' },
  challenge: 'BAUG',
  pubKeyCredParams: [
    { type: 'public-key', alg: -7 },
    { type: 'public-key', alg: -257 },
  ],
  timeout: 300000,
  excludeCredentials: [{ id: 'Bwg', type: 'public-key', transports: ['internal'] }],
  authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  attestation: 'none',
};

describe('creation and request options', () => {
  test('creation options decode challenge, user id and excluded ids', () => {
    const o = creationOptionsFromJSON(CREATION_JSON);
    assert.deepEqual(bytes(/** @type {ArrayBuffer} */ (o.challenge)), [4, 5, 6]);
    assert.deepEqual(bytes(/** @type {ArrayBuffer} */ (o.user.id)), [1, 2, 3]);
    assert.equal(o.user.name, 'ada');
    assert.equal(o.excludeCredentials?.length, 1);
    assert.deepEqual(bytes(/** @type {ArrayBuffer} */ (o.excludeCredentials?.[0].id)), [7, 8]);
    assert.deepEqual(o.excludeCredentials?.[0].transports, ['internal']);
    assert.equal(o.rp.id, 'localhost');
    assert.equal(o.attestation, 'none');
    assert.equal(o.authenticatorSelection?.residentKey, 'required');
    assert.equal(o.pubKeyCredParams.length, 2);
  });

  test('creation options without excludeCredentials stay without it', () => {
    const { excludeCredentials, ...rest } = CREATION_JSON;
    assert.equal('excludeCredentials' in creationOptionsFromJSON(rest), false);
  });

  test('malformed creation options are refused', () => {
    assert.throws(() => creationOptionsFromJSON({ challenge: 'AA' }), TypeError);
    assert.throws(() => creationOptionsFromJSON({ ...CREATION_JSON, challenge: '***' }), TypeError);
  });

  test('request options decode challenge and allowed ids', () => {
    const o = requestOptionsFromJSON({
      challenge: 'AQID',
      rpId: 'localhost',
      allowCredentials: [{ id: 'BAU', type: 'public-key' }],
      userVerification: 'required',
      timeout: 300000,
    });
    assert.deepEqual(bytes(/** @type {ArrayBuffer} */ (o.challenge)), [1, 2, 3]);
    assert.deepEqual(bytes(/** @type {ArrayBuffer} */ (o.allowCredentials?.[0].id)), [4, 5]);
    assert.equal('transports' in (o.allowCredentials?.[0] ?? {}), false);
    assert.equal(o.rpId, 'localhost');
    assert.equal(o.userVerification, 'required');
  });

  test('an empty allowCredentials list stays empty (discoverable sign-in)', () => {
    const o = requestOptionsFromJSON({ challenge: 'AQID', allowCredentials: [] });
    assert.deepEqual(o.allowCredentials, []);
  });

  test('parseCreationOptions takes a JSON string and prefers the browser parser', () => {
    const g = /** @type {any} */ (globalThis);
    const fromText = parseCreationOptions(JSON.stringify(CREATION_JSON));
    assert.equal(fromText.json.user.id, 'AQID');
    assert.ok(fromText.publicKey.challenge instanceof ArrayBuffer);

    const saved = g.PublicKeyCredential;
    g.PublicKeyCredential = { parseCreationOptionsFromJSON: (/** @type {any} */ j) => ({ native: j.rp.id }) };
    try {
      assert.deepEqual(parseCreationOptions(CREATION_JSON).publicKey, { native: 'localhost' });
    } finally {
      if (saved === undefined) delete g.PublicKeyCredential;
      else g.PublicKeyCredential = saved;
    }
  });
});

describe('credential serialisation', () => {
  test('a registration credential becomes RegistrationResponseJSON', () => {
    const json = credentialToJSON({
      id: 'AQID',
      rawId: buf([1, 2, 3]),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: buf([123, 125]),
        attestationObject: buf([0xa0]),
        getTransports: () => ['internal', 'hybrid'],
        getPublicKeyAlgorithm: () => -7,
      },
      getClientExtensionResults: () => ({ credProps: { rk: true } }),
    });
    assert.deepEqual(json, {
      id: 'AQID',
      rawId: 'AQID',
      type: 'public-key',
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: 'e30',
        attestationObject: 'oA',
        transports: ['internal', 'hybrid'],
        publicKeyAlgorithm: -7,
      },
      clientExtensionResults: { credProps: { rk: true } },
    });
  });

  test('an authentication credential becomes AuthenticationResponseJSON', () => {
    const json = credentialToJSON({
      id: 'AQID',
      rawId: buf([1, 2, 3]),
      type: 'public-key',
      authenticatorAttachment: null,
      response: {
        clientDataJSON: buf([123, 125]),
        authenticatorData: buf([5, 6]),
        signature: buf([7, 8]),
        userHandle: buf([9]),
      },
    });
    assert.deepEqual(json.response, {
      clientDataJSON: 'e30',
      authenticatorData: 'BQY',
      signature: 'Bwg',
      userHandle: 'CQ',
    });
    assert.equal(json.authenticatorAttachment, null);
    assert.deepEqual(json.clientExtensionResults, {});
  });

  test('a missing user handle is null', () => {
    const json = credentialToJSON({
      id: 'AQID',
      rawId: buf([1, 2, 3]),
      type: 'public-key',
      response: { clientDataJSON: buf([1]), authenticatorData: buf([2]), signature: buf([3]), userHandle: null },
    });
    assert.equal(json.response.userHandle, null);
  });

  test('serializeCredential prefers toJSON and falls back when it throws', () => {
    assert.deepEqual(serializeCredential({ toJSON: () => ({ native: true }) }), { native: true });
    const broken = {
      id: 'AQID',
      rawId: buf([1, 2, 3]),
      type: 'public-key',
      response: { clientDataJSON: buf([1]), authenticatorData: buf([2]), signature: buf([3]), userHandle: null },
      toJSON() {
        throw new Error('extension credential');
      },
    };
    assert.equal(serializeCredential(broken).rawId, 'AQID');
  });
});

describe('WebAuthn error mapping', () => {
  /** @param {string} name */
  const dom = (name) => new DOMException('browser says no', name);
  const cases = /** @type {const} */ ([
    ['NotAllowedError', 'create', 'passkey_registration_cancelled'],
    ['NotAllowedError', 'get', 'passkey_retrieval_cancelled'],
    ['InvalidStateError', 'create', 'passkey_already_exists'],
    ['InvalidStateError', 'get', 'passkey_retrieval_failed'],
    ['AbortError', 'create', 'passkey_operation_aborted'],
    ['AbortError', 'get', 'passkey_operation_aborted'],
    ['SecurityError', 'create', 'passkey_invalid_rpID_or_domain'],
    ['SecurityError', 'get', 'passkey_invalid_rpID_or_domain'],
    ['NotSupportedError', 'create', 'passkey_pa_not_supported'],
    ['UnknownError', 'create', 'passkey_registration_failed'],
    ['UnknownError', 'get', 'passkey_retrieval_failed'],
  ]);
  for (const [name, ceremony, code] of cases) {
    test(`${ceremony}() ${name} → ${code}`, () => {
      const cause = dom(name);
      const err = mapWebAuthnError(cause, ceremony);
      assert.ok(err instanceof LatchkeyWebAuthnError);
      assert.equal(err.code, code);
      assert.equal(err.cause, cause);
    });
  }

  test('a null result is a failure of its ceremony', () => {
    assert.equal(mapWebAuthnError(null, 'create').code, 'passkey_registration_failed');
    assert.equal(mapWebAuthnError(null, 'get').code, 'passkey_retrieval_failed');
  });

  test('an abort from the abort service maps to passkey_operation_aborted', () => {
    const error = new Error('A new passkey ceremony started');
    error.name = 'AbortError';
    assert.equal(mapWebAuthnError(error, 'get').code, 'passkey_operation_aborted');
  });

  test('JSON.stringify shows the code and message', () => {
    const parsed = JSON.parse(JSON.stringify(mapWebAuthnError(dom('NotAllowedError'), 'get'), null, 2));
    assert.equal(parsed.code, 'passkey_retrieval_cancelled');
    assert.match(parsed.message, /cancelled/);
    assert.equal(parsed.name, 'LatchkeyWebAuthnError');
  });
});

describe('API errors', () => {
  test('an error body becomes LatchkeyAPIResponseError with camelCase fields', () => {
    const res = new Response(null, { status: 429, headers: { 'Retry-After': '17' } });
    const err = errorFromResponse(res, {
      errors: [
        {
          code: 'rate_limit_exceeded',
          message: 'Too many requests',
          long_message: 'Too many requests, try again later',
          meta: { param_name: 'x' },
        },
      ],
      trace_id: 'trace_1',
    });
    assert.ok(err instanceof LatchkeyAPIResponseError);
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 17);
    assert.equal(err.traceId, 'trace_1');
    assert.deepEqual(err.errors, [
      {
        code: 'rate_limit_exceeded',
        message: 'Too many requests',
        longMessage: 'Too many requests, try again later',
        meta: { paramName: 'x' },
      },
    ]);
    const json = JSON.parse(JSON.stringify(err, null, 2));
    assert.equal(json.code, 'rate_limit_exceeded');
    assert.match(json.message, /rate_limit_exceeded/);
  });

  test('a body that is not an error body still gives a code', () => {
    const err = errorFromResponse(new Response(null, { status: 502 }), null);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'unexpected_response');
    assert.equal(err.retryAfter, null);
  });

  test('Retry-After accepts seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('5'), 5);
    assert.equal(parseRetryAfter(null), null);
    assert.equal(parseRetryAfter('soon'), null);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30);
  });
});

describe('abort service', () => {
  test('a new signal aborts the previous one with an AbortError', () => {
    const service = new CeremonyAbortService();
    const first = service.createSignal();
    const second = service.createSignal();
    assert.equal(first.aborted, true);
    assert.equal(/** @type {any} */ (first.reason).name, 'AbortError');
    assert.equal(second.aborted, false);
    service.cancel();
    assert.equal(second.aborted, true);
  });

  test('a released signal is not aborted by the next ceremony', () => {
    const service = new CeremonyAbortService();
    const first = service.createSignal();
    service.release(first);
    service.createSignal();
    assert.equal(first.aborted, false);
  });
});

describe('token cache', () => {
  test('serves a token until 15 s before exp', () => {
    let now = 1_000_000_000;
    const cache = new TokenCache({ now: () => now });
    const jwt = fakeJwt({ exp: now / 1000 + 60 });
    assert.equal(cache.set('sess_1', jwt), true);
    assert.equal(cache.get('sess_1'), jwt);
    now += 44_000;
    assert.equal(cache.get('sess_1'), jwt);
    now += 1_000;
    assert.equal(cache.get('sess_1'), null);
    assert.equal(cache.get('sess_1'), null);
  });

  test('ignores tokens without exp and clears per session', () => {
    const cache = new TokenCache();
    assert.equal(cache.set('a', 'not-a-jwt'), false);
    assert.equal(cache.set('a', fakeJwt({ sub: 'x' })), false);
    const exp = Math.floor(Date.now() / 1000) + 600;
    cache.set('a', fakeJwt({ exp }));
    cache.set('b', fakeJwt({ exp }));
    cache.clear('a');
    assert.equal(cache.get('a'), null);
    assert.notEqual(cache.get('b'), null);
    cache.clear();
    assert.equal(cache.get('b'), null);
  });
});
