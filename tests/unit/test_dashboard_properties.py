import pytest

from cairn.dashboard.properties import type_name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "boolean"),
        (3, "number"),
        (2.5, "number"),
        ("2024-05-01", "date"),
        ("2024-05-01T10:00:00Z", "date"),
        ("2024-13-01", "text"),
        ("hello", "text"),
        ("12345678901", "text"),
        (["email"], "list"),
        ({"a": 1}, "object"),
    ],
)
def test_type_name(value: object, expected: str) -> None:
    assert type_name(value) == expected
