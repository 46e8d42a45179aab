-- Checkpoints of `cairn import`, and the pipeline's running totals (mirrors sqlite/0006).
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

-- Each worker adds to a slot of its own, so workers never wait on each other's counter rows;
-- readers add the slots up.
CREATE TABLE pipeline_counters (
    name   text NOT NULL,
    slot   integer NOT NULL,
    value  bigint NOT NULL,
    PRIMARY KEY (name, slot)
);
