// Fixtures of the SDK's unit tests: a scripted `fetch`, wire objects as the
// server sends them, and a fake WebAuthn surface.
import { Latchkey } from '../latchkey.js';

/**
 * A `fetch` that answers from a list of routes and records every call.
 * Each route: `{ method, path, status?, body, headers? }` where `path` matches
 * the URL's pathname and `body` may be a function of the parsed request.
 * @param {Array<{ method: string, path: string | RegExp, status?: number, body: any, headers?: Record<string, string>, once?: boolean }>} routes
 */
export function scriptedFetch(routes) {
  /** @type {Array<{ method: string, url: URL, init: RequestInit, form: URLSearchParams | null }>} */
  const calls = [];
  /** @param {string} input @param {RequestInit} init */
  async function fetch(input, init = {}) {
    const url = new URL(input);
    const method = init.method ?? 'GET';
    const form = init.body instanceof URLSearchParams ? init.body : null;
    const call = { method, url, init, form };
    calls.push(call);
    const index = routes.findIndex(
      (r) =>
        r.method === method &&
        (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)),
    );
    if (index === -1) throw new Error(`No route for ${method} ${url.pathname}`);
    const route = routes[index];
    if (route.once) routes.splice(index, 1);
    const body = typeof route.body === 'function' ? route.body(call) : route.body;
    return new Response(body === undefined ? '' : JSON.stringify(body), {
      status: route.status ?? 200,
      headers: { 'content-type': 'application/json', ...(route.headers ?? {}) },
    });
  }
  return { fetch, calls };
}

export const T0 = 1_700_000_000_000;

/** @param {Partial<Record<string, any>>} [over] */
export function wireUser(over = {}) {
  return {
    object: 'user',
    id: 'user_1',
    username: 'ada',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email_addresses: [wireEmailAddress()],
    primary_email_address_id: 'idn_1',
    passkeys: [wirePasskey()],
    last_sign_in_at: T0,
    created_at: T0,
    updated_at: T0 + 1000,
    ...over,
  };
}

/** @param {Partial<Record<string, any>>} [over] */
export function wireEmailAddress(over = {}) {
  return {
    object: 'email_address',
    id: 'idn_1',
    email_address: 'ada@example.com',
    verification: emailCodeVerification({ status: 'verified' }),
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

/** @param {Partial<Record<string, any>>} [over] */
export function emailCodeVerification(over = {}) {
  return { object: 'verification_email_code', status: 'unverified', strategy: 'email_code', nonce: null, attempts: 0, expire_at: T0 + 600_000, ...over };
}

/** @param {Partial<Record<string, any>>} [over] */
export function wirePasskey(over = {}) {
  return {
    object: 'passkey',
    id: 'pk_1',
    name: 'Chrome on Linux',
    verification: { object: 'verification_passkey', status: 'verified', strategy: 'passkey', nonce: null, attempts: 1, expire_at: T0 + 300_000 },
    last_used_at: null,
    created_at: T0,
    updated_at: T0,
    aaguid: '00000000-0000-0000-0000-000000000000',
    provider: { name: 'Example Keys', icon_light: 'data:image/png;base64,AA', icon_dark: null },
    backed_up: true,
    transports: ['internal'],
    ...over,
  };
}

/** @param {Partial<Record<string, any>>} [over] */
export function wireSession(over = {}) {
  return {
    object: 'session',
    id: 'sess_1',
    status: 'active',
    user: wireUser(),
    tasks: null,
    last_active_token: null,
    last_active_at: T0,
    expire_at: T0 + 7 * 86400_000,
    abandon_at: T0 + 86400_000,
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

/** @param {Partial<Record<string, any>>} [over] */
export function wireClient(over = {}) {
  return {
    object: 'client',
    id: 'client_1',
    sessions: [wireSession()],
    sign_in: null,
    sign_up: null,
    last_active_session_id: 'sess_1',
    created_at: T0,
    updated_at: T0,
    ...over,
  };
}

export const ENVIRONMENT = {
  auth_config: {
    passkey: { enabled: true, allow_autofill: true, max_per_user: 10 },
    sign_up: { username: true, email_address: true, passkey: true },
  },
  display_config: { application_name: 'Latchkey', rp_id: 'localhost' },
};

/**
 * A JWT with the given claims (unsigned: the SDK never verifies).
 * @param {Record<string, any>} claims
 */
export function fakeJwt(claims) {
  /** @param {any} v */
  const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT', kid: 'k1' })}.${part(claims)}.c2ln`;
}

/** @param {number[]} bytes */
const buf = (bytes) => new Uint8Array(bytes).buffer;

/**
 * Install a fake WebAuthn surface on globalThis (PublicKeyCredential without
 * the JSON helpers, so the SDK's fallbacks run) and return a restore function.
 * @param {{ create?: (o: any) => Promise<any>, get?: (o: any) => Promise<any>, signals?: any[] }} impl
 */
export function installWebAuthn(impl) {
  const g = /** @type {any} */ (globalThis);
  const saved = {
    PublicKeyCredential: Object.getOwnPropertyDescriptor(g, 'PublicKeyCredential'),
    navigator: Object.getOwnPropertyDescriptor(g, 'navigator'),
  };
  const signals = impl.signals ?? [];
  class FakePublicKeyCredential {
    static async isConditionalMediationAvailable() {
      return true;
    }
    /** @param {any} o */
    static async signalUnknownCredential(o) {
      signals.push(['signalUnknownCredential', o]);
    }
    /** @param {any} o */
    static async signalAllAcceptedCredentials(o) {
      signals.push(['signalAllAcceptedCredentials', o]);
    }
    /** @param {any} o */
    static async signalCurrentUserDetails(o) {
      signals.push(['signalCurrentUserDetails', o]);
    }
  }
  Object.defineProperty(g, 'PublicKeyCredential', { value: FakePublicKeyCredential, configurable: true, writable: true });
  Object.defineProperty(g, 'navigator', {
    value: { credentials: { create: impl.create ?? (async () => null), get: impl.get ?? (async () => null) } },
    configurable: true,
    writable: true,
  });
  return () => {
    for (const [key, desc] of Object.entries(saved)) {
      if (desc) Object.defineProperty(g, key, desc);
      else delete g[key];
    }
  };
}

/** A registration credential look-alike. */
export function fakeAttestationCredential() {
  return {
    id: 'AQID',
    rawId: buf([1, 2, 3]),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: buf([123, 125]),
      attestationObject: buf([0xa0]),
      getTransports: () => ['internal'],
    },
    getClientExtensionResults: () => ({ credProps: { rk: true } }),
  };
}

/** An assertion credential look-alike. @param {ArrayBuffer | null} [userHandle] */
export function fakeAssertionCredential(userHandle = buf([9, 9])) {
  return {
    id: 'AQID',
    rawId: buf([1, 2, 3]),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: {
      clientDataJSON: buf([123, 125]),
      authenticatorData: buf([5, 6]),
      signature: buf([7, 8]),
      userHandle,
    },
    getClientExtensionResults: () => ({}),
  };
}

export const FRONTEND = 'https://auth.example.test';

/**
 * Envelope a resource with a client.
 * @param {any} response
 * @param {any} [client]
 */
export const env = (response, client = wireClient()) => ({ response, client });

/** A Latchkey loaded against routes (environment and client are prepended). */
export async function loaded(routes = /** @type {any[]} */ ([]), client = wireClient()) {
  const fake = scriptedFetch([
    { method: 'GET', path: '/v1/environment', body: ENVIRONMENT },
    { method: 'GET', path: '/v1/client', body: env(client, client) },
    ...routes,
  ]);
  const latchkey = new Latchkey({ frontendApi: FRONTEND, fetch: /** @type {any} */ (fake.fetch) });
  await latchkey.load();
  return { latchkey, calls: fake.calls };
}
