-- Starting a sign-in trims the client's unfinished attempts, and deleting a user
-- cascades to its sign-ins: both look sign-ins up by client and by user.
CREATE INDEX sign_ins_client ON sign_ins (client_id, created_at);
CREATE INDEX sign_ins_user ON sign_ins (user_id);
