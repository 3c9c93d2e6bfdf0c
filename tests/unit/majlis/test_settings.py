"""majlis/settings.py: defaults, environment, TOML file, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from majlis.settings import Settings, SettingsError, load_settings


def test_defaults_bind_loopback_8443_with_sqlite_in_data_dir() -> None:
    settings = load_settings()

    assert (settings.host, settings.port) == ("127.0.0.1", 8443)
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("/data/majlis.db")
    assert settings.base_url == "https://127.0.0.1:8443"


def test_environment_variables_override_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAJLIS_HOST", "::1")
    monkeypatch.setenv("MAJLIS_PORT", "9443")
    monkeypatch.setenv("MAJLIS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MAJLIS_TLS_HOSTNAMES", "majlis.example, 10.0.0.5")

    settings = load_settings()

    assert settings.port == 9443
    assert settings.data_dir == tmp_path
    assert settings.certs_dir == tmp_path / "certs"
    assert settings.tls_hostnames == ["majlis.example", "10.0.0.5"]
    assert settings.base_url == "https://[::1]:9443"


def test_toml_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "majlis.toml"
    config.write_text('port = 7443\nlog_level = "DEBUG"\n')
    monkeypatch.setenv("MAJLIS_CONFIG", str(config))
    monkeypatch.setenv("MAJLIS_PORT", "6443")

    settings = load_settings()

    assert settings.log_level == "DEBUG"
    assert settings.port == 6443


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MAJLIS_PORT", "abc"), ("MAJLIS_PORT", "70000"), ("MAJLIS_LOG_LEVEL", "LOUD")],
)
def test_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(SettingsError) as raised:
        load_settings()

    message = str(raised.value)
    assert "\n" not in message
    assert variable in message
    assert repr(value) in message


def test_the_video_capture_is_for_development_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().dev_capture_video is False  # never on by default
    monkeypatch.setenv("MAJLIS_DEV_CAPTURE_VIDEO", "1")
    with pytest.raises(SettingsError, match="MAJLIS_DEV_CAPTURE_VIDEO needs MAJLIS_DEV"):
        load_settings()
    monkeypatch.setenv("MAJLIS_DEV", "1")
    assert load_settings().dev_capture_video is True


def test_unknown_key_in_toml_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "majlis.toml"
    config.write_text("prot = 7443\n")
    monkeypatch.setenv("MAJLIS_CONFIG", str(config))

    with pytest.raises(SettingsError, match="prot"):
        load_settings()


def test_malformed_toml_file_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "majlis.toml"
    config.write_text("port = = 1\n")
    monkeypatch.setenv("MAJLIS_CONFIG", str(config))

    with pytest.raises(SettingsError, match="MAJLIS_CONFIG"):
        load_settings()


def test_every_setting_is_documented() -> None:
    documented = (Path(__file__).parents[3] / "docs" / "CONFIGURATION.md").read_text()

    for name in Settings.model_fields:
        assert f"`MAJLIS_{name.upper()}`" in documented, name
