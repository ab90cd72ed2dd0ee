-- Customers of the coffeeshop. IDs are canonical lower-case UUID strings and
-- times are UTC text of fixed width ("2006-01-02T15:04:05.000000Z"), so that
-- text order is time order and the file is readable with the sqlite3 shell.
-- Phone numbers and email addresses are made unique by migration 0002.
CREATE TABLE customers (
    id             TEXT    NOT NULL PRIMARY KEY,
    first_name     TEXT    NOT NULL,
    last_name      TEXT    NOT NULL,
    email          TEXT    NOT NULL,
    phone_number   TEXT    NOT NULL,
    phone_verified INTEGER NOT NULL DEFAULT 0 CHECK (phone_verified IN (0, 1)),
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
) STRICT, WITHOUT ROWID;
