-- API keys of the backends that call the service. Only a SHA-256 of each
-- key's secret is kept (hash), never the secret. scopes keeps the scope
-- names in the order they were given; last_used_at is NULL until the key is
-- used, revoked_at until it is revoked.
CREATE TABLE api_keys (
    id           text        NOT NULL PRIMARY KEY CHECK (id <> ''),
    name         text        NOT NULL CHECK (name <> ''),
    scopes       text[]      NOT NULL CHECK (cardinality(scopes) > 0),
    hash         bytea       NOT NULL CHECK (length(hash) > 0),
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
