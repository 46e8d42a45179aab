"""Webhooks: deliveries queued durably with each change, signed, sent after commit, retried."""
