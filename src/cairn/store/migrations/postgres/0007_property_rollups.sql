-- Daily rollups per value of one event property (mirrors sqlite/0007).
CREATE TABLE metric_daily_properties (
    account_id   bigint NOT NULL,
    metric_id    bigint NOT NULL,
    key          text NOT NULL,
    day          bigint NOT NULL,
    value        text NOT NULL,
    event_count  bigint NOT NULL,
    value_sum    double precision NOT NULL,
    PRIMARY KEY (account_id, metric_id, key, day, value)
);

CREATE TABLE metric_property_capped (
    account_id   bigint NOT NULL,
    metric_id    bigint NOT NULL,
    key          text NOT NULL,
    PRIMARY KEY (account_id, metric_id, key)
);

CREATE TABLE property_rollups_pending (
    account_id   bigint PRIMARY KEY
);
INSERT INTO property_rollups_pending (account_id) SELECT DISTINCT account_id FROM events;
