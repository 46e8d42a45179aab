-- Per UTC day and value of one top-level event property: events and the sum of their $value,
-- for exports and charts that filter or split by that property (`cairn.metrics.property_rollups`).
CREATE TABLE metric_daily_properties (
    account_id   INTEGER NOT NULL,
    metric_id    INTEGER NOT NULL,
    key          TEXT NOT NULL,
    day          INTEGER NOT NULL,
    value        TEXT NOT NULL,  -- the value's JSON text
    event_count  INTEGER NOT NULL,
    value_sum    REAL NOT NULL,
    PRIMARY KEY (account_id, metric_id, key, day, value)
) WITHOUT ROWID;

-- Keys not rolled up (too many values, or values too long): exports on them read the events.
CREATE TABLE metric_property_capped (
    account_id   INTEGER NOT NULL,
    metric_id    INTEGER NOT NULL,
    key          TEXT NOT NULL,
    PRIMARY KEY (account_id, metric_id, key)
) WITHOUT ROWID;

-- Accounts whose events predate these rollups; `Store.migrate` counts them in, one at a time.
CREATE TABLE property_rollups_pending (
    account_id   INTEGER PRIMARY KEY
);
INSERT INTO property_rollups_pending (account_id) SELECT DISTINCT account_id FROM events;
