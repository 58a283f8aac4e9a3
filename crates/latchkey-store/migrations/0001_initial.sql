-- The initial schema. Identical for SQLite and PostgreSQL: text ids, BIGINT Unix
-- milliseconds, binary values as base64url text, flags as 0/1.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    user_handle TEXT NOT NULL UNIQUE,
    username TEXT UNIQUE,
    email_id TEXT,
    email_address TEXT UNIQUE,
    first_name TEXT,
    last_name TEXT,
    last_sign_in_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_created ON users (created_at);

CREATE TABLE clients (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    sign_in_id TEXT,
    sign_up_id TEXT,
    last_active_session_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    last_active_at BIGINT NOT NULL,
    expire_at BIGINT NOT NULL,
    abandon_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sessions_client ON sessions (client_id, created_at);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

CREATE TABLE passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT,
    credential_id TEXT UNIQUE,
    credential TEXT,
    aaguid TEXT,
    backed_up BIGINT NOT NULL DEFAULT 0,
    transports TEXT NOT NULL DEFAULT '[]',
    verified BIGINT NOT NULL DEFAULT 0,
    last_used_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX passkeys_user ON passkeys (user_id, created_at);

CREATE TABLE sign_ins (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    identifier TEXT,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    created_session_id TEXT,
    abandon_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sign_ins_abandon ON sign_ins (abandon_at);

CREATE TABLE sign_ups (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    username TEXT,
    email_address TEXT,
    first_name TEXT,
    last_name TEXT,
    user_handle TEXT,
    created_user_id TEXT,
    created_session_id TEXT,
    abandon_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sign_ups_abandon ON sign_ups (abandon_at);

-- The public side of a ceremony (status, options), kept after it ends.
CREATE TABLE verifications (
    owner_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    nonce TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    expire_at BIGINT NOT NULL
);
CREATE INDEX verifications_expire ON verifications (expire_at);

-- The server side of a ceremony, deleted when used: DELETE ... RETURNING hands it
-- to exactly one caller.
CREATE TABLE ceremonies (
    owner_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    expire_at BIGINT NOT NULL
);
CREATE INDEX ceremonies_expire ON ceremonies (expire_at);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id TEXT,
    passkey_id TEXT,
    session_id TEXT,
    ip TEXT,
    user_agent TEXT,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX audit_events_user ON audit_events (user_id, created_at);
CREATE INDEX audit_events_created ON audit_events (created_at);
