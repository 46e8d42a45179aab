"""Identity rules: identifier extraction and normalisation, resolution, merging properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.pipeline.identity import (
    EXTERNAL_ID_MAX,
    KINDS,
    Identifiers,
    ProfileRef,
    extract_identifiers,
    identifier_properties,
    merge_properties,
    normalize_email,
    normalize_external_id,
    normalize_phone,
    profile_properties,
    resolve,
)

# --- extraction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"$email": "a@example.com"}, {"email": "a@example.com"}),
        ({"email": "a@example.com"}, {"email": "a@example.com"}),
        ({"$phone_number": "+13239169023"}, {"phone": "+13239169023"}),
        ({"phone_number": "+13239169023"}, {"phone": "+13239169023"}),
        ({"$id": "user-1"}, {"external_id": "user-1"}),
        ({"id": "user-1"}, {"external_id": "user-1"}),
        ({"$exchange_id": "abc.XyZ123"}, {"exchange_id": "abc.XyZ123"}),
        ({"exchange_id": "abc.XyZ123"}, {}),
        ({"$first_name": "Abe"}, {}),
        ({}, {}),
    ],
)
def test_both_spellings_of_each_identifier_are_read(
    properties: dict[str, object], expected: dict[str, str]
) -> None:
    assert dict(extract_identifiers(properties).values) == expected


def test_the_dollar_spelling_wins_when_both_are_present() -> None:
    found = extract_identifiers(
        {"$email": "dollar@example.com", "email": "plain@example.com", "$id": "7", "id": "8"}
    )
    assert found.values == {"email": "dollar@example.com", "external_id": "7"}


def test_an_unusable_dollar_value_falls_back_to_the_plain_spelling() -> None:
    found = extract_identifiers({"$email": None, "email": "plain@example.com"})
    assert found.get("email") == "plain@example.com"


def test_ranked_follows_lookup_order_email_phone_id_exchange() -> None:
    found = extract_identifiers(
        {"$exchange_id": "x.1", "id": "u1", "phone_number": "+4930123456", "email": "e@x.io"}
    )
    assert [kind for kind, _ in found.ranked()] == list(KINDS)
    assert KINDS == ("email", "phone", "external_id", "exchange_id")


def test_identifiers_are_stored_as_properties_under_their_dollar_names() -> None:
    stored = profile_properties(
        {"email": " Abe@Example.com ", "id": 42, "Plan": "Premium", "$city": None}
    )
    assert stored == {"$email": "abe@example.com", "$id": "42", "Plan": "Premium", "$city": None}


# --- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a@example.com", "a@example.com"),
        ("  Abe.Lincoln@Example.COM\n", "abe.lincoln@example.com"),
        ("not-an-email", None),
        ("", None),
        ("   ", None),
        (None, None),
        (42, None),
        (["a@example.com"], None),
    ],
)
def test_email_is_trimmed_and_lower_cased(raw: object, expected: str | None) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+13239169023", "+13239169023"),
        ("+1 (323) 916-9023", "+13239169023"),
        ("+44 20.7946.0958", "+442079460958"),
        ("3239169023", "3239169023"),
        (13239169023, "13239169023"),
        ("12345", None),
        ("+1234567890123456", None),
        ("+1 323 CALL NOW", None),
        ("", None),
        (True, None),
        (1.5, None),
        (None, None),
    ],
)
def test_phone_keeps_a_leading_plus_and_digits(raw: object, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_external_id_is_cut_to_64_characters() -> None:
    assert EXTERNAL_ID_MAX == 64
    assert normalize_external_id("x" * 100) == "x" * 64
    assert normalize_external_id("y" * 64) == "y" * 64
    assert normalize_external_id("  padded  ") == "padded"
    assert extract_identifiers({"$id": "z" * 65}).get("external_id") == "z" * 64


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(12345, "12345"), ("  ", None), ("", None), (None, None), (False, None), ({"a": 1}, None)],
)
def test_external_id_accepts_strings_and_integers_only(raw: object, expected: str | None) -> None:
    assert normalize_external_id(raw) == expected


# --- resolution ------------------------------------------------------------------------------


def ids(**values: str) -> Identifiers:
    return Identifiers(values)


def ref(profile_id: int, updated_at: float = 0.0, **values: str) -> ProfileRef:
    return ProfileRef(profile_id, ids(**values), updated_at)


def test_no_match_means_a_new_profile_with_the_incoming_identifiers() -> None:
    incoming = ids(email="a@x.io", external_id="7")
    resolution = resolve(incoming, {})
    assert resolution.target is None
    assert resolution.absorb == ()
    assert resolution.conflicts == ()
    assert resolution.identifiers == incoming


def test_a_single_match_is_the_target_and_gains_new_identifiers() -> None:
    profile = ref(1, email="a@x.io")
    resolution = resolve(ids(email="a@x.io", phone="+4930123456"), {"email": profile})
    assert resolution.target == 1
    assert resolution.absorb == ()
    assert resolution.conflicts == ()
    assert resolution.identifiers == ids(email="a@x.io", phone="+4930123456")


def test_a_newer_value_of_an_unowned_identifier_replaces_the_old_one() -> None:
    profile = ref(1, email="a@x.io", phone="+4930000000")
    resolution = resolve(ids(email="a@x.io", phone="+4930123456"), {"email": profile})
    assert resolution.identifiers.get("phone") == "+4930123456"


def test_two_profiles_tied_together_merge_into_the_highest_ranked_match() -> None:
    by_id = ref(1, updated_at=100.0, external_id="7")
    by_email = ref(2, updated_at=50.0, email="a@x.io")
    resolution = resolve(
        ids(email="a@x.io", external_id="7"), {"email": by_email, "external_id": by_id}
    )
    assert resolution.target == 2  # email outranks the external id, whatever the ages
    assert resolution.absorb == (by_id,)
    assert resolution.conflicts == ()
    assert resolution.identifiers == ids(email="a@x.io", external_id="7")


def test_absorbed_profiles_bring_their_other_identifiers_and_come_oldest_first() -> None:
    target = ref(1, email="a@x.io")
    by_phone = ref(2, updated_at=30.0, phone="+4930123456", exchange_id="k.1")
    by_id = ref(3, updated_at=10.0, external_id="7")
    resolution = resolve(
        ids(email="a@x.io", phone="+4930123456", external_id="7"),
        {"email": target, "phone": by_phone, "external_id": by_id},
    )
    assert resolution.target == 1
    assert resolution.absorb == (by_id, by_phone)
    assert resolution.identifiers == ids(
        email="a@x.io", phone="+4930123456", external_id="7", exchange_id="k.1"
    )


def test_one_profile_matched_by_several_identifiers_is_not_merged_with_itself() -> None:
    profile = ref(1, email="a@x.io", external_id="7")
    resolution = resolve(
        ids(email="a@x.io", external_id="7"), {"email": profile, "external_id": profile}
    )
    assert resolution.target == 1
    assert resolution.absorb == ()
    assert resolution.conflicts == ()


def test_different_values_of_one_kind_block_the_merge_and_report_a_conflict() -> None:
    by_email = ref(1, email="a@x.io")
    by_id = ref(2, external_id="7", email="b@x.io")
    resolution = resolve(
        ids(email="a@x.io", external_id="7", phone="+4930123456"),
        {"email": by_email, "external_id": by_id},
    )
    assert resolution.target == 1  # the payload goes to its highest-ranked identifier
    assert resolution.absorb == ()
    assert [(c.profile_id, c.kind) for c in resolution.conflicts] == [(2, "email")]
    # The external id stays with the profile that owns it; the unowned phone is taken.
    assert resolution.identifiers == ids(email="a@x.io", phone="+4930123456")


def test_the_conflict_names_the_highest_ranked_kind_that_clashes() -> None:
    target = ref(1, email="a@x.io", external_id="7")
    # Insertion order differs from rank order, as in a row updated earlier in the batch.
    other = ProfileRef(
        2, Identifiers({"external_id": "8", "phone": "+4930123456", "email": "b@x.io"}), 0.0
    )
    resolution = resolve(
        ids(email="a@x.io", phone="+4930123456"), {"email": target, "phone": other}
    )
    assert [(c.profile_id, c.kind) for c in resolution.conflicts] == [(2, "email")]


def test_a_conflict_with_one_profile_does_not_stop_a_merge_with_another() -> None:
    target = ref(1, email="a@x.io")
    clean = ref(2, phone="+4930123456")
    clashing = ref(3, external_id="7", email="b@x.io")
    resolution = resolve(
        ids(email="a@x.io", phone="+4930123456", external_id="7"),
        {"email": target, "phone": clean, "external_id": clashing},
    )
    assert resolution.absorb == (clean,)
    assert [c.profile_id for c in resolution.conflicts] == [3]
    assert resolution.identifiers == ids(email="a@x.io", phone="+4930123456")


# Hypothesis: a small world of profiles that respects the store's unique identifiers.

_VALUES = {
    "email": ["a@x.io", "b@x.io", "c@x.io"],
    "phone": ["+4930000001", "+4930000002", "+4930000003"],
    "external_id": ["1", "2", "3"],
    "exchange_id": ["k.1", "k.2", "k.3"],
}


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[ProfileRef], Identifiers]:
    """Profiles whose identifier values are unique per kind, and an incoming identifier set."""
    count = draw(st.integers(min_value=0, max_value=4))
    owners = {
        kind: draw(st.lists(st.sampled_from(range(count + 2)), min_size=3, max_size=3))
        for kind in KINDS
    }
    profiles = []
    for profile_id in range(count):
        values = {
            kind: _VALUES[kind][slot]
            for kind in KINDS
            for slot, owner in enumerate(owners[kind])
            if owner == profile_id
        }
        # A profile holds at most one value of each kind: keep the first.
        held: dict[str, str] = {}
        for kind, value in values.items():
            held.setdefault(kind, value)
        if held:
            profiles.append(ProfileRef(profile_id + 1, Identifiers(held), draw(st.floats(0, 1e9))))
    incoming = draw(st.dictionaries(st.sampled_from(KINDS), st.sampled_from(range(3)), min_size=1))
    return profiles, Identifiers({kind: _VALUES[kind][i] for kind, i in incoming.items()})


def _owner_of(profiles: list[ProfileRef], kind: str, value: str) -> ProfileRef | None:
    return next((p for p in profiles if p.identifiers.get(kind) == value), None)


@given(worlds())
def test_resolution_invariants(world: tuple[list[ProfileRef], Identifiers]) -> None:
    profiles, incoming = world
    matches = {
        kind: owner
        for kind, value in incoming.ranked()
        if (owner := _owner_of(profiles, kind, value)) is not None
    }
    resolution = resolve(incoming, matches)

    if not matches:
        assert resolution.target is None
        assert resolution.identifiers == incoming
        return
    # The payload goes to the profile of its highest-ranked matching identifier.
    first_kind = next(kind for kind, _ in incoming.ranked() if kind in matches)
    assert resolution.target == matches[first_kind].id
    # Every other matched profile is either absorbed or reported, never both.
    absorbed = {p.id for p in resolution.absorb}
    conflicting = {c.profile_id for c in resolution.conflicts}
    others = {p.id for p in matches.values()} - {resolution.target}
    assert absorbed | conflicting == others
    assert not absorbed & conflicting
    # Afterwards no identifier value is held by two surviving profiles.
    survivors = [p for p in profiles if p.id not in absorbed and p.id != resolution.target]
    for kind, value in resolution.identifiers.values.items():
        assert _owner_of(survivors, kind, value) is None
    # Every incoming identifier ends on the target unless a profile kept apart owns it.
    for kind, value in incoming.values.items():
        owner = matches.get(kind)
        if owner is None or owner.id not in conflicting:
            assert resolution.identifiers.get(kind) == value
    # Absorbed profiles never held a value that clashes with the target's own.
    target = next(p for p in profiles if p.id == resolution.target)
    for profile in resolution.absorb:
        for kind, value in profile.identifiers.values.items():
            assert target.identifiers.get(kind) in (None, value)


# --- merging properties ----------------------------------------------------------------------


def test_merged_properties_keep_every_key_and_the_newer_profile_wins_a_shared_one() -> None:
    merged = merge_properties(
        {"plan": "free", "$city": "Berlin", "only_target": 1},
        100.0,
        [({"plan": "premium", "only_old": True}, 50.0), ({"$city": "Paris"}, 150.0)],
    )
    assert merged == {
        "plan": "free",  # target (100) is newer than the first absorbed profile (50)
        "$city": "Paris",  # the second absorbed profile (150) is newer than the target
        "only_target": 1,
        "only_old": True,
    }


def test_merging_keeps_null_values_and_json_types() -> None:
    merged = merge_properties(
        {"tags": ["a"], "score": 1.5}, 2.0, [({"tags": None, "nested": {"k": [1]}}, 3.0)]
    )
    assert merged == {"tags": None, "score": 1.5, "nested": {"k": [1]}}


@given(
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=5),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=5),
    st.floats(0, 1e9),
    st.floats(0, 1e9),
)
def test_merge_newer_wins_every_shared_key(
    target: dict[str, int], other: dict[str, int], target_at: float, other_at: float
) -> None:
    merged = merge_properties(target, target_at, [(other, other_at)])
    assert merged.keys() == target.keys() | other.keys()
    newer, older = (other, target) if other_at > target_at else (target, other)
    for key, value in merged.items():
        assert value == (newer[key] if key in newer else older[key])


def test_identifier_properties_use_dollar_names() -> None:
    assert identifier_properties(ids(email="a@x.io", phone="+4930123456", external_id="7")) == {
        "$email": "a@x.io",
        "$phone_number": "+4930123456",
        "$id": "7",
    }
