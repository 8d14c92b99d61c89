-- Pyfi schema, PostgreSQL: cluster membership for Orleans' ADO.NET clustering.
-- The version row of a deployment is the table's ETag: every membership change bumps it in the same
-- transaction, and only if it still has the version the silo read. Each changing query first takes the
-- version row's lock (first statement), so its second statement sees the latest committed state and no
-- other change can interleave; the second statement then changes both tables or neither.
CREATE TABLE IF NOT EXISTS PyfiMembershipVersion
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT PK_PyfiMembershipVersion PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS PyfiMembership
(
    DeploymentId varchar(150)  NOT NULL,
    Address      varchar(45)   NOT NULL,
    Port         integer       NOT NULL,
    Generation   integer       NOT NULL,
    SiloName     varchar(150)  NOT NULL,
    HostName     varchar(150)  NOT NULL,
    Status       integer       NOT NULL,
    ProxyPort    integer       NULL,
    SuspectTimes varchar(8000) NULL,
    StartTime    timestamptz   NOT NULL,
    IAmAliveTime timestamptz   NOT NULL,
    CONSTRAINT PK_PyfiMembership PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_PyfiMembership_Version FOREIGN KEY (DeploymentId) REFERENCES PyfiMembershipVersion (DeploymentId)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO PyfiMembershipVersion (DeploymentId) VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1)
SELECT count(*) FROM inserted;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', $q$
UPDATE PyfiMembershipVersion SET Timestamp = Timestamp WHERE DeploymentId = @DeploymentId;
WITH inserted AS (
    INSERT INTO PyfiMembership
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    WHERE EXISTS (SELECT 1 FROM PyfiMembershipVersion WHERE DeploymentId = @DeploymentId AND Version = @Version)
    ON CONFLICT DO NOTHING
    RETURNING DeploymentId),
bumped AS (
    UPDATE PyfiMembershipVersion SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = @DeploymentId AND Version = @Version AND EXISTS (SELECT 1 FROM inserted)
    RETURNING 1)
SELECT count(*) FROM bumped;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', $q$
UPDATE PyfiMembershipVersion SET Timestamp = Timestamp WHERE DeploymentId = @DeploymentId;
WITH updated AS (
    UPDATE PyfiMembership
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation
      AND EXISTS (SELECT 1 FROM PyfiMembershipVersion WHERE DeploymentId = @DeploymentId AND Version = @Version)
    RETURNING 1),
bumped AS (
    UPDATE PyfiMembershipVersion SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = @DeploymentId AND Version = @Version AND EXISTS (SELECT 1 FROM updated)
    RETURNING 1)
SELECT count(*) FROM bumped;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- Never expected to fail, and not versioned (the membership protocol says so).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', $q$
UPDATE PyfiMembership SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address AND Port = @Port AND Generation = @Generation;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- The version row is returned even when no silo matches (outer join), as the provider expects.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM PyfiMembershipVersion v
LEFT OUTER JOIN PyfiMembership m
    ON v.DeploymentId = m.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM PyfiMembershipVersion v
LEFT OUTER JOIN PyfiMembership m ON v.DeploymentId = m.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', $q$
DELETE FROM PyfiMembership WHERE DeploymentId = @DeploymentId;
DELETE FROM PyfiMembershipVersion WHERE DeploymentId = @DeploymentId;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation
FROM PyfiMembership
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;

-- Status 3 is Active: silos that stopped answering long ago are removed, live ones never.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM PyfiMembership
WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status <> 3;
$q$) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
