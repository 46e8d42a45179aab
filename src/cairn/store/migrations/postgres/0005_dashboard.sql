-- Dashboard: sign-in secrets and passwords, and the indexes its pages read through
-- (mirrors sqlite/0005).
CREATE TABLE dashboard_settings (
    name   text PRIMARY KEY,
    value  text NOT NULL
);

CREATE TABLE dashboard_passwords (
    account_id     bigint PRIMARY KEY REFERENCES accounts(id),
    password_hash  text NOT NULL,
    updated_at     double precision NOT NULL
);

CREATE INDEX events_received ON events (account_id, received_at, applied_at);

CREATE INDEX events_metric_time_cover ON events (account_id, metric_id, time, profile_id, value);
DROP INDEX events_metric_time;

CREATE INDEX rejected_reason ON rejected (account_id, reason, id);
CREATE INDEX rejected_received ON rejected (account_id, received_at);

CREATE INDEX merges_absorbed ON merges (account_id, absorbed_id);

CREATE INDEX list_members_created ON list_members (account_id, list_id, created_at, profile_id);
