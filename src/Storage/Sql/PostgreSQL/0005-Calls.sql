-- Pyfi schema, PostgreSQL: task calls. One row per call (CallStore, with group commit: many calls' writes
-- share one transaction). Payload holds the whole call as JSON; the other columns are what Pyfi queries by
-- and what guards a change: a transition names the state and attempt it expects (a result from an attempt
-- that is no longer current changes nothing). LeaseUntil is renewed by the worker running the attempt; a
-- lapsed lease means the attempt is lost and the call runs again.
CREATE TABLE IF NOT EXISTS PyfiCalls
(
    ServiceId  varchar(150) NOT NULL,
    Id         uuid         NOT NULL,
    Socket     varchar(200) NOT NULL,
    State      varchar(16)  NOT NULL,
    Attempt    integer      NOT NULL,
    LeaseUntil timestamptz  NULL,
    IdemKey    varchar(200) NULL,
    Workflow   uuid         NULL,
    Created    timestamptz  NOT NULL,
    Finished   timestamptz  NULL,
    Version    integer      NOT NULL,
    Payload    text         NOT NULL,
    CONSTRAINT PK_PyfiCalls PRIMARY KEY (ServiceId, Id)
);
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Socket_State ON PyfiCalls (ServiceId, Socket, State);
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Created ON PyfiCalls (ServiceId, Created);
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Finished ON PyfiCalls (ServiceId, Finished) WHERE Finished IS NOT NULL;
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Open ON PyfiCalls (ServiceId, State) WHERE State IN ('Queued', 'Running');
-- A table made before workflows (issue 5) gains the column; new tables have it already.
ALTER TABLE PyfiCalls ADD COLUMN IF NOT EXISTS Workflow uuid NULL;
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Workflow ON PyfiCalls (ServiceId, Workflow) WHERE Workflow IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS UX_PyfiCalls_Key ON PyfiCalls (ServiceId, Socket, IdemKey) WHERE IdemKey IS NOT NULL;
