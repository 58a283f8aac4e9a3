-- Fixed one-minute windows of request counts per key ("ip:..." or "client:..."), kept in
-- the database so that every replica counts against the same limit.
CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
