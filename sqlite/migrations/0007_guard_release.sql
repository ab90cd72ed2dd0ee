-- What an admitted keyed send was counted for, so that ReleaseSend can
-- take it back when its text was not sent: the country bucket, the minute
-- bucket (of the prefix, the country and the budget) and whether the
-- budget counted it (1) or not (0; no budget was set). Keys remembered
-- before this migration have none of them (NULL): releasing one only
-- forgets the key.
ALTER TABLE guard_admitted ADD COLUMN country TEXT;
ALTER TABLE guard_admitted ADD COLUMN minute TEXT;
ALTER TABLE guard_admitted ADD COLUMN budget INTEGER CHECK (budget IN (0, 1));
