-- Where each session was made: the client IP and User-Agent of the request that created
-- it, which the user's list of active devices shows. NULL for sessions made before.
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
