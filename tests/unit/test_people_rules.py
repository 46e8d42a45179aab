import pytest

from cairn.checks import Invalid
from cairn.people.rules import (
    check_deletion_request,
    check_person_update,
    check_unset,
    coerce_value,
)


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("42", 42),
        ("1.5", 1.5),
        ("true", True),
        ("null", None),
        ("Gold", "Gold"),
        ("02134", "02134"),
        ("[1]", "[1]"),
        ('"quoted"', '"quoted"'),
    ],
)
def test_query_values_keep_json_scalars(sent: str, stored: object) -> None:
    assert coerce_value(sent) == stored


def test_unset_takes_a_json_list_or_one_name() -> None:
    assert check_unset('["Plan", "Nickname"]') == ["Plan", "Nickname"]
    assert check_unset("Plan") == ["Plan"]
    assert check_unset(None) == []
    with pytest.raises(Invalid):
        check_unset("[1, 2]")


def test_an_update_with_a_bad_identifier_is_invalid() -> None:
    assert check_person_update({"$first_name": "Ann", "Age": "30"}) == {
        "$first_name": "Ann",
        "Age": 30,
    }
    with pytest.raises(Invalid, match=r"\$email"):
        check_person_update({"$email": "not-an-address"})


def test_a_deletion_names_exactly_one_identifier() -> None:
    assert check_deletion_request({"email": " A@B.com "}) == ("email", "a@b.com")
    assert check_deletion_request({"phone_number": "+1 (323) 916-9023"}) == (
        "phone_number",
        "+13239169023",
    )
    assert check_deletion_request({"person_id": "abcdefg"}) == ("person_id", "abcdefg")
    for fields in ({}, {"email": "a@b.com", "person_id": "x"}, {"email": "nope"}):
        with pytest.raises(Invalid):
            check_deletion_request(fields)
