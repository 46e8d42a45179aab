-- REST API: lists and their members, exclusions, deletion requests, and the daily rollups that
-- serve metric exports without scanning events.
CREATE TABLE lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL,
    opt_in      TEXT NOT NULL DEFAULT 'single_opt_in',
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL
);
CREATE INDEX lists_account ON lists (account_id, id);

CREATE TABLE list_members (
    account_id  INTEGER NOT NULL,
    list_id     INTEGER NOT NULL,
    profile_id  INTEGER NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (account_id, list_id, profile_id)
) WITHOUT ROWID;
CREATE INDEX list_members_profile ON list_members (account_id, profile_id);

-- A profile that left a list (unsubscribed) or was suppressed on it.
CREATE TABLE list_exclusions (
    account_id  INTEGER NOT NULL,
    list_id     INTEGER NOT NULL,
    profile_id  INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (account_id, list_id, profile_id)
) WITHOUT ROWID;
CREATE INDEX list_exclusions_profile ON list_exclusions (account_id, profile_id);

-- Global exclusions (suppressions) by email address.
CREATE TABLE exclusions (
    account_id  INTEGER NOT NULL,
    email       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  REAL NOT NULL,
    PRIMARY KEY (account_id, email)
) WITHOUT ROWID;
CREATE INDEX exclusions_created ON exclusions (account_id, created_at);

-- What was asked and how much was purged; the identifier is kept only as a hash.
CREATE TABLE deletion_requests (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    identifier_hash   TEXT NOT NULL,
    profiles_deleted  INTEGER NOT NULL,
    events_deleted    INTEGER NOT NULL,
    requested_at      REAL NOT NULL
);
CREATE INDEX deletion_requests_account ON deletion_requests (account_id, id);

-- Per UTC day (unix time / 86400): events and the sum of their $value, per metric.
CREATE TABLE metric_daily (
    account_id   INTEGER NOT NULL,
    metric_id    INTEGER NOT NULL,
    day          INTEGER NOT NULL,
    event_count  INTEGER NOT NULL,
    value_sum    REAL NOT NULL,
    PRIMARY KEY (account_id, metric_id, day)
) WITHOUT ROWID;

-- Per UTC day and profile: events, for unique counts and for moving or removing a profile's share.
CREATE TABLE metric_daily_profiles (
    account_id   INTEGER NOT NULL,
    metric_id    INTEGER NOT NULL,
    day          INTEGER NOT NULL,
    profile_id   INTEGER NOT NULL,
    event_count  INTEGER NOT NULL,
    PRIMARY KEY (account_id, metric_id, day, profile_id)
) WITHOUT ROWID;

INSERT INTO metric_daily (account_id, metric_id, day, event_count, value_sum)
    SELECT account_id, metric_id, time / 86400, count(*), total(value)
    FROM events GROUP BY account_id, metric_id, time / 86400;

INSERT INTO metric_daily_profiles (account_id, metric_id, day, profile_id, event_count)
    SELECT account_id, metric_id, time / 86400, profile_id, count(*)
    FROM events GROUP BY account_id, metric_id, time / 86400, profile_id;

-- The account-wide timeline, newest first, without sorting the account's events.
CREATE INDEX events_account_time ON events (account_id, time, id);
