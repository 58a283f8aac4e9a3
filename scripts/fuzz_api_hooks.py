"""Schemathesis hooks for scripts/fuzz-api: every operation is called past authentication.

- Backend API (`/backend/v1/...`): the server's secret key as a bearer token.
- Frontend API (`/v1/...`): a real signed-in client, made by a username sign-up
  (`POST /v1/client/sign_ups?_is_native=1`, whose client token comes back in the
  `Authorization` response header). The token is sent on alternate cases as a bearer token
  and as the `__client` cookie with the server's own `Origin` (the CSRF rule for cookies).
- A generated `_latchkey_session_id` or `_clerk_session_id` (random text: 401, as
  documented) is replaced on most cases by the client's session id, so that `/v1/me...`
  calls are tested past it too; ids that a link supplied (`sess_...`) are kept. A
  half of the calls to a session's own routes (`/v1/client/sessions/{id}/...`) name
  the client's session, for the same reason.
- When a Frontend call answers 401 (the fuzzer may have ended or revoked the client's
  sessions, deleted or banned its user, ...), the client is checked with `GET /v1/me`; if
  it is no longer signed in, a fresh one is signed up (with sign-ups by username turned
  back on, should the fuzzer have turned them off), and cases generated earlier that
  still carry the old token or session id get the new ones just before they are sent.

Configured by the environment: LATCHKEY_FUZZ_URL (the server's public URL) and
LATCHKEY_FUZZ_SECRET_KEY (a Backend API secret key of that server).
"""

from __future__ import annotations

import itertools
import os
import threading
import uuid

import requests
import schemathesis

BASE_URL = os.environ["LATCHKEY_FUZZ_URL"].rstrip("/")
SECRET_KEY = os.environ["LATCHKEY_FUZZ_SECRET_KEY"]
COOKIE = "__client"


class SignedInClient:
    """The client the Frontend cases act as; replaced when its session is gone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: str | None = None
        self._session_id: str | None = None
        # Tokens and session ids given out before and no longer signed in.
        self.retired: set[str] = set()
        self.sign_ups = 0

    def current(self) -> tuple[str, str]:
        """The client token and the id of its signed-in session."""
        with self._lock:
            if self._token is None or self._session_id is None:
                self._token, self._session_id = self._sign_up()
            return self._token, self._session_id

    def check(self, token: str) -> None:
        """Forget `token` if it no longer has an active session."""
        with self._lock:
            if self._token != token:
                return
            me = requests.get(
                f"{BASE_URL}/v1/me",
                params={"_latchkey_session_id": self._session_id},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            if me.status_code == 401:
                self.retired.update({token, self._session_id})
                self._token = None
                self._session_id = None

    def _sign_up(self) -> tuple[str, str]:
        # The fuzzer may have turned sign-ups with a username off (a live setting): on
        # again, as the server started.
        requests.patch(
            f"{BASE_URL}/backend/v1/live_settings",
            json={"auth.sign_up_with_username": True},
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
            timeout=10,
        ).raise_for_status()
        response = requests.post(
            f"{BASE_URL}/v1/client/sign_ups?_is_native=1",
            data={"username": f"fuzz_{uuid.uuid4().hex[:16]}"},
            timeout=10,
        )
        if response.status_code != 200 or response.json()["response"]["status"] != "complete":
            raise RuntimeError(f"sign-up for the fuzzer failed: {response.status_code} {response.text}")
        self.sign_ups += 1
        return response.headers["Authorization"], response.json()["response"]["created_session_id"]


CLIENT = SignedInClient()
# The query parameters that name the session to act as: ours and the vendor SDK's.
SESSION_PARAMS = ("_latchkey_session_id", "_clerk_session_id")
# The routes of one of the client's sessions.
SESSION_PATH = "/v1/client/sessions/{id}"
_counter = itertools.count()
_counter_lock = threading.Lock()


def _next() -> int:
    with _counter_lock:
        return next(_counter)


# `refresh_interval=None`: `get` runs for every case, and the client above is kept (and
# replaced) here rather than in schemathesis' cache.
@schemathesis.auth(refresh_interval=None)
class LatchkeyAuth:
    def get(self, case, context):
        path = context.operation.path
        if path.startswith("/backend/"):
            return ("secret_key", SECRET_KEY)
        if path.startswith("/v1/") and path != "/v1/environment":
            return ("client", CLIENT.current())
        return None

    def set(self, case, data, context):
        kind, credential = data
        if case.headers is None:
            case.headers = {}
        if kind == "secret_key":
            case.headers["Authorization"] = f"Bearer {credential}"
            return
        token, session_id = credential
        n = _next()
        if n % 2 == 1:
            case.headers.pop("Authorization", None)
            case.cookies = {**(case.cookies or {}), COOKIE: token}
            case.headers["Origin"] = BASE_URL
        else:
            case.headers["Authorization"] = f"Bearer {token}"
        query = case.query
        for name in SESSION_PARAMS:
            if query and name in query and n % 4 != 0:
                if not str(query[name]).startswith("sess_"):
                    query[name] = session_id
        # A session's own routes (touch, tokens, end, ...) get the client's session on
        # some cases, so that they are tested past the lookup of the session too.
        if context.operation.path.startswith(SESSION_PATH) and case.path_parameters and n % 2 == 0:
            case.path_parameters["id"] = session_id


def _client_token(case) -> str | None:
    cookies = case.cookies or {}
    if COOKIE in cookies:
        return cookies[COOKIE]
    authorization = (case.headers or {}).get("Authorization", "")
    return authorization.removeprefix("Bearer ") or None


@schemathesis.hook
def before_call(context, case, kwargs):
    """Swaps a retired client token or session id for the current ones."""
    token = _client_token(case)
    if token is None or token not in CLIENT.retired:
        return
    current, session_id = CLIENT.current()
    if case.cookies and case.cookies.get(COOKIE) == token:
        case.cookies[COOKIE] = current
    if case.headers and case.headers.get("Authorization") == f"Bearer {token}":
        case.headers["Authorization"] = f"Bearer {current}"
    for name in SESSION_PARAMS:
        if case.query and case.query.get(name) in CLIENT.retired:
            case.query[name] = session_id


@schemathesis.hook
def after_call(context, case, response):
    if response.status_code == 401 and case.operation.path.startswith("/v1/"):
        token = _client_token(case)
        if token:
            CLIENT.check(token)
