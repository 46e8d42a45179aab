import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_GZIPPED_BYTES = 5 * 1024


def test_committed_tracker_is_built_from_the_source_and_small() -> None:
    """scripts/build_tracker.py --check: the served file is the minified source, byte for byte."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/build_tracker.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout
    match = re.search(r"tracker: (\d+) bytes, (\d+) bytes gzipped", result.stdout)
    assert match is not None
    assert int(match[2]) <= MAX_GZIPPED_BYTES
