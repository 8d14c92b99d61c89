-- Pyfi schema, embedded SQLite: following ended calls (issue 15, pyfi follow). EndPos: where the call's end stands
-- in the order ends are committed, set in the write that stores the end and never changed. The file's one writer
-- numbers ends as it writes them and commits its batches one after another, so a reader that sees a position sees
-- every position below it (see CallStore.ReadEndedAsync).
ALTER TABLE PyfiCalls ADD COLUMN EndPos INTEGER NULL;
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Ended ON PyfiCalls (ServiceId, EndPos, Socket) WHERE EndPos IS NOT NULL;
