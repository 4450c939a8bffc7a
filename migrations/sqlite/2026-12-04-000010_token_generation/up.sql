-- Tokens carry the generation of their user at issue; a password change, a role change, a
-- disable and a sign-out move it on, and every token issued before stops working.
ALTER TABLE users ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0;
