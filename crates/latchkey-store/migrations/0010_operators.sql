-- Operators, bans and who made an audited change. `role` is 'admin' for the operators who sign in to the dashboard,
-- 'user' for everyone else; `banned_at` is when an operator banned the user (NULL: not
-- banned), who then cannot sign in.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user';
ALTER TABLE users ADD COLUMN banned_at BIGINT;

-- One-time links that let an operator register their first passkey: the SHA-256 of the
-- link's token (base64url), whose operator it enrols and until when.
CREATE TABLE operator_enrolments (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expire_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX operator_enrolments_user ON operator_enrolments (user_id);

-- The operator who made an audited change through the dashboard (NULL for the user's
-- own actions and the Backend API's), and the indexes of the audit log's filters.
ALTER TABLE audit_events ADD COLUMN actor TEXT;
CREATE INDEX audit_events_actor ON audit_events (actor, created_at);
CREATE INDEX audit_events_kind ON audit_events (kind, created_at);
