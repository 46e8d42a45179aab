import hashlib
import hmac

from cairn.webhooks.signing import new_secret, sign, verify


def test_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = b'{"type":"event"}'
    expected = hmac.new(b"whsec_abc", body, hashlib.sha256).hexdigest()
    assert sign("whsec_abc", body) == f"sha256={expected}"


def test_receivers_verify_and_reject_tampering() -> None:
    secret = new_secret()
    signature = sign(secret, b"payload")
    assert verify(secret, b"payload", signature)
    assert not verify(secret, b"payload!", signature)
    assert not verify(new_secret(), b"payload", signature)


def test_secrets_are_distinct_and_prefixed() -> None:
    first, second = new_secret(), new_secret()
    assert first != second and first.startswith("whsec_") and len(first) == 54
