-- The embedded inbox lives in its own file so that ingest commits never wait on the pipeline's
-- write lock. AUTOINCREMENT keeps ids increasing even after applied records are trimmed.
CREATE TABLE records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    account_id   INTEGER NOT NULL,
    received_at  REAL NOT NULL,
    partition    INTEGER NOT NULL,
    payload      BLOB NOT NULL,
    note         TEXT
);
