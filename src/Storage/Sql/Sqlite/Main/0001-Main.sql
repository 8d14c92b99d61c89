-- Pyfi schema, embedded SQLite: the table Orleans' ADO.NET providers read their SQL from.
-- Migrations 0001-0004 (and Calls/0001) are the schema as it was before versioned migrations: written to be safe
-- on a file that already has them, which is how such a file is adopted. Every later migration runs once, in its own
-- transaction, recorded in the file's PyfiSchema table (see SchemaInstaller).
-- Contract (Orleans ADO.NET providers): queries are looked up by QueryKey; parameter names, result column
-- names and types are what the providers bind and read. Table layouts are Pyfi's own.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);
