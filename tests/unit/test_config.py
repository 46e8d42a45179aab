import pytest

from cairn.config import Settings, redacted


def test_a_database_password_never_reaches_messages() -> None:
    assert redacted("postgresql://cairn:s3cret@db:5432/cairn") == (
        "postgresql://cairn:***@db:5432/cairn"
    )


def test_urls_without_password_are_shown_as_they_are() -> None:
    assert redacted("postgresql://db/cairn") == "postgresql://db/cairn"
    assert redacted("sqlite:///cairn-data/cairn.db") == "sqlite:///cairn-data/cairn.db"


def test_serve_settings_reach_each_http_process_through_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings(
        database_url="sqlite:///elsewhere/cairn.db",
        commit_window=0.004,
        commit_max_batch=123,
        ready_max_lag=9.0,
        api_rate_burst=7,
        ingest_rate_per_second=55.5,
    )
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    assert Settings.from_environment() == settings
