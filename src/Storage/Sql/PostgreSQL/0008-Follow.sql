-- Pyfi schema, PostgreSQL: following ended calls (issue 15, pyfi follow). EndPos: where the call's end stands in
-- the order ends are committed, set in the write that stores the end and never changed: the transaction's id
-- (pg_current_xact_id) times 1024, plus the write's place in its group commit (at most 512 writes). Transaction ids
-- are given out as transactions begin, not as they commit, so a reader takes only positions below the oldest
-- transaction still running (pg_snapshot_xmin): those can no longer change (see CallStore.ReadEndedAsync).
ALTER TABLE PyfiCalls ADD COLUMN IF NOT EXISTS EndPos bigint NULL;
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Ended ON PyfiCalls (ServiceId, EndPos, Socket) WHERE EndPos IS NOT NULL;
