-- The credential public key in the form sign-in verifies with (`<algorithm>:<base64url>`),
-- converted once at registration. Passkeys stored before stay NULL until their next
-- sign-in converts the key from `credential`.
ALTER TABLE passkeys ADD COLUMN public_key TEXT;
