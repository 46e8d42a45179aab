import gzip
from pathlib import Path

import pytest

from cairn.dataio.sources import RowReader, detect_format, fingerprint


def test_jsonl_rows_skip_blank_lines_and_flag_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\nnot json\n[1]\n{"a": 2}\n')
    with RowReader(path, "jsonl") as reader:
        rows = list(reader.rows())
        assert reader.position == path.stat().st_size
    assert [(r.number, r.values, r.problem) for r in rows] == [
        (1, {"a": 1}, None),
        (2, None, "data is not valid JSON"),
        (3, None, "payload is not a JSON object"),
        (4, {"a": 2}, None),
    ]


def test_csv_rows_drop_empty_cells_and_read_gzip(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv.gz"
    with gzip.open(path, "wt", newline="") as file:
        file.write(
            '\ufeffemail,event,note\r\na@x.com,A,\r\nb@x.com,B,hi,extra\r\nc@x.com,C,"x,y"\r\n'
        )
    assert detect_format(path) == "csv"
    with RowReader(path, "csv") as reader:
        rows = list(reader.rows(skip=0))
    assert [(r.number, r.values, r.problem) for r in rows] == [
        (1, {"email": "a@x.com", "event": "A"}, None),
        (2, None, "row has more cells than the header"),
        (3, {"email": "c@x.com", "event": "C", "note": "x,y"}, None),
    ]


def test_skipping_resumes_after_the_given_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.ndjson"
    path.write_text("".join(f'{{"n": {i}}}\n' for i in range(1, 6)))
    with RowReader(path, detect_format(path)) as reader:
        assert [r.values for r in reader.rows(skip=3)] == [{"n": 4}, {"n": 5}]


def test_format_detection_and_fingerprint(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--format"):
        detect_format(tmp_path / "rows.txt")
    assert detect_format(tmp_path / "rows.txt", "csv") == "csv"
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    one.write_text('{"a": 1}\n')
    two.write_text('{"a": 2}\n')
    assert fingerprint(one) != fingerprint(two)
    assert fingerprint(one) == fingerprint(one)
