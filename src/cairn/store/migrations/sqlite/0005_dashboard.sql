-- Dashboard: sign-in secrets and passwords, and the indexes its pages read through.

-- Server-wide settings the dashboard generates once per store (the session-signing secret).
CREATE TABLE dashboard_settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- One dashboard password per account, set with `cairn account set-password` (scrypt hash).
CREATE TABLE dashboard_passwords (
    account_id     INTEGER PRIMARY KEY REFERENCES accounts(id),
    password_hash  TEXT NOT NULL,
    updated_at     REAL NOT NULL
);

-- Ingest health: events received per minute and pipeline lag, read from the index alone.
CREATE INDEX events_received ON events (account_id, received_at, applied_at);

-- Metric charts: count, sum of $value and unique profiles per metric and time, from the index
-- alone. It covers events_metric_time, which it replaces.
CREATE INDEX events_metric_time_cover ON events (account_id, metric_id, time, profile_id, value);
DROP INDEX events_metric_time;

-- Rejected payloads filtered by reason, and counted per minute.
CREATE INDEX rejected_reason ON rejected (account_id, reason, id);
CREATE INDEX rejected_received ON rejected (account_id, received_at);

-- Merges of an absorbed profile (its survivor's are served by merges_survivor).
CREATE INDEX merges_absorbed ON merges (account_id, absorbed_id);

-- List members in the order they joined (growth charts and member pages).
CREATE INDEX list_members_created ON list_members (account_id, list_id, created_at, profile_id)
