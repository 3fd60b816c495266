-- Credential-minting host imports (login, session-token) an admin granted a
-- plugin at install, as a JSON array of names.
ALTER TABLE plugins ADD COLUMN grants TEXT NOT NULL DEFAULT '[]';
