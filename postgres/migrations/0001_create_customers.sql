-- Customers of the coffeeshop. No unique constraints on email or phone
-- number yet: the product allows a person to sign up twice.
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
