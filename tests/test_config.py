"""The server's hardened defaults in .streamlit/config.toml: a user who opens the app sees no traceback,
no developer toolbar and no upload bigger than a dataset needs, and the server sends nothing home."""

from __future__ import annotations

import tomllib

import pytest

from tests.conftest import ROOT

CONFIG_FILE = ROOT / ".streamlit" / "config.toml"
MAX_UPLOAD_MB = 50


@pytest.fixture(scope="module")
def config() -> dict:
    with CONFIG_FILE.open("rb") as handle:
        return tomllib.load(handle)


@pytest.mark.parametrize(
    ("section", "option", "expected"),
    [
        # Cross-site request forgery and cross-origin requests stay blocked.
        ("server", "enableXsrfProtection", True),
        ("server", "enableCORS", True),
        # Only this machine can reach a server started without options.
        ("server", "address", "127.0.0.1"),
        # Users see a friendly message, never a traceback with file paths or data.
        ("client", "showErrorDetails", "none"),
        # No "Deploy" button or developer menu for readers.
        ("client", "toolbarMode", "viewer"),
        # No usage statistics leave the machine.
        ("browser", "gatherUsageStats", False),
    ],
)
def test_hardened_setting(config, section, option, expected):
    assert config.get(section, {}).get(option) == expected, f"[{section}] {option} should be {expected!r}"


def test_upload_size_is_capped_small(config):
    size = config.get("server", {}).get("maxUploadSize")
    # Streamlit's default is 200 MB; a dataset of CSV and YAML files needs a fraction of that.
    assert isinstance(size, int), "[server] maxUploadSize is not set, so Streamlit's 200 MB default applies"
    assert 0 < size <= MAX_UPLOAD_MB
