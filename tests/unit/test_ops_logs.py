import logging

import orjson

from cairn.ops.logs import JsonFormatter, scrub


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord("cairn.test", logging.WARNING, __file__, 1, message, args, None)
    entry.__dict__.update(extra)
    return entry


def test_one_json_object_with_level_logger_message_and_extras() -> None:
    line = JsonFormatter().format(record("refused %s", "track", reason="token is unknown"))
    entry = orjson.loads(line)
    assert entry["level"] == "warning"
    assert entry["logger"] == "cairn.test"
    assert entry["message"] == "refused track"
    assert entry["reason"] == "token is unknown"
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line


def test_private_keys_and_api_key_parameters_are_scrubbed() -> None:
    key = "pk_0123456789abcdef0123456789abcdef01"
    line = JsonFormatter().format(record("GET /x?api_key=%s&page=1", key, detail=f"key {key}"))
    assert key not in line
    assert "0123456789abcdef" not in line
    assert "page=1" in line


def test_scrub_leaves_ordinary_text_alone() -> None:
    assert scrub("GET /api/v1/metrics 200") == "GET /api/v1/metrics 200"
    assert scrub('{"api-key": "secret"}') == '{"api-key": "[redacted]"}'
