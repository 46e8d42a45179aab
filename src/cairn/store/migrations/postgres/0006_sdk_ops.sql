-- Mirrors sqlite/0006: import checkpoints, and the pipeline's running totals.
CREATE TABLE imports (
    account_id   bigint NOT NULL,
    source       text NOT NULL,
    rows_done    bigint NOT NULL,
    accepted     bigint NOT NULL,
    rejected     bigint NOT NULL,
    started_at   double precision NOT NULL,
    updated_at   double precision NOT NULL,
    finished_at  double precision,
    PRIMARY KEY (account_id, source)
);

CREATE TABLE pipeline_counters (
    name   text NOT NULL,
    slot   integer NOT NULL,  -- each worker adds to a slot of its own, so workers never wait
    value  bigint NOT NULL,   -- on each other's counter rows; readers add the slots up
    PRIMARY KEY (name, slot)
);
