-- Checkpoints of `cairn import`: how far into a file (by fingerprint) an import has appended to
-- the inbox, so a re-run resumes there. Rows between a checkpoint and a crash are appended again
-- and the pipeline's dedupe (each row's `$event_id`) keeps them once.
CREATE TABLE imports (
    account_id   INTEGER NOT NULL,
    source       TEXT NOT NULL,
    rows_done    INTEGER NOT NULL,
    accepted     INTEGER NOT NULL,
    rejected     INTEGER NOT NULL,
    started_at   REAL NOT NULL,
    updated_at   REAL NOT NULL,
    finished_at  REAL,
    PRIMARY KEY (account_id, source)
);

-- The pipeline's running totals (entries and events applied, duplicates, merges, rejects by
-- reason), added to by every worker in the transaction of each batch. Pipeline-wide, like
-- pipeline_state: operational figures, not account data.
CREATE TABLE pipeline_counters (
    name   TEXT NOT NULL,
    slot   INTEGER NOT NULL,  -- each worker adds to a slot of its own, so workers never wait
    value  INTEGER NOT NULL,  -- on each other's counter rows; readers add the slots up
    PRIMARY KEY (name, slot)
);
