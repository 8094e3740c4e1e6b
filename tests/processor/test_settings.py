"""`python -m processor_sandbox` reads its settings from the environment, or says which is wrong."""
from pathlib import Path

import pytest

from processor_sandbox.__main__ import (DEFAULT_DB, DEFAULT_DELAY_SECONDS, DEFAULT_PORT, ROOT, Settings,
                                        settings_from)

KEY = {"PROCESSOR_SANDBOX_SECRET_KEY": "k" * 16}


def test_defaults():
    assert settings_from(KEY) == Settings("k" * 16, "127.0.0.1", DEFAULT_PORT, DEFAULT_DB,
                                          ("http://127.0.0.1:8000", "http://localhost:8000"), DEFAULT_DELAY_SECONDS)


def test_every_setting(tmp_path):
    settings = settings_from(dict(KEY, PROCESSOR_SANDBOX_PORT="9100", PROCESSOR_SANDBOX_HOST="0.0.0.0",
                                  PROCESSOR_SANDBOX_DB=str(tmp_path / "s.sqlite3"), PROCESSOR_SANDBOX_DELAY_SECONDS="0",
                                  PROCESSOR_SANDBOX_FRAME_ANCESTORS="https://portal.example.com  http://[::1]:8000"))
    assert settings == Settings("k" * 16, "0.0.0.0", 9100, tmp_path / "s.sqlite3",
                                ("https://portal.example.com", "http://[::1]:8000"), 0.0)


def test_a_relative_file_is_under_the_repository():
    assert settings_from(dict(KEY, PROCESSOR_SANDBOX_DB="var/x.sqlite3")).db_path == ROOT / "var" / "x.sqlite3"
    assert ROOT == Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("env, words", [
    ({}, "PROCESSOR_SANDBOX_SECRET_KEY"), ({"PROCESSOR_SANDBOX_SECRET_KEY": "short"}, "at least 16"),
    (dict(KEY, PROCESSOR_SANDBOX_PORT="http"), "PROCESSOR_SANDBOX_PORT"),
    (dict(KEY, PROCESSOR_SANDBOX_PORT="70000"), "PROCESSOR_SANDBOX_PORT"),
    (dict(KEY, PROCESSOR_SANDBOX_DELAY_SECONDS="-1"), "PROCESSOR_SANDBOX_DELAY_SECONDS"),
    (dict(KEY, PROCESSOR_SANDBOX_DELAY_SECONDS="soon"), "PROCESSOR_SANDBOX_DELAY_SECONDS"),
    (dict(KEY, PROCESSOR_SANDBOX_FRAME_ANCESTORS="'self'"), "is not an origin"),
    (dict(KEY, PROCESSOR_SANDBOX_FRAME_ANCESTORS="https://portal.example.com/p/demo"), "is not an origin"),
    (dict(KEY, PROCESSOR_SANDBOX_FRAME_ANCESTORS="portal.example.com"), "is not an origin"),
])
def test_a_wrong_setting_is_named(env, words):
    with pytest.raises(ValueError, match=words):
        settings_from(env)
