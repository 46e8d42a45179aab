-- Segments: named definitions (the condition language), their live members, and the webhooks
-- fired on events and on segment entry/exit.
CREATE TABLE segments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    name            TEXT NOT NULL,
    definition      TEXT NOT NULL,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    -- Bumped when the definition changes; membership is fully built for `built_version`.
    version         INTEGER NOT NULL DEFAULT 1,
    built_version   INTEGER NOT NULL DEFAULT 0,
    -- The worker's rebuild progress for `version`: the last profile id evaluated.
    rebuild_cursor  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX segments_account ON segments (account_id, id);

CREATE TABLE segment_members (
    account_id  INTEGER NOT NULL,
    segment_id  INTEGER NOT NULL,
    profile_id  INTEGER NOT NULL,
    since       REAL NOT NULL,
    PRIMARY KEY (account_id, segment_id, profile_id)
);
CREATE INDEX segment_members_profile ON segment_members (account_id, profile_id);

-- When a (segment, profile) answer can change with time alone ("in the last 30 days").
CREATE TABLE segment_rechecks (
    account_id  INTEGER NOT NULL,
    segment_id  INTEGER NOT NULL,
    profile_id  INTEGER NOT NULL,
    recheck_at  REAL NOT NULL,
    PRIMARY KEY (account_id, segment_id, profile_id)
);
CREATE INDEX segment_rechecks_due ON segment_rechecks (recheck_at);
CREATE INDEX segment_rechecks_profile ON segment_rechecks (account_id, profile_id);

-- Entry and exit history.
CREATE TABLE segment_changes (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL,
    segment_id  INTEGER NOT NULL,
    profile_id  INTEGER NOT NULL,
    entered     INTEGER NOT NULL,
    at          REAL NOT NULL
);
CREATE INDEX segment_changes_segment ON segment_changes (account_id, segment_id, id);

-- A webhook listens to one metric (every new event) or to one segment's entries and/or exits.
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    metric      TEXT,
    segment_id  INTEGER,
    on_entry    INTEGER NOT NULL DEFAULT 0,
    on_exit     INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id, id);

-- The durable delivery queue: written in the transaction of the change, sent after commit.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       INTEGER NOT NULL,
    webhook_id       INTEGER NOT NULL,
    topic            TEXT NOT NULL,
    body             TEXT NOT NULL,
    created_at       REAL NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  REAL NOT NULL,
    last_attempt_at  REAL,
    last_status      INTEGER,
    last_error       TEXT,
    delivered_at     REAL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (account_id, webhook_id, id);

CREATE TABLE webhook_attempts (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL,
    webhook_id    INTEGER NOT NULL,
    delivery_id   INTEGER NOT NULL,
    attempted_at  REAL NOT NULL,
    status        INTEGER,
    error         TEXT,
    duration_ms   REAL NOT NULL
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts (account_id, webhook_id, id);

-- Evaluation reads a profile's events of a few metrics: found without visiting the others.
CREATE INDEX events_profile_metric ON events (account_id, profile_id, metric_id, time);
