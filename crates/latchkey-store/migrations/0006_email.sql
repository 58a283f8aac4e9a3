-- Email: every address of a user (the primary one is also kept in `users.email_id` and
-- `users.email_address`), one-time codes sent to prove an address, and the outbox that
-- mail is sent from.
CREATE TABLE email_addresses (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email_address TEXT NOT NULL UNIQUE,
    verified_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX email_addresses_user ON email_addresses (user_id, created_at);
INSERT INTO email_addresses (id, user_id, email_address, verified_at, created_at, updated_at)
    SELECT email_id, id, email_address, NULL, created_at, updated_at FROM users
    WHERE email_id IS NOT NULL AND email_address IS NOT NULL;

-- A one-time code and the public status of its verification, one per owner: an email
-- address, a sign-up, a sign-in or a session's step-up. `code_hash` is NULL once used
-- or failed.
CREATE TABLE email_codes (
    owner_id TEXT PRIMARY KEY,
    email_address_id TEXT,
    email_address TEXT NOT NULL,
    code_hash TEXT,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    expire_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_codes_expire ON email_codes (expire_at);

-- When the session's user last proved a factor (sign-in or step-up).
ALTER TABLE sessions ADD COLUMN verified_at BIGINT;

-- Mail waiting to be sent (or sent): the template's values are kept until it is sent.
CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    template TEXT NOT NULL,
    locale TEXT,
    data TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);
