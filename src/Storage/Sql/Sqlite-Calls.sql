-- Pyfi schema, embedded SQLite: task calls. One row per call, written when the call is accepted and again
-- when it ends (CallStore, with group commit: many calls' writes share one transaction). The row's
-- columns are what Pyfi queries by; Payload holds the whole call as JSON. Version guards against two
-- writers of one call.
CREATE TABLE IF NOT EXISTS PyfiCalls
(
    ServiceId TEXT    NOT NULL,
    Id        TEXT    NOT NULL,
    Socket    TEXT    NOT NULL,
    State     TEXT    NOT NULL,
    Created   TEXT    NOT NULL,
    Finished  TEXT    NULL,
    Version   INTEGER NOT NULL,
    Payload   TEXT    NOT NULL,
    PRIMARY KEY (ServiceId, Id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Socket_State ON PyfiCalls (ServiceId, Socket, State);
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Created ON PyfiCalls (ServiceId, Created);
