-- Pyfi schema, embedded SQLite: which numbered migrations a file has (pyfi.db: Sqlite/Main/NNNN-*.sql,
-- pyfi-calls.db: Sqlite/Calls/NNNN-*.sql). Not a migration itself: SchemaInstaller creates it before the first one.
CREATE TABLE IF NOT EXISTS PyfiSchema
(
    Version INTEGER NOT NULL PRIMARY KEY,
    Name    TEXT    NOT NULL,
    Applied TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);
