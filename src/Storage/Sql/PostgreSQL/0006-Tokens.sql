-- Pyfi schema, PostgreSQL: access tokens (TokenStore). A token is `pyfi.<Id>.<secret>`: the Id finds the row,
-- and only a salted SHA-256 of the secret is kept (Salt, Hash). Names are unique among tokens not revoked; a
-- revoked token's row is kept, so a listing says when and a log line's token id can still be looked up.
CREATE TABLE IF NOT EXISTS PyfiTokens
(
    ServiceId varchar(150) NOT NULL,
    Id        varchar(32)  NOT NULL,
    Name      varchar(200) NOT NULL,
    Role      varchar(16)  NOT NULL,
    Salt      bytea        NOT NULL,
    Hash      bytea        NOT NULL,
    Created   timestamptz  NOT NULL,
    Expires   timestamptz  NULL,
    Revoked   timestamptz  NULL,
    CreatedBy varchar(200) NULL,
    CONSTRAINT PK_PyfiTokens PRIMARY KEY (ServiceId, Id)
);
CREATE UNIQUE INDEX IF NOT EXISTS UX_PyfiTokens_Name ON PyfiTokens (ServiceId, Name) WHERE Revoked IS NULL;
-- Secrets the silos of one network share and clients never see (e.g. the key that marks calls between silos as
-- the network's own: see ClusterKey). Made by the first silo that needs one; never changed.
CREATE TABLE IF NOT EXISTS PyfiKeys
(
    ServiceId varchar(150) NOT NULL,
    Name      varchar(100) NOT NULL,
    Value     bytea        NOT NULL,
    CONSTRAINT PK_PyfiKeys PRIMARY KEY (ServiceId, Name)
);
