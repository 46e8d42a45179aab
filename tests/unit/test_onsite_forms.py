import pytest

from cairn.onsite.forms import (
    BACK_IN_STOCK_METRIC,
    BAD_EMAIL,
    SUBSCRIBE_METRIC,
    FormError,
    check_back_in_stock,
    check_contact,
    check_email,
    check_list_signup,
)


def fields(**values: str | list[str]) -> dict[str, list[str]]:
    return {key: value if isinstance(value, list) else [value] for key, value in values.items()}


@pytest.mark.parametrize("email", ["a@b.co", " Ann.Lee+shop@Example.COM ", "x@sub.domain.org"])
def test_check_email_accepts_and_normalizes(email: str) -> None:
    assert check_email(email) == email.strip().lower()


@pytest.mark.parametrize(
    "email", ["", "ann", "ann@", "@example.com", "ann@example", "a b@c.de", "a@b@c.de", "a@b."]
)
def test_check_email_refuses(email: str) -> None:
    with pytest.raises(FormError) as error:
        check_email(email)
    assert error.value.message == BAD_EMAIL


def test_contact_needs_an_email_or_a_phone() -> None:
    assert check_contact(fields(email="A@B.co")) == {"$email": "a@b.co"}
    assert check_contact(fields(phone_number="+1 (323) 916-9023")) == {
        "$phone_number": "+13239169023"
    }
    with pytest.raises(FormError, match="valid email"):
        check_contact(fields())
    with pytest.raises(FormError, match="valid phone"):
        check_contact(fields(phone_number="call me"))


def test_back_in_stock_event() -> None:
    subscription = check_back_in_stock(
        fields(
            a="Pk1234", email="Buyer@Example.com", variant="V-10", product="P-1", store="s.example"
        )
    )
    assert subscription.event() == {
        "token": "Pk1234",
        "event": BACK_IN_STOCK_METRIC,
        "customer_properties": {"$email": "buyer@example.com"},
        "properties": {
            "variant": "V-10",
            "product": "P-1",
            "platform": "api",
            "store": "s.example",
        },
    }


def test_back_in_stock_by_sms_records_consent() -> None:
    subscription = check_back_in_stock(
        fields(a="Pk1234", phone_number="+15550001111", variant="V-10", sms_consent="true")
    )
    event = subscription.event()
    assert event["customer_properties"] == {"$phone_number": "+15550001111"}
    assert event["properties"]["sms_consent"] is True


def test_back_in_stock_uses_the_last_value_of_a_repeated_field() -> None:
    subscription = check_back_in_stock(fields(a="Pk1234", email="a@b.co", variant=["V-1", "V-2"]))
    assert subscription.variant == "V-2"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"email": "a@b.co", "variant": "V"}, "public key \\(a\\) is required"),
        ({"a": "Pk1234", "variant": "V"}, "valid email"),
        ({"a": "Pk1234", "email": "not-an-email", "variant": "V"}, "valid email"),
        ({"a": "Pk1234", "email": "a@b.co"}, "variant is required"),
        (
            {"a": "Pk1234", "email": "a@b.co", "variant": "V", "product": "p" * 2001},
            "product is longer",
        ),
    ],
)
def test_back_in_stock_refuses(given: dict[str, str], message: str) -> None:
    with pytest.raises(FormError, match=message):
        check_back_in_stock(fields(**given))


def test_list_signup_stores_every_form_field_on_the_profile() -> None:
    signup = check_list_signup(
        fields(
            g="AbC1234",
            email="New@Example.com",
            first_name="Ann",
            **{"$source": "footer", "$consent": ["email", "sms"], "interests": ["hiking", "ski"]},
        )
    )
    assert signup.public_key is None
    assert signup.profile() == {
        "$email": "new@example.com",
        "first_name": "Ann",
        "$source": "footer",
        "$consent": ["email", "sms"],
        "interests": ["hiking", "ski"],
    }
    assert signup.event("Pk1234", 1_700_000_000.5) == {
        "token": "Pk1234",
        "event": SUBSCRIBE_METRIC,
        "customer_properties": {"$email": "new@example.com"},
        "properties": {"list": "AbC1234", "$event_id": "AbC1234:1700000000"},
    }


def test_list_signup_fields_name_what_is_stored_where() -> None:
    signup = check_list_signup(
        fields(
            g="AbC1234",
            a="Pk1234",
            email="a@b.co",
            first_name="Ann",
            newsletter_only="x",
            **{"$fields": "first_name, $consent", "$list_fields": "$consent", "$consent": "email"},
        )
    )
    assert signup.public_key == "Pk1234"
    assert signup.properties == {"first_name": "Ann", "$consent": ["email"]}
    assert signup.list_properties == {"$consent": ["email"]}
    assert signup.event("Pk1234", 1_700_000_000)["properties"] == {
        "list": "AbC1234",
        "$consent": ["email"],
        "$event_id": "AbC1234:1700000000",
    }


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"email": "a@b.co"}, "list \\(g\\) is required"),
        ({"g": "AbC1234", "email": "nope"}, "valid email"),
        ({"g": "AbC1234"}, "valid email"),
        (
            {"g": "AbC1234", "email": "a@b.co", "$fields": ",".join(f"f{i}" for i in range(101))},
            "more than 100",
        ),
    ],
)
def test_list_signup_refuses(given: dict[str, str], message: str) -> None:
    with pytest.raises(FormError, match=message):
        check_list_signup(fields(**given))
