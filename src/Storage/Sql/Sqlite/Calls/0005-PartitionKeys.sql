-- Pyfi schema, SQLite (calls file): an idempotency key is one socket's, across its partitions. A partitioned socket's
-- rows carry their partition's key in Socket (name@p, see SocketPartitions), so the old (ServiceId, Socket, IdemKey)
-- index made a key unique per partition only: a submission sent again after the socket grew could land in another
-- partition and be stored twice. The socket's name is the part before '@' (names never hold one);
-- CallStore.FindByKeyAsync reads by the same expression, so this index serves it.
DROP INDEX IF EXISTS UX_PyfiCalls_Key;
CREATE UNIQUE INDEX IF NOT EXISTS UX_PyfiCalls_SocketKey ON PyfiCalls (ServiceId, substr(Socket, 1, instr(Socket || '@', '@') - 1), IdemKey) WHERE IdemKey IS NOT NULL;
