"""Short cuts in identity resolution give the results of the general rules."""

from hypothesis import given
from hypothesis import strategies as st

from cairn.pipeline.identity import (
    Identifiers,
    ProfileRef,
    extract_identifiers,
    primary_identifier,
    resolve,
)

spellings = st.sampled_from(
    ["$email", "email", "$phone_number", "phone_number", "$id", "id", "$exchange_id", "other"]
)
values = st.one_of(
    st.none(),
    st.integers(),
    st.sampled_from(["", "  ", "A@Example.com ", "no-at-sign", "+1 (555) 010-9999", "x" * 70]),
    st.text(max_size=8),
)


@given(st.dictionaries(spellings, values, max_size=6))
def test_primary_identifier_is_the_first_ranked_one(properties: dict[str, object]) -> None:
    ranked = extract_identifiers(properties).ranked()
    assert primary_identifier(properties) == (ranked[0][1] if ranked else None)


KNOWN = ProfileRef(7, Identifiers({"email": "a@example.com", "phone": "+15550109999"}), 1.0)


def test_a_known_profile_sending_what_it_holds_resolves_to_itself_unchanged() -> None:
    for incoming in (
        Identifiers({"email": "a@example.com"}),
        Identifiers({"email": "a@example.com", "phone": "+15550109999"}),
    ):
        matches = {kind: KNOWN for kind in incoming.values}
        resolution = resolve(incoming, matches)
        assert resolution.target == 7
        assert resolution.absorb == () and resolution.conflicts == ()
        assert resolution.identifiers == KNOWN.identifiers


def test_a_new_or_changed_identifier_still_lands_on_the_profile() -> None:
    added = resolve(Identifiers({"email": "a@example.com", "external_id": "u-1"}), {"email": KNOWN})
    assert added.identifiers.values == {**KNOWN.identifiers.values, "external_id": "u-1"}
    changed = resolve(Identifiers({"email": "a@example.com", "phone": "+4420"}), {"email": KNOWN})
    assert changed.target == 7
    assert changed.identifiers.get("phone") == "+4420"
