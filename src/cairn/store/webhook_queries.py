"""SQL for webhooks: subscriptions, the durable delivery queue, and delivery attempts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cairn.store.sql import Queries

_WEBHOOK_COLUMNS = "id, account_id, url, secret, metric, segment_id, on_entry, on_exit, created_at"
_DELIVERY_COLUMNS = (
    "id, webhook_id, topic, body, created_at, status, attempts, next_attempt_at,"
    " last_attempt_at, last_status, last_error, delivered_at"
)


@dataclass(frozen=True, slots=True)
class WebhookRow:
    id: int
    account_id: int
    url: str
    secret: str
    metric: str | None
    segment_id: int | None
    on_entry: bool
    on_exit: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    webhook_id: int
    topic: str
    body: str
    created_at: float
    status: str
    attempts: int
    next_attempt_at: float
    last_attempt_at: float | None
    last_status: int | None
    last_error: str | None
    delivered_at: float | None


@dataclass(frozen=True, slots=True)
class DeliveryJob:
    """A claimed delivery, with what sending it needs."""

    id: int
    account_id: int
    webhook_id: int
    url: str
    secret: str
    body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class AttemptRow:
    delivery_id: int
    attempted_at: float
    status: int | None
    error: str | None
    duration_ms: float


def _webhook(row: tuple[object, ...]) -> WebhookRow:
    values = list(row)
    values[6], values[7] = bool(values[6]), bool(values[7])
    return WebhookRow(*values)  # type: ignore[arg-type]


class WebhookQueries:
    def __init__(self, queries: Queries) -> None:
        self.q = queries

    # --- subscriptions ----------------------------------------------------------------------

    def insert_webhook(
        self,
        account_id: int,
        url: str,
        secret: str,
        metric: str | None,
        segment_id: int | None,
        on_entry: bool,
        on_exit: bool,
        now: float,
    ) -> WebhookRow:
        row = self.q.one(
            "INSERT INTO webhooks (account_id, url, secret, metric, segment_id, on_entry,"
            f" on_exit, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_WEBHOOK_COLUMNS}",
            (account_id, url, secret, metric, segment_id, int(on_entry), int(on_exit), now),
        )
        return _webhook(row)

    def webhooks_of(self, account_id: int) -> list[WebhookRow]:
        rows = self.q.all(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = ? ORDER BY id",
            (account_id,),
        )
        return [_webhook(row) for row in rows]

    def webhook(self, account_id: int, webhook_id: int) -> WebhookRow | None:
        row = self.q.one(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = ? AND id = ?",
            (account_id, webhook_id),
        )
        return _webhook(row) if row else None

    def delete_webhook(self, account_id: int, webhook_id: int) -> None:
        for table, column in (
            ("webhook_attempts", "webhook_id"),
            ("webhook_deliveries", "webhook_id"),
            ("webhooks", "id"),
        ):
            self.q.run(
                f"DELETE FROM {table} WHERE account_id = ? AND {column} = ?",
                (account_id, webhook_id),
            )

    def delete_segment_webhooks(self, account_id: int, segment_id: int) -> None:
        for webhook in self.webhooks_of(account_id):
            if webhook.segment_id == segment_id:
                self.delete_webhook(account_id, webhook.id)

    # --- the queue --------------------------------------------------------------------------

    def enqueue(self, deliveries: Iterable[tuple[int, int, str, str]], now: float) -> None:
        """(account_id, webhook_id, topic, body) rows, due at once."""
        self.q.many(
            "INSERT INTO webhook_deliveries (account_id, webhook_id, topic, body, created_at,"
            " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(*delivery, now, now) for delivery in deliveries],
        )

    def claim_due(self, now: float, lease_until: float, limit: int) -> list[DeliveryJob]:
        """Pending deliveries due by `now`, leased until `lease_until` so no other deliverer
        takes them meanwhile (a crashed deliverer's lease simply runs out)."""
        rows = self.q.all(
            "SELECT d.id, d.account_id, d.webhook_id, w.url, w.secret, d.body, d.attempts,"
            " d.next_attempt_at FROM webhook_deliveries d JOIN webhooks w"
            " ON w.account_id = d.account_id AND w.id = d.webhook_id"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
            " ORDER BY d.next_attempt_at, d.id LIMIT ?",
            (now, limit),
        )
        claimed = []
        for row in rows:
            updated = self.q.one(
                "UPDATE webhook_deliveries SET next_attempt_at = ?"
                " WHERE id = ? AND status = 'pending' AND next_attempt_at = ? RETURNING id",
                (lease_until, row[0], row[7]),
            )
            if updated is not None:
                claimed.append(DeliveryJob(*row[:7]))
        return claimed

    def record_attempt(
        self,
        job: DeliveryJob,
        at: float,
        status: int | None,
        error: str | None,
        duration_ms: float,
        outcome: str,
        next_attempt_at: float,
    ) -> None:
        """`outcome` is the delivery's new status: delivered, pending (retry) or failed."""
        self.q.run(
            "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1,"
            " next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?,"
            " delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END"
            " WHERE id = ?",
            (outcome, next_attempt_at, at, status, error, outcome, at, job.id),
        )
        self.q.run(
            "INSERT INTO webhook_attempts (account_id, webhook_id, delivery_id, attempted_at,"
            " status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (job.account_id, job.webhook_id, job.id, at, status, error, duration_ms),
        )

    # --- status -----------------------------------------------------------------------------

    def deliveries(self, account_id: int, webhook_id: int, limit: int) -> list[DeliveryRow]:
        rows = self.q.all(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries"
            " WHERE account_id = ? AND webhook_id = ? ORDER BY id DESC LIMIT ?",
            (account_id, webhook_id, limit),
        )
        return [DeliveryRow(*row) for row in rows]

    def attempts(self, account_id: int, webhook_id: int, limit: int) -> list[AttemptRow]:
        rows = self.q.all(
            "SELECT delivery_id, attempted_at, status, error, duration_ms FROM webhook_attempts"
            " WHERE account_id = ? AND webhook_id = ? ORDER BY id DESC LIMIT ?",
            (account_id, webhook_id, limit),
        )
        return [AttemptRow(*row) for row in rows]

    def status_counts(self, account_id: int, webhook_id: int) -> dict[str, int]:
        rows = self.q.all(
            "SELECT status, count(*) FROM webhook_deliveries"
            " WHERE account_id = ? AND webhook_id = ? GROUP BY status",
            (account_id, webhook_id),
        )
        return {status: count for status, count in rows}
