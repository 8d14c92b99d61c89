-- Pyfi schema, embedded SQLite: the registry's catalogue (DefinitionStore). One row per definition (queue,
-- processor, socket, plug, schedule), so a change writes the rows it touches instead of the whole catalogue;
-- PyfiRegistry holds the registry's own counters. A change is one transaction over both tables: the registry's
-- commit point.
CREATE TABLE IF NOT EXISTS PyfiDefinitions
(
    ServiceId TEXT    NOT NULL,
    Kind      TEXT    NOT NULL,
    Name      TEXT    NOT NULL,
    -- The definition's stamp (ModelStamp): the revision that last changed it, when it was created and last changed.
    Revision  INTEGER NOT NULL,
    Created   TEXT    NOT NULL,
    Updated   TEXT    NOT NULL,
    -- The spec as JSON named by property (no .NET type names), readable with any SQL tool.
    Spec      TEXT    NOT NULL,
    PRIMARY KEY (ServiceId, Kind, Name)
) WITHOUT ROWID;
-- One row per network. Revision: the last revision given out. Unsynced: a JSON array of the definitions
-- (kind:name) committed but perhaps not yet pushed to their grains. Version: counts commits, so a registry
-- that is not the only one writing fails instead of overwriting.
CREATE TABLE IF NOT EXISTS PyfiRegistry
(
    ServiceId TEXT    NOT NULL,
    Revision  INTEGER NOT NULL,
    Unsynced  TEXT    NOT NULL,
    Version   INTEGER NOT NULL,
    PRIMARY KEY (ServiceId)
) WITHOUT ROWID;
