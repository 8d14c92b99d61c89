-- Pyfi schema, PostgreSQL: runs and plugs (issue 15). Run: the run a call belongs to (the id of the call a client
-- or a schedule started; calls plugs make inherit it). Deliver: 1 while an ended call's plugs are still to make
-- their calls (stored with the end, cleared once they are made): what the sweeper looks for after a crash.
ALTER TABLE PyfiCalls ADD COLUMN IF NOT EXISTS Run uuid NULL;
ALTER TABLE PyfiCalls ADD COLUMN IF NOT EXISTS Deliver smallint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Run ON PyfiCalls (ServiceId, Run) WHERE Run IS NOT NULL;
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Deliver ON PyfiCalls (ServiceId, Socket) WHERE Deliver = 1;
