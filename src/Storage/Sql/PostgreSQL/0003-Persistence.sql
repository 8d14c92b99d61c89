-- Pyfi schema, PostgreSQL: grain state for Orleans' ADO.NET grain storage. Same layout and rules as the
-- SQLite script: one row per grain state keyed by its full identity ('' for a missing string part),
-- Version is the ETag, a write or clear that names a stale version changes nothing.
CREATE TABLE IF NOT EXISTS PyfiGrainState
(
    ServiceId              varchar(150) NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    PayloadBinary          bytea        NULL,
    ModifiedOn             timestamptz  NOT NULL,
    Version                integer      NOT NULL,
    CONSTRAINT PK_PyfiGrainState PRIMARY KEY (ServiceId, GrainTypeString, GrainIdExtensionString, GrainIdN0, GrainIdN1)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version
FROM PyfiGrainState
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- Exactly one of the two statements can change a row: the UPDATE when the grain read a version, the
-- INSERT when it read none. Each returns the new version, or no row on a version conflict.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', $q$
UPDATE PyfiGrainState
SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
INSERT INTO PyfiGrainState
    (ServiceId, GrainTypeString, GrainIdExtensionString, GrainIdN0, GrainIdN1, PayloadBinary, ModifiedOn, Version)
SELECT @ServiceId, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''), @GrainIdN0, @GrainIdN1,
       @PayloadBinary, now(), 1
WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING Version AS NewGrainStateVersion;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', $q$
UPDATE PyfiGrainState
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version AS NewGrainStateVersion;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', $q$
DELETE FROM PyfiGrainState
WHERE ServiceId = @ServiceId AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString = COALESCE(@GrainIdExtensionString, '')
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND Version = @GrainStateVersion
RETURNING Version + 1 AS NewGrainStateVersion;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
