-- What an admitted keyed send was counted for, so that ReleaseSend can
-- take it back when its text was not sent: the country bucket, the minute
-- bucket (of the prefix, the country and the budget) and whether the
-- budget counted it (false when no budget was set). Keys remembered before
-- this migration have none of them (NULL): releasing one only forgets the
-- key.
ALTER TABLE guard_admitted ADD COLUMN country text;
ALTER TABLE guard_admitted ADD COLUMN minute timestamptz;
ALTER TABLE guard_admitted ADD COLUMN budget boolean;
