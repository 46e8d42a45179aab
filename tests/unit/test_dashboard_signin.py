import pytest

from cairn.dashboard.views.signin import HOME, safe_next


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/profiles/3?before=1:2", "/profiles/3?before=1:2"),
        ("//evil.example/", HOME),
        ("https://evil.example/", HOME),
        (None, HOME),
    ],
)
def test_sign_in_only_sends_people_back_to_this_site(target: object, expected: str) -> None:
    assert safe_next(target) == expected
