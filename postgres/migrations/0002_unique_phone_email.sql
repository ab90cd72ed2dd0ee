-- One customer per phone number and per email address: a verified phone
-- must identify one customer, and a second sign-up with the same number is
-- a conflict the client has to resolve. Phone numbers are stored in E.164
-- form, so equal numbers are equal text; email addresses are compared
-- without regard to letter case.
CREATE UNIQUE INDEX customers_phone_number_key ON customers (phone_number);
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));
