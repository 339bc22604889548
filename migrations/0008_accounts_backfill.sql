-- Issue 9: who counts as having proven their address when the column arrives. Staff and accounts an
-- admin created are verified (staff vouch for them); self-registered customers (audit action
-- user.registered) must verify by mail like new ones; customers without a password (made from mail
-- or a staff member's requester_email) stay unproven until a password reset by mail proves them.
UPDATE users SET email_verified_at = created_at
WHERE email_verified_at IS NULL
  AND (role <> 'customer' OR (password_hash IS NOT NULL AND id NOT IN (
    SELECT entity_id FROM audit_logs WHERE entity_type = 'user' AND action = 'user.registered')));
--> statement-breakpoint
-- Refresh tokens issued before token versions were recorded on them carry the user's version of now,
-- so outstanding sessions survive the migration (a password change bumps the user's version later).
UPDATE refresh_tokens SET token_version = (SELECT u.token_version FROM users u WHERE u.id = refresh_tokens.user_id)
WHERE revoked_at IS NULL;
