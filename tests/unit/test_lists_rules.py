import pytest

from cairn.checks import Invalid
from cairn.lists.rules import check_identifiers, check_list_name, check_profiles


def test_a_list_name_is_trimmed_and_required() -> None:
    assert check_list_name("  News ") == "News"
    for bad in (None, "", "   ", 5, "x" * 256):
        with pytest.raises(Invalid):
            check_list_name(bad)


def test_profiles_need_an_email_or_a_phone_number() -> None:
    good = [{"email": "a@b.com"}, {"$email": "c@d.com"}, {"phone_number": "+13239169023"}]
    assert check_profiles(good) == good
    with pytest.raises(Invalid, match=r"profiles\[1\]"):
        check_profiles([{"email": "a@b.com"}, {"first_name": "No identifier"}])
    with pytest.raises(Invalid, match="100"):
        check_profiles([{"email": f"p{i}@b.com"} for i in range(101)])
    with pytest.raises(Invalid):
        check_profiles([])


def test_identifiers_are_normalized_and_bounded() -> None:
    assert check_identifiers(["A@B.com"], ["+1 323 916 9023"], ["token"]) == [
        ("email", "a@b.com"),
        ("phone", "+13239169023"),
    ]
    with pytest.raises(Invalid, match="required"):
        check_identifiers([], [], [])
    with pytest.raises(Invalid, match="100"):
        check_identifiers([f"p{i}@b.com" for i in range(101)], [], [])
    with pytest.raises(Invalid, match="email"):
        check_identifiers(["nope"], [], [])
