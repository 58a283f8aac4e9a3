-- Lists of users at any size: newest first by (created_at, id), walked page after page by
-- keyset, and searched by the start of a username or primary email address as a range of
-- an index in byte order. Collation "C" is byte order on PostgreSQL whatever the
-- database's own collation; SQLite, which has no "C", builds these with its byte-order
-- BINARY.
CREATE INDEX users_newest ON users (created_at, id);
DROP INDEX users_created;
CREATE INDEX users_username_prefix ON users (username COLLATE "C");
CREATE INDEX users_email_prefix ON users (email_address COLLATE "C");
