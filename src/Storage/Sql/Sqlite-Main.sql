-- Pyfi schema, embedded SQLite: the table Orleans' ADO.NET providers read their SQL from.
-- Every script here is safe to apply again; the silo applies them at start.
-- Contract (Orleans ADO.NET providers): queries are looked up by QueryKey; parameter names, result column
-- names and types are what the providers bind and read. Table layouts are Pyfi's own.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);
