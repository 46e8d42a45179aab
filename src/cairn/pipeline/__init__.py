"""The worker and the domain rules it applies (identity, events)."""
