-- Pyfi schema, PostgreSQL: task calls. One row per call, written when the call is accepted and again when
-- it ends (CallStore, with group commit: many calls' writes share one transaction). The row's columns are
-- what Pyfi queries by; Payload holds the whole call as JSON. Version guards against two writers of one call.
CREATE TABLE IF NOT EXISTS PyfiCalls
(
    ServiceId varchar(150) NOT NULL,
    Id        uuid         NOT NULL,
    Socket    varchar(200) NOT NULL,
    State     varchar(16)  NOT NULL,
    Created   timestamptz  NOT NULL,
    Finished  timestamptz  NULL,
    Version   integer      NOT NULL,
    Payload   text         NOT NULL,
    CONSTRAINT PK_PyfiCalls PRIMARY KEY (ServiceId, Id)
);
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Socket_State ON PyfiCalls (ServiceId, Socket, State);
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Created ON PyfiCalls (ServiceId, Created);
