-- The SMS pumping guard (coffeeshop.GuardStore).
--
-- guard_sends counts the sends the guard allowed in one-minute buckets:
-- minute is the bucket's start, scope says what is counted: 'prefix' (key is
-- a number prefix), 'country' (key is an ISO 3166 region) or 'all' (key is
-- '', the deployment's budget; counted only while a budget is set). Old
-- buckets are deleted now and then as sends are admitted.
CREATE TABLE guard_sends (
    scope  text        NOT NULL CHECK (scope IN ('prefix', 'country', 'all')),
    key    text        NOT NULL,
    minute timestamptz NOT NULL,
    n      integer     NOT NULL CHECK (n > 0),
    PRIMARY KEY (scope, key, minute)
);
CREATE INDEX guard_sends_scope_minute ON guard_sends (scope, minute);

-- guard_verified holds a customer's first successful verification, by the
-- prefix and country of its number.
CREATE TABLE guard_verified (
    customer_id text        NOT NULL PRIMARY KEY CHECK (customer_id <> ''),
    prefix      text        NOT NULL,
    country     text        NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX guard_verified_prefix_at ON guard_verified (prefix, at);
CREATE INDEX guard_verified_at ON guard_verified (at);

-- guard_blocks holds each prefix's latest block: in force while until is
-- after now. A block that ended keeps its row, and so its strikes, which
-- make the prefix's next block longer; unblocking deletes the row.
CREATE TABLE guard_blocks (
    prefix   text        NOT NULL PRIMARY KEY CHECK (prefix <> ''),
    country  text        NOT NULL,
    since    timestamptz NOT NULL,
    until    timestamptz NOT NULL,
    strikes  integer     NOT NULL CHECK (strikes > 0),
    sends    integer     NOT NULL,
    verified integer     NOT NULL
);
CREATE INDEX guard_blocks_until ON guard_blocks (until);

-- guard_admitted remembers the keys of the keyed sends the guard allowed
-- (a create's request_id), per prefix, so that a retried send is allowed
-- again without counting twice. Keys older than the guard's retention are
-- ignored and deleted now and then as sends are admitted.
CREATE TABLE guard_admitted (
    key    text        NOT NULL CHECK (key <> ''),
    prefix text        NOT NULL,
    at     timestamptz NOT NULL,
    PRIMARY KEY (key, prefix)
);
CREATE INDEX guard_admitted_at ON guard_admitted (at);
