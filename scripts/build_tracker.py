"""Build the production tracker: minify the readable source with rjsmin (a pinned dev dependency).

    .venv/bin/python scripts/build_tracker.py           # rewrite src/cairn/onsite/static/klaviyo.js
    .venv/bin/python scripts/build_tracker.py --check   # exit 1 if the committed copy is stale

Both print the built size, raw and gzipped.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import rjsmin

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src/cairn/onsite/js/learnq.js"
TARGET = ROOT / "src/cairn/onsite/static/klaviyo.js"


def build() -> bytes:
    minified: str = rjsmin.jsmin(SOURCE.read_text(encoding="utf-8"), keep_bang_comments=True)
    return (minified.strip() + "\n").encode("utf-8")


def main(argv: list[str]) -> int:
    built = build()
    print(f"tracker: {len(built)} bytes, {len(gzip.compress(built, 9))} bytes gzipped")
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_bytes() != built:
            print(f"{TARGET.relative_to(ROOT)} is stale: run scripts/build_tracker.py")
            return 1
        return 0
    TARGET.write_bytes(built)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
