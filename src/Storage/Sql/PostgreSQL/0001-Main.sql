-- Pyfi schema, PostgreSQL: the table Orleans' ADO.NET providers read their SQL from.
-- Migrations 0001-0006 are the schema as it was before versioned migrations (a85bc27 and the tokens after it):
-- written to be safe on a database that already has them, which is how such a database is adopted. Every later
-- migration runs once, in its own transaction, recorded in PyfiSchema (see SchemaInstaller).
-- Contract (Orleans ADO.NET providers): queries are looked up by QueryKey; parameter names, result column
-- names and types are what the providers bind and read. Table layouts are Pyfi's own.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);
