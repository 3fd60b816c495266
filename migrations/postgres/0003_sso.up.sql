-- Enterprise logins: configured SSO providers (LDAP, OIDC, SAML) and the
-- external identities linked to Keeper users through them.

CREATE TABLE sso_providers (
    id           BIGSERIAL PRIMARY KEY,
    kind         TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    config       TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT,
    updated_at   BIGINT,
    CONSTRAINT sso_providers_kind_name_uq UNIQUE (kind, name)
);

CREATE TABLE sso_identities (
    provider_id   BIGINT NOT NULL REFERENCES sso_providers (id) ON DELETE CASCADE,
    subject       TEXT COLLATE "C" NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    groups        TEXT NOT NULL DEFAULT '[]',
    last_login_at BIGINT,
    PRIMARY KEY (provider_id, subject)
);
CREATE INDEX sso_identities_user_idx ON sso_identities (user_id);
