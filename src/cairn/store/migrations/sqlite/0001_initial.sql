-- Every table is keyed by account_id first, so the schema shards by account.
CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    public_key  TEXT NOT NULL UNIQUE,
    created_at  REAL NOT NULL
);

CREATE TABLE api_keys (
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    key_hash    TEXT NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL,
    revoked_at  REAL,
    PRIMARY KEY (account_id, key_hash)
);

CREATE TABLE profiles (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    email        TEXT,
    phone        TEXT,
    external_id  TEXT,
    exchange_id  TEXT,
    properties   TEXT NOT NULL,
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL,
    merged_into  INTEGER
);
CREATE UNIQUE INDEX profiles_email ON profiles (account_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX profiles_phone ON profiles (account_id, phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX profiles_external_id ON profiles (account_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX profiles_exchange_id ON profiles (account_id, exchange_id)
    WHERE exchange_id IS NOT NULL;

CREATE TABLE metrics (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    metric_id    INTEGER NOT NULL,
    profile_id   INTEGER NOT NULL,
    time         INTEGER NOT NULL,
    value        REAL,
    event_id     TEXT NOT NULL,
    properties   TEXT NOT NULL,
    received_at  REAL NOT NULL,
    applied_at   REAL NOT NULL
);
-- The dedupe rule is this constraint: a replayed or retried event inserts nothing.
CREATE UNIQUE INDEX events_dedupe ON events (account_id, metric_id, profile_id, event_id);
CREATE INDEX events_profile_time ON events (account_id, profile_id, time);
CREATE INDEX events_metric_time ON events (account_id, metric_id, time);

CREATE TABLE merges (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    survivor_id  INTEGER NOT NULL,
    absorbed_id  INTEGER NOT NULL,
    merged_at    REAL NOT NULL
);
CREATE INDEX merges_survivor ON merges (account_id, survivor_id);

CREATE TABLE identity_conflicts (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL,
    profile_id        INTEGER NOT NULL,
    other_profile_id  INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    recorded_at       REAL NOT NULL
);

CREATE TABLE rejected (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    received_at  REAL NOT NULL,
    rejected_at  REAL NOT NULL
);
CREATE INDEX rejected_account ON rejected (account_id, id);

-- The pipeline's acknowledgement: the last inbox record applied, moved in the same transaction.
CREATE TABLE pipeline_state (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO pipeline_state (name, value) VALUES ('inbox_cursor', 0);
