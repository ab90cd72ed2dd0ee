-- Codes texted to each phone number, for the per-phone cap on codes across
-- verifications. Rows older than the cap's window are pruned as sends are
-- recorded.
CREATE TABLE code_sends (
    phone   text        NOT NULL,
    sent_at timestamptz NOT NULL
);
CREATE INDEX code_sends_phone_sent_at ON code_sends (phone, sent_at);
