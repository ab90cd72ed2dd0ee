-- The SMS pumping guard (coffeeshop.GuardStore). Times are text in the
-- store's fixed-width UTC layout.
--
-- guard_sends counts the sends the guard allowed in one-minute buckets:
-- minute is the bucket's start, scope says what is counted: 'prefix' (key is
-- a number prefix), 'country' (key is an ISO 3166 region) or 'all' (key is
-- '', the deployment's budget; counted only while a budget is set). Old
-- buckets are deleted now and then as sends are admitted.
CREATE TABLE guard_sends (
    scope  TEXT    NOT NULL CHECK (scope IN ('prefix', 'country', 'all')),
    key    TEXT    NOT NULL,
    minute TEXT    NOT NULL,
    n      INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (scope, key, minute)
) STRICT, WITHOUT ROWID;
CREATE INDEX guard_sends_scope_minute ON guard_sends (scope, minute);

-- guard_verified holds a customer's first successful verification, by the
-- prefix and country of its number.
CREATE TABLE guard_verified (
    customer_id TEXT NOT NULL PRIMARY KEY CHECK (customer_id <> ''),
    prefix      TEXT NOT NULL,
    country     TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX guard_verified_prefix_at ON guard_verified (prefix, at);
CREATE INDEX guard_verified_at ON guard_verified (at);

-- guard_blocks holds each prefix's latest block: in force while until is
-- after now. A block that ended keeps its row, and so its strikes, which
-- make the prefix's next block longer; unblocking deletes the row.
CREATE TABLE guard_blocks (
    prefix   TEXT    NOT NULL PRIMARY KEY CHECK (prefix <> ''),
    country  TEXT    NOT NULL,
    since    TEXT    NOT NULL,
    until    TEXT    NOT NULL,
    strikes  INTEGER NOT NULL CHECK (strikes > 0),
    sends    INTEGER NOT NULL,
    verified INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX guard_blocks_until ON guard_blocks (until);

-- guard_admitted remembers the keys of the keyed sends the guard allowed
-- (a create's request_id), per prefix, so that a retried send is allowed
-- again without counting twice. Keys older than the guard's retention are
-- ignored and deleted now and then as sends are admitted.
CREATE TABLE guard_admitted (
    key    TEXT NOT NULL CHECK (key <> ''),
    prefix TEXT NOT NULL,
    at     TEXT NOT NULL,
    PRIMARY KEY (key, prefix)
) STRICT, WITHOUT ROWID;
CREATE INDEX guard_admitted_at ON guard_admitted (at);
