-- Pyfi schema, PostgreSQL: the table Orleans' ADO.NET providers read their SQL from.
-- Every script here is safe to apply again (`pyfi db init`, deploy/postgres/init-db.sh, or the silo at start).
-- Contract (Orleans ADO.NET providers): queries are looked up by QueryKey; parameter names, result column
-- names and types are what the providers bind and read. Table layouts are Pyfi's own.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);
