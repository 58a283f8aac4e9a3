-- The sessions of a deleted user go with it; their ids stay known to the clients that
-- held them until they would have expired, so that calls naming them are refused as
-- ended sessions (401) rather than as unknown ids (404).
CREATE TABLE removed_sessions (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    expire_at BIGINT NOT NULL
);
