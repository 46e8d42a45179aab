from cairn.config import redacted


def test_a_database_password_never_reaches_messages() -> None:
    assert redacted("postgresql://cairn:s3cret@db:5432/cairn") == (
        "postgresql://cairn:***@db:5432/cairn"
    )


def test_urls_without_password_are_shown_as_they_are() -> None:
    assert redacted("postgresql://db/cairn") == "postgresql://db/cairn"
    assert redacted("sqlite:///cairn-data/cairn.db") == "sqlite:///cairn-data/cairn.db"
