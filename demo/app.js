// The Latchkey demo app: every Frontend API flow, driven by the browser SDK.
// Served at /app.js; the page's CSP allows only same-origin scripts, so all
// behaviour lives here, none inline.
import {
  Latchkey,
  LatchkeyAPIResponseError,
  LatchkeyWebAuthnError,
  isConditionalMediationAvailable,
  isReverificationRequired,
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
  signUpEmail: /** @type {HTMLInputElement} */ ($('sign-up-email')),
  recovery: $('recovery'),
  recoveryEmail: /** @type {HTMLInputElement} */ ($('recovery-email')),
  recoveryCodeStep: $('recovery-code-step'),
  recoverySent: $('recovery-sent'),
  recoveryCode: /** @type {HTMLInputElement} */ ($('recovery-code')),
  autofill: /** @type {HTMLInputElement} */ ($('autofill')),
  who: $('who'),
  task: $('task'),
  passkeys: $('passkeys'),
  noPasskeys: $('no-passkeys'),
  passkeyId: /** @type {HTMLInputElement} */ ($('passkey-id')),
  passkeyName: /** @type {HTMLInputElement} */ ($('passkey-name')),
  updated: $('updated-status'),
  deleted: $('deleted-status'),
  emails: $('emails'),
  noEmails: $('no-emails'),
  newEmail: /** @type {HTMLInputElement} */ ($('new-email')),
};

let autofillPending = false;
let conditionalAvailable = false;
/** @type {import('/sdk/latchkey.js').SignInResource | null} The email-code sign-in waiting for its code. */
let recoverySignIn = null;
/** Ids of the addresses whose code was sent and is awaited. */
const awaitingCode = new Set();

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
    view.emails.replaceChildren();
    awaitingCode.clear();
    return;
  }
  // A background autofill request has nothing to do once someone is signed in.
  if (autofillPending) latchkey.cancelCeremony();
  view.who.textContent = user.username ?? user.id;
  // A pending session asks for a passkey first: a new user's first one
  // (sessions.require_passkey), or a new one after signing in by email code.
  const setupPasskey = latchkey.session?.currentTask?.key === 'setup-passkey';
  view.task.hidden = !setupPasskey;
  view.task.textContent = !setupPasskey
    ? ''
    : user.passkeys.length > 0
      ? 'Add a new passkey to finish signing in.'
      : 'Create a passkey to finish setting up your account.';
  view.passkeys.replaceChildren(...user.passkeys.map(passkeyItem));
  view.noPasskeys.hidden = user.passkeys.length > 0;
  renderEmails(user);
}

/**
 * The user's email addresses, each with its status and actions; a code input
 * shows under an address whose code was sent (what was typed in it survives
 * a re-render).
 * @param {import('/sdk/latchkey.js').UserResource} user
 */
function renderEmails(user) {
  /** @type {Map<string, string>} */
  const typed = new Map();
  for (const input of view.emails.querySelectorAll('input')) {
    typed.set(input.dataset.emailId ?? '', input.value);
  }
  view.emails.replaceChildren(...user.emailAddresses.map((address) => emailItem(user, address, typed.get(address.id) ?? '')));
  view.noEmails.hidden = user.emailAddresses.length > 0;
}

/**
 * @param {import('/sdk/latchkey.js').UserResource} user
 * @param {import('/sdk/latchkey.js').EmailAddressResource} address
 * @param {string} code what was typed in its code input
 */
function emailItem(user, address, code) {
  const verified = address.verification?.status === 'verified';
  const primary = address.id === user.primaryEmailAddressId;
  const li = document.createElement('li');
  li.dataset.emailId = address.id;
  const label = document.createElement('span');
  label.className = 'email-label';
  label.textContent = address.emailAddress;
  const status = document.createElement('span');
  status.className = `badge email-status ${verified ? 'ok' : ''}`;
  status.textContent = verified ? 'verified' : 'unverified';
  li.append(label, status);
  if (primary) {
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'primary';
    li.append(badge);
  }
  const actions = document.createElement('span');
  actions.className = 'row actions';
  if (!verified) {
    actions.append(actionButton('Verify', 'secondary', async () => {
      await address.prepareVerification({ strategy: 'email_code' });
      awaitingCode.add(address.id);
      render();
    }));
  }
  if (verified && !primary) {
    actions.append(actionButton('Make primary', 'secondary', () => user.update({ primaryEmailAddressId: address.id })));
  }
  actions.append(actionButton('Remove', 'danger', () => withReverification(() => address.destroy())));
  li.append(actions);
  if (awaitingCode.has(address.id) && !verified) {
    const form = document.createElement('span');
    form.className = 'row code';
    const input = document.createElement('input');
    input.type = 'text';
    input.placeholder = 'Code';
    input.inputMode = 'numeric';
    input.autocomplete = 'one-time-code';
    input.maxLength = 6;
    input.dataset.emailId = address.id;
    input.value = code;
    form.append(input, actionButton('Confirm code', '', async () => {
      await address.attemptVerification({ code: input.value.trim() });
      awaitingCode.delete(address.id);
      render();
    }));
    li.append(form);
  }
  return li;
}

/**
 * @param {string} text
 * @param {string} kind a button class: '', 'secondary' or 'danger'
 * @param {() => Promise<unknown>} action
 */
function actionButton(text, kind, action) {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = text;
  if (kind) button.className = kind;
  button.addEventListener('click', () => run(button, action));
  return button;
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

/**
 * Run an action the server may guard with a fresh factor: when it asks for
 * one, prove it with a passkey and run the action once more.
 * @template T
 * @param {() => Promise<T>} action
 * @returns {Promise<T>}
 */
async function withReverification(action) {
  try {
    return await action();
  } catch (error) {
    const session = latchkey.session;
    if (!isReverificationRequired(error) || !session) throw error;
    await session.verifyWithPasskey();
    return action();
  }
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
    const emailAddress = view.signUpEmail.value.trim() || undefined;
    const signUp = await latchkey.signUp.create({ username: view.username.value.trim(), emailAddress });
    await activate(signUp);
  });
});

$('sign-up-passkey').addEventListener('click', (event) => {
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    const username = view.username.value.trim() || undefined;
    const emailAddress = view.signUpEmail.value.trim() || undefined;
    await latchkey.signUp.createWithPasskey({ username, emailAddress });
  });
});

$('sign-in-passkey').addEventListener('click', (event) => {
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    const signIn = await latchkey.signIn.authenticateWithPasskey({ flow: 'discoverable' });
    await activate(signIn);
  });
});

view.autofill.addEventListener('focus', () => startAutofill());

$('lost-passkey').addEventListener('click', () => {
  view.recovery.hidden = false;
  view.recoveryEmail.focus();
});

// Signing in by email code: the server answers the same whether or not the
// address has an account, so the page does too.
$('recovery').addEventListener('submit', (event) => {
  event.preventDefault();
  run($('send-code'), async () => {
    const email = view.recoveryEmail.value.trim();
    recoverySignIn = await latchkey.signIn.create({ identifier: email, strategy: 'email_code' });
    view.recoverySent.textContent = `If ${email} belongs to an account, a code is on its way.`;
    view.recoveryCodeStep.hidden = false;
    view.recoveryCode.value = '';
    view.recoveryCode.focus();
  });
});

$('verify-code').addEventListener('click', (event) => {
  run(/** @type {HTMLElement} */ (event.currentTarget), async () => {
    if (!recoverySignIn) throw new Error('Send a code first');
    const signIn = await recoverySignIn.attemptFirstFactor({ strategy: 'email_code', code: view.recoveryCode.value.trim() });
    recoverySignIn = null;
    view.recovery.hidden = true;
    view.recoveryCodeStep.hidden = true;
    await activate(signIn);
  });
});

$('add-email-form').addEventListener('submit', (event) => {
  event.preventDefault();
  run($('add-email'), async () => {
    const user = latchkey.user;
    if (!user) throw new Error('Not signed in');
    await user.createEmailAddress({ email: view.newEmail.value.trim() });
    view.newEmail.value = '';
  });
});

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
    const passkey = await findPasskey(view.passkeyId.value);
    await withReverification(() => passkey.delete());
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
