-- The JWS algorithm of each signing key ("ES256" or "RS256"); every key stored before
-- the choice existed is a P-256 key.
ALTER TABLE signing_keys ADD COLUMN algorithm TEXT NOT NULL DEFAULT 'ES256';
