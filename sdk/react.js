// @ts-check
/**
 * React bindings for the Latchkey browser SDK, served at `/sdk/react.js`.
 *
 * ```js
 * import { LatchkeyProvider, useUser } from '/sdk/react.js';
 * createElement(LatchkeyProvider, { frontendApi: 'https://auth.example.com' }, app);
 * ```
 * The hooks return the same shapes as the hosted vendor's hooks so components
 * written for them read the same.
 *
 * @module latchkey/react
 */
import { createContext, createElement, useContext, useEffect, useState } from 'react';
import { Latchkey, isReverificationRequired } from './latchkey.js';

/**
 * @typedef {import('./latchkey.js').Latchkey} LatchkeyInstance
 * @typedef {import('./latchkey.js').UserResource} UserResource
 * @typedef {import('./latchkey.js').SessionResource} SessionResource
 * @typedef {import('./latchkey.js').SignInResource} SignInResource
 * @typedef {import('./latchkey.js').SignUpResource} SignUpResource
 * @typedef {import('./latchkey.js').ClientResource} ClientResource
 */

/**
 * What the provider shares: the instance and a snapshot of its state, taken
 * on every listener call so that consumers re-render.
 * @typedef {object} LatchkeyContextValue
 * @property {LatchkeyInstance} latchkey
 * @property {boolean} isLoaded
 * @property {UserResource | null} user
 * @property {SessionResource | null} session
 * @property {ClientResource | null} client
 * @property {unknown} loadError
 */

const LatchkeyContext = createContext(/** @type {LatchkeyContextValue | null} */ (null));

/**
 * Creates and loads a `Latchkey` for its children and re-renders them on every change.
 * Pass `latchkey` to share an instance you made yourself.
 *
 * @param {{ frontendApi?: string, latchkey?: LatchkeyInstance, children?: import('react').ReactNode }} props
 * @returns {import('react').ReactElement}
 */
export function LatchkeyProvider({ frontendApi, latchkey: given, children }) {
  const [latchkey] = useState(() => given ?? new Latchkey({ frontendApi }));
  const [state, setState] = useState(() => snapshot(latchkey, null));

  useEffect(() => {
    let active = true;
    const unsubscribe = latchkey.addListener(() => {
      if (active) setState(snapshot(latchkey, null));
    });
    if (!latchkey.isLoaded) {
      latchkey.load().catch((/** @type {unknown} */ error) => {
        if (active) setState(snapshot(latchkey, error));
      });
    }
    return () => {
      active = false;
      unsubscribe();
    };
  }, [latchkey]);

  return createElement(LatchkeyContext.Provider, { value: state }, children);
}

/**
 * @param {LatchkeyInstance} latchkey
 * @param {unknown} loadError
 * @returns {LatchkeyContextValue}
 */
function snapshot(latchkey, loadError) {
  return {
    latchkey,
    isLoaded: latchkey.isLoaded,
    user: latchkey.user,
    session: latchkey.session,
    client: latchkey.client,
    loadError,
  };
}

/**
 * @param {string} hook
 * @returns {LatchkeyContextValue}
 */
function useLatchkeyContext(hook) {
  const value = useContext(LatchkeyContext);
  if (!value) throw new Error(`${hook}() must be used inside <LatchkeyProvider>`);
  return value;
}

/**
 * The `Latchkey` instance of the nearest provider.
 * @returns {LatchkeyInstance}
 */
export function useLatchkey() {
  return useLatchkeyContext('useLatchkey').latchkey;
}

/**
 * The signed-in user.
 * @returns {{ isLoaded: boolean, isSignedIn: boolean, user: UserResource | null }}
 */
export function useUser() {
  const { isLoaded, user } = useLatchkeyContext('useUser');
  return { isLoaded, isSignedIn: user !== null, user };
}

/**
 * The current session.
 * @returns {{ isLoaded: boolean, isSignedIn: boolean, session: SessionResource | null }}
 */
export function useSession() {
  const { isLoaded, session } = useLatchkeyContext('useSession');
  return { isLoaded, isSignedIn: session !== null, session };
}

/**
 * The sign-in in progress (or an empty one) and `setActive`.
 * @returns {{ isLoaded: boolean, signIn: SignInResource, setActive: LatchkeyInstance['setActive'] }}
 */
export function useSignIn() {
  const { isLoaded, latchkey } = useLatchkeyContext('useSignIn');
  return { isLoaded, signIn: latchkey.signIn, setActive: (params) => latchkey.setActive(params) };
}

/**
 * The sign-up in progress (or an empty one) and `setActive`.
 * @returns {{ isLoaded: boolean, signUp: SignUpResource, setActive: LatchkeyInstance['setActive'] }}
 */
export function useSignUp() {
  const { isLoaded, latchkey } = useLatchkeyContext('useSignUp');
  return { isLoaded, signUp: latchkey.signUp, setActive: (params) => latchkey.setActive(params) };
}

/**
 * Wrap an action the server may guard with a fresh factor: when it answers
 * `session_reverification_required`, prove a factor with `verify(session)`
 * (default: `session.verifyWithPasskey()`) and run the action once more.
 * @template {unknown[]} A
 * @template R
 * @param {(...args: A) => Promise<R>} fetcher
 * @param {{ verify?: (session: SessionResource) => Promise<unknown> }} [options]
 * @returns {(...args: A) => Promise<R>}
 */
export function useReverification(fetcher, { verify = (session) => session.verifyWithPasskey() } = {}) {
  const { latchkey } = useLatchkeyContext('useReverification');
  return async (...args) => {
    try {
      return await fetcher(...args);
    } catch (error) {
      const session = latchkey.session;
      if (!isReverificationRequired(error) || !session) throw error;
      await verify(session);
      return fetcher(...args);
    }
  };
}
