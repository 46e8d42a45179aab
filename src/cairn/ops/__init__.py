"""Operations: Prometheus metrics, JSON logs, health and readiness."""
