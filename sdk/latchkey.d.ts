/**
 * Types of the Latchkey browser SDK (`/sdk/latchkey.js`).
 *
 * Resources are camelCase views of the Frontend API's wire objects; every
 * timestamp is a `Date` (or null).
 */

/** One error of a failed Frontend API call. */
export interface LatchkeyAPIError {
  /** Stable error code, e.g. `form_identifier_exists`. */
  code: string;
  message: string;
  longMessage: string;
  /** e.g. `{ paramName: 'username' }`. */
  meta: Record<string, any>;
}

/** Thrown when the Frontend API answers with an error status. */
export class LatchkeyAPIResponseError extends Error {
  constructor(
    status: number,
    errors: LatchkeyAPIError[],
    extra?: { retryAfter?: number | null; traceId?: string | null },
  );
  name: 'LatchkeyAPIResponseError';
  /** HTTP status; 0 when the server could not be reached. */
  status: number;
  errors: LatchkeyAPIError[];
  /** `Retry-After` in seconds (429 responses), else null. */
  retryAfter: number | null;
  traceId: string | null;
  /** The first error's code, or null. */
  readonly code: string | null;
  toJSON(): {
    name: string;
    status: number;
    code: string | null;
    message: string;
    errors: LatchkeyAPIError[];
    retryAfter: number | null;
    traceId: string | null;
  };
}

/** The codes of a failed browser ceremony. */
export type LatchkeyWebAuthnErrorCode =
  | 'passkey_not_supported'
  | 'passkey_pa_not_supported'
  | 'passkey_already_exists'
  | 'passkey_registration_cancelled'
  | 'passkey_registration_failed'
  | 'passkey_retrieval_cancelled'
  | 'passkey_retrieval_failed'
  | 'passkey_operation_aborted'
  | 'passkey_invalid_rpID_or_domain';

/** Thrown when a WebAuthn ceremony in the browser fails; `cause` is the browser's error. */
export class LatchkeyWebAuthnError extends Error {
  constructor(message: string, options: { code: LatchkeyWebAuthnErrorCode; cause?: unknown });
  name: 'LatchkeyWebAuthnError';
  code: LatchkeyWebAuthnErrorCode;
  cause?: unknown;
  toJSON(): {
    name: string;
    code: LatchkeyWebAuthnErrorCode;
    message: string;
    cause?: { name: string; message: string };
  };
}

/** A passkey challenge and its state. */
export interface VerificationResource {
  status: 'unverified' | 'verified' | 'failed' | 'expired';
  strategy: 'passkey' | string;
  /** JSON text of the WebAuthn options while `unverified`, else null. */
  nonce: string | null;
  attempts: number | null;
  expireAt: Date | null;
}

/** The provider of a passkey, from its AAGUID. */
export interface PasskeyProvider {
  name: string;
  iconLight: string | null;
  iconDark: string | null;
}

/** A passkey of the signed-in user. */
export interface PasskeyResource {
  id: string;
  name: string;
  verification: VerificationResource | null;
  lastUsedAt: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  aaguid: string | null;
  provider: PasskeyProvider | null;
  backedUp: boolean;
  transports: string[];
  /** The credential id (base64url) when the server or this browser knows it. */
  credentialId: string | null;
  /** Rename the passkey, then refresh the user. */
  update(params: { name: string }): Promise<PasskeyResource>;
  /** Delete the passkey, then refresh the user. */
  delete(): Promise<{ object: string; id: string; deleted: boolean }>;
}

export interface EmailAddressResource {
  id: string;
  emailAddress: string;
  toString(): string;
}

/** The signed-in user. */
export interface UserResource {
  id: string;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  readonly fullName: string | null;
  emailAddresses: EmailAddressResource[];
  readonly primaryEmailAddress: EmailAddressResource | null;
  /** Verified passkeys, newest first. */
  passkeys: PasskeyResource[];
  lastSignInAt: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  /** Register a new passkey in the browser; resolves with the verified, named passkey. */
  createPasskey(): Promise<PasskeyResource>;
  /** Fetch the user again and update the SDK's state. */
  reload(): Promise<UserResource>;
  /** The user's active sessions on every client. */
  getSessions(): Promise<SessionResource[]>;
}

export type SessionStatus = 'active' | 'pending' | 'ended' | 'expired' | 'removed' | 'revoked' | 'abandoned';

/** A session of the signed-in user on this client. */
export interface SessionResource {
  id: string;
  status: SessionStatus;
  user: UserResource | null;
  tasks: { key: string }[] | null;
  /** `tasks[0]`, e.g. `{ key: 'setup-passkey' }`, or null. */
  readonly currentTask: { key: string } | null;
  lastActiveToken: { object: 'token'; jwt: string } | null;
  lastActiveAt: Date | null;
  expireAt: Date | null;
  abandonAt: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  /**
   * A session JWT, cached until ~15 s before it expires; also written to the
   * `__session` cookie of the page's origin.
   */
  getToken(options?: { skipCache?: boolean }): Promise<string | null>;
  /** End this session (sign out of it). */
  end(): Promise<SessionResource>;
  /** Revoke this session, on whichever client it lives. */
  revoke(): Promise<SessionResource>;
  /** Make it the client's last active session. */
  touch(): Promise<SessionResource>;
}

export type SignInStatus = 'needs_identifier' | 'needs_first_factor' | 'complete' | 'abandoned';

/** A sign-in attempt; an empty one (`id: null`) can still `create()`. */
export interface SignInResource {
  id: string | null;
  status: SignInStatus | null;
  identifier: string | null;
  supportedFirstFactors: { strategy: string }[];
  firstFactorVerification: VerificationResource | null;
  createdSessionId: string | null;
  abandonAt: Date | null;
  create(params: { identifier?: string; strategy?: 'passkey' }): Promise<SignInResource>;
  prepareFirstFactor(params?: { strategy: 'passkey' }): Promise<SignInResource>;
  attemptFirstFactor(params: {
    strategy: 'passkey';
    publicKeyCredential: string | object;
  }): Promise<SignInResource>;
  /**
   * Sign in with a passkey: `discoverable` (any passkey), `autofill`
   * (conditional mediation, modal where unavailable), or — with no flow, on a
   * sign-in created with an identifier — that user's passkeys.
   */
  authenticateWithPasskey(params?: { flow?: 'discoverable' | 'autofill' }): Promise<SignInResource>;
}

export type SignUpStatus = 'missing_requirements' | 'complete' | 'abandoned';

/** A sign-up attempt; an empty one (`id: null`) can still `create()`. */
export interface SignUpResource {
  id: string | null;
  status: SignUpStatus | null;
  username: string | null;
  emailAddress: string | null;
  firstName: string | null;
  lastName: string | null;
  missingFields: string[];
  verification: VerificationResource | null;
  createdUserId: string | null;
  createdSessionId: string | null;
  abandonAt: Date | null;
  create(params: {
    username?: string;
    emailAddress?: string;
    firstName?: string;
    lastName?: string;
    strategy?: 'passkey';
  }): Promise<SignUpResource>;
  attemptVerification(params: {
    strategy: 'passkey';
    publicKeyCredential: string | object;
  }): Promise<SignUpResource>;
  /** Passkey-first sign-up; the new session is made active. */
  createWithPasskey(params?: { username?: string }): Promise<SignUpResource>;
}

/** The browser's client: its sessions and the sign-in / sign-up in progress. */
export interface ClientResource {
  id: string;
  sessions: SessionResource[];
  readonly activeSessions: SessionResource[];
  signIn: SignInResource | null;
  signUp: SignUpResource | null;
  lastActiveSessionId: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

/** `GET /v1/environment`, camelCased. */
export interface Environment {
  authConfig: {
    passkey: { enabled: boolean; allowAutofill: boolean; maxPerUser: number };
    signUp: { username: boolean; emailAddress: boolean; passkey: boolean };
  };
  displayConfig: { applicationName: string; rpId: string };
}

export interface LatchkeyState {
  user: UserResource | null;
  session: SessionResource | null;
  client: ClientResource | null;
}

export type LatchkeyListener = (state: LatchkeyState) => void;

export interface SetActiveParams {
  /** A session id or resource; null signs out locally. */
  session: string | SessionResource | null;
  redirectUrl?: string;
  navigate?: (params: { session: SessionResource | null }) => unknown;
}

/** The SDK's entry point. */
export class Latchkey {
  /** `frontendApi` defaults to the origin this script was loaded from. */
  constructor(options?: { frontendApi?: string; fetch?: typeof fetch });
  readonly frontendApi: string;
  isLoaded: boolean;
  environment: Environment | null;
  client: ClientResource | null;
  readonly session: SessionResource | null;
  readonly user: UserResource | null;
  readonly isSignedIn: boolean;
  /** The sign-in in progress, or an empty one. */
  readonly signIn: SignInResource;
  /** The sign-up in progress, or an empty one. */
  readonly signUp: SignUpResource;
  /** Reads `/v1/environment` and `/v1/client`. */
  load(): Promise<Latchkey>;
  /** Called now (when loaded) and on every change; returns an unsubscribe function. */
  addListener(listener: LatchkeyListener): () => void;
  setActive(params: SetActiveParams): Promise<void>;
  signOut(options?: { redirectUrl?: string }): Promise<void>;
  /** Abort a pending passkey ceremony (e.g. an autofill request). */
  cancelCeremony(): void;
}

/** Keeps one WebAuthn ceremony running at a time. */
export class CeremonyAbortService {
  controller: AbortController | null;
  createSignal(): AbortSignal;
  cancel(reason?: string): void;
  release(signal: AbortSignal): void;
}
export const ceremonyAbortService: CeremonyAbortService;

/** Caches session JWTs until `leewaySeconds` before `exp`. */
export class TokenCache {
  constructor(options?: { leewaySeconds?: number; now?: () => number });
  leewaySeconds: number;
  set(sessionId: string, jwt: string): boolean;
  get(sessionId: string): string | null;
  clear(sessionId?: string): void;
}

export const SESSION_COOKIE: '__session';
export function writeSessionCookie(jwt: string | null): void;
export function base64urlEncode(bytes: ArrayBuffer | ArrayBufferView): string;
export function base64urlDecode(text: string): ArrayBuffer;
export function base64urlEncodeString(text: string): string;
export function decodeJwtClaims(jwt: string): Record<string, any>;
export function creationOptionsFromJSON(json: any): PublicKeyCredentialCreationOptions;
export function requestOptionsFromJSON(json: any): PublicKeyCredentialRequestOptions;
export function parseCreationOptions(nonce: string | object): {
  publicKey: PublicKeyCredentialCreationOptions;
  json: any;
};
export function parseRequestOptions(nonce: string | object): {
  publicKey: PublicKeyCredentialRequestOptions;
  json: any;
};
export function credentialToJSON(credential: any): Record<string, any>;
export function serializeCredential(credential: any): Record<string, any>;
export function mapWebAuthnError(error: unknown, ceremony: 'create' | 'get'): LatchkeyWebAuthnError;
export function isWebAuthnSupported(): boolean;
export function isConditionalMediationAvailable(): Promise<boolean>;
export function runRegistrationCeremony(
  nonce: string | object,
): Promise<{ credential: string; credentialId: string; userHandle: string | null }>;
export function runAuthenticationCeremony(
  nonce: string | object,
  options?: { mediation?: CredentialMediationRequirement },
): Promise<{ credential: string; credentialId: string; userHandle: string | null }>;
export function sendSignal(
  method: 'signalUnknownCredential' | 'signalAllAcceptedCredentials' | 'signalCurrentUserDetails',
  options: Record<string, any>,
): Promise<boolean>;
export function errorFromResponse(
  res: { status: number; headers: { get(name: string): string | null } },
  body: any,
): LatchkeyAPIResponseError;
export function parseRetryAfter(value: string | null, now?: number): number | null;
