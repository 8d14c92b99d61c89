-- Pyfi schema, embedded SQLite: access tokens (TokenStore). A token is `pyfi.<Id>.<secret>`: the Id finds the
-- row, and only a salted SHA-256 of the secret is kept (Salt, Hash). Names are unique among tokens not revoked;
-- a revoked token's row is kept, so a listing says when and a log line's token id can still be looked up.
CREATE TABLE IF NOT EXISTS PyfiTokens
(
    ServiceId TEXT NOT NULL,
    Id        TEXT NOT NULL,
    Name      TEXT NOT NULL,
    Role      TEXT NOT NULL,
    Salt      BLOB NOT NULL,
    Hash      BLOB NOT NULL,
    Created   TEXT NOT NULL,
    Expires   TEXT NULL,
    Revoked   TEXT NULL,
    CreatedBy TEXT NULL,
    PRIMARY KEY (ServiceId, Id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS UX_PyfiTokens_Name ON PyfiTokens (ServiceId, Name) WHERE Revoked IS NULL;
-- Secrets the silos of one network share and clients never see (e.g. the key that marks calls between silos as
-- the network's own: see ClusterKey). Made by the first silo that needs one; never changed.
CREATE TABLE IF NOT EXISTS PyfiKeys
(
    ServiceId TEXT NOT NULL,
    Name      TEXT NOT NULL,
    Value     BLOB NOT NULL,
    PRIMARY KEY (ServiceId, Name)
) WITHOUT ROWID;
