from pathlib import Path

import pytest

from cairn.config_file import OPTIONS, load_config_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cairn.toml"
    path.write_text(text)
    return path


def test_a_config_file_gives_settings_by_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, 'port = 9000\nlog-level = "debug"\nready_max_lag = 5\nno_worker = true\n'
    )
    assert load_config_file(path) == {
        "port": 9000,
        "log_level": "debug",
        "ready_max_lag": 5,
        "no_worker": True,
    }


def test_unknown_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown setting 'prot'"):
        load_config_file(write(tmp_path, "prot = 9000\n"))


def test_types_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="port must be int"):
        load_config_file(write(tmp_path, 'port = "9000"\n'))
    with pytest.raises(ValueError, match="port must be int"):
        load_config_file(write(tmp_path, "port = true\n"))


def test_bad_toml_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not valid TOML"):
        load_config_file(write(tmp_path, "port = \n"))
    with pytest.raises(ValueError, match="cannot read"):
        load_config_file(tmp_path / "absent.toml")


def test_every_setting_has_an_environment_variable_and_a_flag() -> None:
    names = {option.name for option in OPTIONS}
    assert {"database_url", "port", "log_level", "ready_max_lag"} <= names
    assert all(option.env == "CAIRN_" + option.name.upper() for option in OPTIONS)
    assert next(o for o in OPTIONS if o.name == "ready_max_lag").flag == "--ready-max-lag"
