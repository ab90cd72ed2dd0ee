-- Customers of the coffeeshop. Phone numbers and email addresses are made
-- unique by migration 0002.
CREATE TABLE customers (
    id             uuid        NOT NULL PRIMARY KEY,
    first_name     text        NOT NULL,
    last_name      text        NOT NULL,
    email          text        NOT NULL,
    phone_number   text        NOT NULL,
    phone_verified boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
