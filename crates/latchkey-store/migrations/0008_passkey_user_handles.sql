-- The user handle (base64url) an imported passkey was created with, when another WebAuthn
-- server chose it: its authenticator returns that handle at sign-in. NULL for passkeys
-- registered here, which carry their owner's handle.
ALTER TABLE passkeys ADD COLUMN user_handle TEXT;
