-- The send each row records, so that a retried try of one send is counted
-- once however many tries reach the store (NULL in rows from before).
ALTER TABLE code_sends ADD COLUMN send_key text;
CREATE UNIQUE INDEX code_sends_send_key ON code_sends (send_key) WHERE send_key IS NOT NULL;
