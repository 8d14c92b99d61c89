-- Pyfi schema, embedded SQLite: a socket's queue read a page at a time (issue: a million calls queued on one socket).
-- The socket grain keeps only a window of its queued calls in memory and reads the next page from here in the order
-- calls were accepted, (Created, Id), after the last call it took (CallStore.ListQueuedAsync); this index serves that
-- read without sorting the backlog, and only queued rows are in it.
CREATE INDEX IF NOT EXISTS IX_PyfiCalls_Queue ON PyfiCalls (ServiceId, Socket, Created, Id) WHERE State = 'Queued';
