// The Latchkey demo app: every Frontend API flow, driven by the browser SDK.
// Served at /app.js; the page's CSP allows only same-origin scripts, so all
// behaviour lives here, none inline.
import {
  Latchkey,
  LatchkeyAPIResponseError,
  LatchkeyWebAuthnError,
  isConditionalMediationAvailable,
} from '/sdk/latchkey.js';

const latchkey = new Latchkey();

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const view = {
  error: $('error'),
  loading: $('loading'),
  signedOut: $('signed-out'),
  signedIn: $('signed-in'),
  username: /** @type {HTMLInputElement} */ ($('username')),
  autofill: /** @type {HTMLInputElement} */ ($('autofill')),
  who: $('who'),
  task: $('task'),
  passkeys: $('passkeys'),
  noPasskeys: $('no-passkeys'),
  passkeyId: /** @type {HTMLInputElement} */ ($('passkey-id')),
  passkeyName: /** @type {HTMLInputElement} */ ($('passkey-name')),
  updated: $('updated-status'),
  deleted: $('deleted-status'),
};

let autofillPending = false;
let conditionalAvailable = false;

// ----- errors -----

/** @param {unknown} error */
function describe(error) {
  if (error instanceof LatchkeyAPIResponseError) {
    const first = error.errors[0];
    return first ? `${first.code}: ${first.message}` : error.message;
  }
  if (error instanceof LatchkeyWebAuthnError) return `${error.code}: ${error.message}`;
  const e = /** @type {any} */ (error);
  return `unexpected_error: ${e?.message ?? String(e)}`;
}

/** @param {unknown} error */
function showError(error) {
  console.warn('Latchkey demo:', error);
  view.error.textContent = describe(error);
  view.error.hidden = false;
}

function clearError() {
  view.error.textContent = '';
  view.error.hidden = true;
}

/**
 * Run a user action with its button disabled, showing any error on the page.
 * @param {HTMLElement | null} button
 * @param {() => Promise<unknown>} action
 */
async function run(button, action) {
  clearError();
  if (button) button.setAttribute('disabled', '');
  try {
    await action();
  } catch (error) {
    showError(error);
  } finally {
    if (button) button.removeAttribute('disabled');
  }
}

// ----- rendering -----

/** @param {Date | null} date */
function formatDate(date) {
  return date ? date.toLocaleString() : 'never';
}

/**
 * One passkey: the li's text is exactly `Name: <name> | ID: <id>`; the
 * provider's icon is an image (its name is the alt text) and the last-used
 * time is drawn by CSS from `data-last-used`, so neither adds to that text.
 * @param {import('/sdk/latchkey.js').PasskeyResource} passkey
 */
function passkeyItem(passkey) {
  const li = document.createElement('li');
  li.dataset.passkeyId = passkey.id;
  li.dataset.lastUsed = `last used: ${formatDate(passkey.lastUsedAt)}`;
  li.title = `Created ${formatDate(passkey.createdAt)}, last used ${formatDate(passkey.lastUsedAt)}`;
  const icon = passkey.provider?.iconLight ?? passkey.provider?.iconDark ?? null;
  if (icon) {
    const img = document.createElement('img');
    img.src = icon;
    img.alt = passkey.provider?.name ?? '';
    img.width = 20;
    img.height = 20;
    img.className = 'provider-icon';
    li.append(img);
  }
  const label = document.createElement('span');
  label.className = 'passkey-label';
  label.textContent = `Name: ${passkey.name} | ID: ${passkey.id}`;
  li.append(label);
  return li;
}

function render() {
  const user = latchkey.user;
  view.loading.hidden = latchkey.isLoaded;
  view.signedIn.hidden = !latchkey.isLoaded || !user;
  view.signedOut.hidden = !latchkey.isLoaded || Boolean(user);
  if (!user) {
    view.who.textContent = '';
    view.passkeys.replaceChildren();
    return;
  }
  // A background autofill request has nothing to do once someone is signed in.
  if (autofillPending) latchkey.cancelCeremony();
  view.who.textContent = user.username ?? user.id;
  // A pending session (sessions.require_passkey) asks for a passkey first.
  view.task.hidden = latchkey.session?.currentTask?.key !== 'setup-passkey';
  view.passkeys.replaceChildren(...user.passkeys.map(passkeyItem));
  view.noPasskeys.hidden = user.passkeys.length > 0;
}

// ----- flows -----

/** @param {import('/sdk/latchkey.js').SignInResource | import('/sdk/latchkey.js').SignUpResource} attempt */
async function activate(attempt) {
  if (attempt.status === 'complete' && attempt.createdSessionId) {
    await latchkey.setActive({ session: attempt.createdSessionId });
    return;
  }
  const missing = 'missingFields' in attempt ? attempt.missingFields.join(', ') : '';
  throw new LatchkeyAPIResponseError(0, [
    {
      code: 'incomplete',
      message: missing ? `Still missing: ${missing}` : `Status: ${attempt.status}`,
      longMessage: '',
      meta: {},
    },
  ]);
}

/**
 * Passkey autofill: the request waits in the background until the user picks
 * a passkey from the autofill input's suggestions.
 */
function startAutofill() {
  if (autofillPending || latchkey.user || !latchkey.isLoaded) return;
  autofillPending = true;
  latchkey.signIn
    .authenticateWithPasskey({ flow: 'autofill' })
    .then(async (signIn) => {
      autofillPending = false;
      clearError();
      await activate(signIn);
    })
    .catch((error) => {
      autofillPending = false;
      // Aborted: another ceremony took over. Cancelled: no passkey was picked
      // (browsers without suggestions to show may end the request this way).
      // Neither is an error the user needs to read.
      const quiet = ['passkey_operation_aborted', 'passkey_retrieval_cancelled'];
      if (!(error instanceof LatchkeyWebAuthnError && quiet.includes(error.code))) {
        showError(error);
      }
    });
}

/** @param {'updated' | 'deleted'} which @param {boolean} done */
function setStatus(which, done) {
  const text = which === 'updated' ? 'Passkey updated' : 'Passkey deleted';
  view[which].textContent = `${text}: ${done ? 'Yes' : 'No'}`;
}

/**
 * The signed-in user's passkey with this ID, reloading the user once in case
 * the list is stale (a passkey added in another tab).
 * @param {string} id
 */
async function findPasskey(id) {
  const wanted = id.trim();
  let passkey = latchkey.user?.passkeys.find((p) => p.id === wanted);
  if (!passkey && wanted && latchkey.user) {
    const user = await latchkey.user.reload();
    passkey = user.passkeys.find((p) => p.id === wanted);
  }
  if (!passkey) {
    throw new LatchkeyAPIResponseError(404, [
      {
        code: 'resource_not_found',
        message: 'No passkey of yours has this ID',
        longMessage: '',
        meta: { paramName: 'id' },
      },
    ]);
  }
  return passkey;
}

$('sign-up-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run($('sign-up'), async () => {
    const signUp = await latchkey.signUp.create({ username: view.username.value.trim() });
    await activate(signUp);
  });
});

$('sign-up-passkey').addEventListener('click', (event) => {
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    const username = view.username.value.trim();
    await latchkey.signUp.createWithPasskey(username ? { username } : {});
  });
});

$('sign-in-passkey').addEventListener('click', (event) => {
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    const signIn = await latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' });
    await activate(signIn);
  });
});

view.autofill.addEventListener('focus', () => startAutofill());

$('create-passkey').addEventListener('click', (event) => {
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    const user = latchkey.user;
    if (!user) throw new Error('Not signed in');
    await user.createPasskey();
  });
});

$('rename-passkey').addEventListener('click', (event) => {
  setStatus('updated', false);
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    await (await findPasskey(view.passkeyId.value)).update({ name: view.passkeyName.value });
    setStatus('updated', true);
  });
});

$('delete-passkey').addEventListener('click', (event) => {
  setStatus('deleted', false);
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    await (await findPasskey(view.passkeyId.value)).delete();
    setStatus('deleted', true);
  });
});

$('sign-out').addEventListener('click', (event) => {
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    await latchkey.signOut();
    setStatus('updated', false);
    setStatus('deleted', false);
  });
});

// ----- start -----

latchkey.addListener(render);
try {
  await latchkey.load();
  conditionalAvailable = await isConditionalMediationAvailable();
  // Offer passkey autofill as soon as the signed-out page shows. After an
  // explicit sign-out it starts again when the autofill input gets focus,
  // so a user who just signed out is not signed straight back in.
  if (!latchkey.user && conditionalAvailable) startAutofill();
} catch (error) {
  view.loading.hidden = true;
  showError(error);
}
