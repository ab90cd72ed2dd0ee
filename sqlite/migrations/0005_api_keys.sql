-- API keys of the backends that call the service. Only a SHA-256 of each
-- key's secret is kept (hash), never the secret. scopes is a JSON array of
-- scope names in the order they were given; times are text in the store's
-- fixed-width UTC layout, NULL for "never" (last_used_at) and "not revoked"
-- (revoked_at).
CREATE TABLE api_keys (
    id           TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
    name         TEXT NOT NULL CHECK (name <> ''),
    scopes       TEXT NOT NULL CHECK (json_valid(scopes) AND json_type(scopes) = 'array' AND json_array_length(scopes) > 0),
    hash         BLOB NOT NULL CHECK (length(hash) > 0),
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT, WITHOUT ROWID;
