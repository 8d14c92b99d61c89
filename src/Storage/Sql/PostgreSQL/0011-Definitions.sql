-- Pyfi schema, PostgreSQL: the registry's catalogue (DefinitionStore). One row per definition (queue, processor,
-- socket, plug, schedule), so a change writes the rows it touches instead of the whole catalogue; PyfiRegistry
-- holds the registry's own counters. A change is one transaction over both tables: the registry's commit point.
CREATE TABLE IF NOT EXISTS PyfiDefinitions
(
    ServiceId varchar(150) NOT NULL,
    Kind      varchar(16)  NOT NULL,
    Name      varchar(200) NOT NULL,
    -- The definition's stamp (ModelStamp): the revision that last changed it, when it was created and last changed.
    Revision  bigint       NOT NULL,
    Created   timestamptz  NOT NULL,
    Updated   timestamptz  NOT NULL,
    -- The spec as JSON named by property (no .NET type names), readable with any SQL tool.
    Spec      text         NOT NULL,
    CONSTRAINT PK_PyfiDefinitions PRIMARY KEY (ServiceId, Kind, Name)
);
-- One row per network. Revision: the last revision given out. Unsynced: a JSON array of the definitions
-- (kind:name) committed but perhaps not yet pushed to their grains. Version: counts commits, so a registry
-- that is not the only one writing (a second activation during a partition) fails instead of overwriting.
CREATE TABLE IF NOT EXISTS PyfiRegistry
(
    ServiceId varchar(150) NOT NULL,
    Revision  bigint       NOT NULL,
    Unsynced  text         NOT NULL,
    Version   bigint       NOT NULL,
    CONSTRAINT PK_PyfiRegistry PRIMARY KEY (ServiceId)
);
