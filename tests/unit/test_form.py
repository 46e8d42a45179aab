from urllib.parse import parse_qsl, quote_plus

from hypothesis import given
from hypothesis import strategies as st

from cairn.ingest.form import form_pairs, unquote_plus


def reference(text: bytes) -> list[tuple[bytes, bytes]]:
    """What the standard library makes of a form, back in bytes."""
    pairs = parse_qsl(
        text.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="surrogateescape"
    )
    return [
        (k.encode("utf-8", "surrogateescape"), v.encode("utf-8", "surrogateescape"))
        for k, v in pairs
    ]


def test_a_form_posted_by_the_legacy_sdks_decodes_to_its_json() -> None:
    raw = '{"token": "AbC123", "event": "Ordered", "properties": {"$value": 9.5, "n": "a+b&c"}}'
    body = f"data={quote_plus(raw)}&i=1".encode()
    assert list(form_pairs(body)) == [(b"data", raw.encode()), (b"i", b"1")]


def test_plus_is_a_space_and_an_escaped_plus_is_a_plus() -> None:
    assert unquote_plus(b"a+b%2Bc") == b"a b+c"


def test_utf8_escapes_become_the_utf8_bytes() -> None:
    assert unquote_plus(quote_plus("Zoë €").encode()) == "Zoë €".encode()


def test_backslashes_are_kept_literally() -> None:
    assert unquote_plus(b"a\\x41%5Cx42\\") == b"a\\x41\\x42\\"


def test_malformed_escapes_stay_as_sent() -> None:
    assert unquote_plus(b"100%") == b"100%"
    assert unquote_plus(b"%zz%41%4") == b"%zzA%4"


def test_fields_without_value_and_empty_fields() -> None:
    pairs = list(form_pairs(b"test&&data=&i=1=2"))
    assert pairs == [(b"test", b""), (b"data", b""), (b"i", b"1=2")]


def test_names_are_decoded_too() -> None:
    assert list(form_pairs(b"d%61ta=x")) == [(b"data", b"x")]


form_bytes = st.lists(
    st.one_of(
        st.sampled_from(
            [b"%", b"+", b"&", b"=", b"\\", b"\\x", b"%4", b"%41", b"%e2%82%ac", b"%zz"]
        ),
        st.text(st.characters(max_codepoint=127), max_size=4).map(str.encode),
    ),
    max_size=30,
).map(b"".join)


def test_raw_utf8_sent_unescaped_is_kept_as_sent() -> None:
    # curl --data 'data={"name":"Zoë"}' sends UTF-8 as is; it must not be read as Latin-1.
    sent = '{"name":"Zoë"}'.encode()
    assert list(form_pairs(b"data=" + sent)) == [(b"data", sent)]


@given(form_bytes)
def test_same_fields_as_the_standard_library_on_ascii(text: bytes) -> None:
    assert list(form_pairs(text)) == reference(text)
