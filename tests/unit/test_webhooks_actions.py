import pytest

from cairn.webhooks.actions import WebhookSpec, check_webhook


def test_metric_webhook() -> None:
    assert check_webhook(" https://hooks.example/x ", metric=" Placed Order ") == WebhookSpec(
        "https://hooks.example/x", metric="Placed Order"
    )


def test_segment_webhook_defaults_to_entry_and_exit() -> None:
    assert check_webhook("http://127.0.0.1:9/h", segment_id=4) == WebhookSpec(
        "http://127.0.0.1:9/h", segment_id=4, on_entry=True, on_exit=True
    )
    assert check_webhook("http://h/", segment_id=4, on=["exit"]).on_entry is False


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"url": "ftp://h/x", "metric": "M"}, "http(s) URL with a host"),
        ({"url": "https:///x", "metric": "M"}, "http(s) URL with a host"),
        ({"url": 5, "metric": "M"}, "at most 2000 characters"),
        ({"url": "https://h/x"}, "exactly one of metric"),
        ({"url": "https://h/x", "metric": "M", "segment_id": 1}, "exactly one of metric"),
        ({"url": "https://h/x", "metric": " "}, "metric must be a metric name"),
        ({"url": "https://h/x", "metric": "M", "on": ["entry"]}, "for segment webhooks only"),
        ({"url": "https://h/x", "segment_id": 1, "on": []}, "non-empty list"),
        ({"url": "https://h/x", "segment_id": 1, "on": ["enter"]}, '"entry" and "exit"'),
    ],
)
def test_bad_webhooks_are_refused_with_a_reason(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        check_webhook(**arguments)  # type: ignore[arg-type]
    assert message in str(raised.value)
