-- Pyfi schema, embedded SQLite: grain state for Orleans' ADO.NET grain storage.
-- One row per grain state, keyed by its full identity (no hash columns: SQLite indexes the key itself).
-- A grain id without a string part is stored with GrainIdExtensionString = '' so the key has no NULLs.
-- Version is the ETag: a write or clear must name the version it read, else it changes nothing and the
-- provider raises InconsistentStateException.
CREATE TABLE IF NOT EXISTS PyfiGrainState
(
    ServiceId              TEXT    NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    PayloadBinary          BLOB    NULL,
    ModifiedOn             TEXT    NOT NULL,
    Version                INTEGER NOT NULL,
    PRIMARY KEY (ServiceId, GrainTypeString, GrainIdExtensionString, GrainIdN0, GrainIdN1)
) WITHOUT ROWID;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM PyfiGrainState
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- Exactly one of the two statements can change a row: the UPDATE when the grain read a version, the
-- INSERT when it read none. Each returns the new version, or no row on a version conflict.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
UPDATE PyfiGrainState
SET PayloadBinary = @PayloadBinary, ModifiedOn = CURRENT_TIMESTAMP, Version = Version + 1
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
INSERT INTO PyfiGrainState
    (ServiceId, GrainTypeString, GrainIdExtensionString, GrainIdN0, GrainIdN1, PayloadBinary, ModifiedOn, Version)
SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''''), @GrainIdN0, @GrainIdN1,
       @PayloadBinary, CURRENT_TIMESTAMP, 1
WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE PyfiGrainState
SET PayloadBinary = NULL, ModifiedOn = CURRENT_TIMESTAMP, Version = Version + 1
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- Used when the storage deletes state on clear (Pyfi does): the row goes away. The provider expects the
-- deleted version + 1 back as proof that the version matched.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM PyfiGrainState
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '''')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
