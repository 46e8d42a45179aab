import pytest

from cairn.api import ids


@pytest.mark.parametrize("kind", sorted(ids.KINDS))
@pytest.mark.parametrize("number", [1, 2, 77, 10**6, 10**11, ids.MAX_ID])
def test_every_kind_round_trips(kind: str, number: int) -> None:
    text = ids.encode(kind, number)
    assert len(text) == ids.WIDTH
    assert ids.decode(kind, text) == number


def test_an_id_of_one_kind_does_not_decode_as_another() -> None:
    text = ids.encode("list", 5)
    assert ids.decode("metric", text) is None
    assert ids.decode("segment", text) is None


def test_neighbouring_ids_share_no_obvious_pattern() -> None:
    first, second = ids.encode("person", 1), ids.encode("person", 2)
    assert first[:3] != second[:3]


@pytest.mark.parametrize("text", ["", "abc", "abcdefgh", "abc-def", "ABCDEF!", "0000000"])
def test_garbage_decodes_to_none(text: str) -> None:
    assert ids.decode("person", text) is None


def test_out_of_range_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        ids.encode("metric", 0)
    with pytest.raises(ValueError):
        ids.encode("metric", ids.MAX_ID + 1)
