"""The README's configuration table, against the settings the code knows."""

from pathlib import Path

from cairn.config_file import OPTIONS


def test_the_readme_table_lists_every_setting() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    missing = [o.name for o in OPTIONS if f"| `{o.name}` / `{o.flag}` | `{o.env}` |" not in readme]
    assert missing == []
