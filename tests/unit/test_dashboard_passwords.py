import pytest

from cairn.dashboard.passwords import check_password, fingerprint, hash_password, verify_password


def test_a_password_verifies_against_its_hash_only() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)


def test_hashes_are_salted() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_a_malformed_hash_verifies_nothing() -> None:
    assert not verify_password("anything", "not-a-hash")
    assert not verify_password("anything", "bcrypt$1$2$3$4$5")


def test_fingerprint_changes_with_the_hash() -> None:
    assert fingerprint(hash_password("one password")) != fingerprint(hash_password("one password"))


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        check_password("short")
