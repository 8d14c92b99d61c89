-- Pyfi schema, PostgreSQL: which numbered migrations (PostgreSQL/NNNN-*.sql) the database has. Not a migration
-- itself: SchemaInstaller and deploy/postgres/init-db.sh create it, under the advisory lock, before the first one.
CREATE TABLE IF NOT EXISTS PyfiSchema
(
    Version integer      NOT NULL,
    Name    varchar(200) NOT NULL,
    Applied timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT PK_PyfiSchema PRIMARY KEY (Version)
);
