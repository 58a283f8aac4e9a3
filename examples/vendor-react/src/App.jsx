// The screens, written only against the vendor's React hooks: nothing here knows it talks
// to Latchkey rather than to the vendor.
//
// `useSignIn` and `useSignUp` come from `@clerk/react/legacy`: since @clerk/react 6 the
// package root exports their signal-based successors, while the resource API that custom
// passkey flows use (`signIn.authenticateWithPasskey`, `signUp.create` plus `setActive`) is
// the one under `/legacy`. The signal-based `useSignIn` of the package root is shown too,
// as a second way to sign in with a passkey (`signIn.passkey()` then `signIn.finalize()`).
import { ClerkFailed, ClerkLoading, useClerk, useSession, useSignIn as useSignInSignal, useUser } from '@clerk/react';
import { useSignIn, useSignUp } from '@clerk/react/legacy';
import { useState } from 'react';

/**
 * An error as a person can read it: the API's `code` and message, or the SDK's own.
 * @param {any} error
 */
function describe(error) {
  const first = error?.errors?.[0];
  if (first) return `${first.code}: ${first.longMessage || first.message}`;
  if (error?.code) return `${error.code}: ${error.message}`;
  return String(error?.message ?? error);
}

/**
 * Runs one action at a time and keeps its error for the page.
 * @returns {{ busy: boolean, error: string | null, run: (action: () => Promise<unknown>) => Promise<void> }}
 */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const run = async (/** @type {() => Promise<unknown>} */ action) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      console.error(e);
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function App({ proxyUrl }) {
  const clerk = useClerk();
  const { isLoaded, isSignedIn } = useUser();
  return (
    <main>
      <h1>Latchkey with the vendor's React SDK</h1>
      <ClerkLoading>
        <p>Loading…</p>
      </ClerkLoading>
      <ClerkFailed>
        <p role="alert">The SDK failed to load from {proxyUrl}.</p>
      </ClerkFailed>
      {isLoaded && (isSignedIn ? <SignedInView /> : <SignedOutView />)}
      <footer>
        <small>
          Frontend API: <code>{proxyUrl}</code>
          {clerk.version ? (
            <>
              {' '}
              · clerk-js <code data-testid="clerk-version">{clerk.version}</code>
            </>
          ) : null}
        </small>
      </footer>
    </main>
  );
}

function SignedOutView() {
  const { isLoaded: signUpLoaded, signUp, setActive: activateSignUp } = useSignUp();
  const { isLoaded: signInLoaded, signIn, setActive: activateSignIn } = useSignIn();
  const { signIn: futureSignIn } = useSignInSignal();
  const [username, setUsername] = useState('');
  const { busy, error, run } = useAction();
  const ready = signUpLoaded && signInLoaded && !busy;

  const onSignUp = (/** @type {React.FormEvent} */ event) => {
    event.preventDefault();
    run(async () => {
      const attempt = await signUp.create({ username: username.trim() });
      if (attempt.status !== 'complete') {
        throw new Error(`Sign-up is ${attempt.status}: missing ${attempt.missingFields.join(', ')}`);
      }
      await activateSignUp({ session: attempt.createdSessionId });
    });
  };

  const onSignIn = () =>
    run(async () => {
      const attempt = await signIn.authenticateWithPasskey({ flow: 'discoverable' });
      if (attempt.status !== 'complete') throw new Error(`Sign-in is ${attempt.status}`);
      await activateSignIn({ session: attempt.createdSessionId });
    });

  const onSignInWithSignal = () =>
    run(async () => {
      const started = await futureSignIn.passkey({ flow: 'discoverable' });
      if (started.error) throw started.error;
      if (futureSignIn.status !== 'complete') throw new Error(`Sign-in is ${futureSignIn.status}`);
      const finalized = await futureSignIn.finalize();
      if (finalized.error) throw finalized.error;
    });

  return (
    <section id="signed-out" aria-busy={busy}>
      <h2>Signed out</h2>
      <form onSubmit={onSignUp}>
        <input
          placeholder="Username"
          aria-label="Username"
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />{' '}
        <button type="submit" disabled={!ready || !username.trim()}>
          Sign up
        </button>
      </form>
      <p>
        <button type="button" onClick={onSignIn} disabled={!ready}>
          Sign in with a passkey
        </button>{' '}
        <button type="button" onClick={onSignInWithSignal} disabled={!ready || !futureSignIn}>
          Sign in with a passkey (signal API)
        </button>
      </p>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

function SignedInView() {
  const { user } = useUser();
  const { session } = useSession();
  const { signOut } = useClerk();
  const { busy, error, run } = useAction();

  const onCreate = () =>
    run(async () => {
      await user.createPasskey();
      await user.reload();
    });

  return (
    <section id="signed-in" aria-busy={busy}>
      <h2>Signed in</h2>
      <p>
        Signed in as <strong data-testid="username">{user.username}</strong>
      </p>
      <p>
        Session: <code data-testid="session-id">{session?.id}</code>
      </p>
      <p>
        <button type="button" onClick={onCreate} disabled={busy}>
          Create passkey
        </button>
      </p>
      <h3>Passkeys</h3>
      {user.passkeys.length === 0 ? (
        <p>No passkeys yet.</p>
      ) : (
        <ul id="passkeys">
          {user.passkeys.map((passkey) => (
            <PasskeyItem key={passkey.id} passkey={passkey} busy={busy} run={run} reload={() => user.reload()} />
          ))}
        </ul>
      )}
      <p>
        <button type="button" onClick={() => run(() => signOut())} disabled={busy}>
          Sign out
        </button>
      </p>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

/**
 * One passkey with its rename and delete controls.
 * @param {{ passkey: any, busy: boolean, run: (action: () => Promise<unknown>) => Promise<void>, reload: () => Promise<unknown> }} props
 */
function PasskeyItem({ passkey, busy, run, reload }) {
  const [name, setName] = useState('');
  const onRename = (/** @type {React.FormEvent} */ event) => {
    event.preventDefault();
    run(async () => {
      await passkey.update({ name: name.trim() });
      await reload();
      setName('');
    });
  };
  const onDelete = () =>
    run(async () => {
      await passkey.delete();
      await reload();
    });
  return (
    <li data-passkey-id={passkey.id}>
      <span className="passkey">
        Name: {passkey.name} | ID: {passkey.id}
      </span>
      <form onSubmit={onRename}>
        <input
          placeholder="New name"
          aria-label={`New name for ${passkey.name}`}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />{' '}
        <button type="submit" disabled={busy || !name.trim()}>
          Rename
        </button>{' '}
        <button type="button" onClick={onDelete} disabled={busy}>
          Delete
        </button>
      </form>
    </li>
  );
}
