"""One settings object: options over the environment over defaults, read in one place."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.settings import MAX_FILE_MB, SETTINGS, Settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_environment(tmp_path):
    s = Settings.resolve({"XDG_DATA_HOME": str(tmp_path)})
    assert s == Settings(tmp_path / "baogao", None, "faiss", "", MAX_FILE_MB)


def test_options_win_over_the_environment_which_wins_over_defaults(tmp_path):
    env = {"BAOGAO_HOME": str(tmp_path / "env"), "BAOGAO_MODEL": "/m/env",
           "BAOGAO_VECTOR_STORE": "milvus", "BAOGAO_MAX_UPLOAD_MB": "7"}
    from_env = Settings.resolve(env)
    assert (from_env.home, from_env.model, from_env.vector_store, from_env.max_upload_mb) == (
        tmp_path / "env", "/m/env", "milvus", 7)
    given = Settings.resolve(env, home=tmp_path / "opt", model="/m/opt", vector_store="faiss")
    assert (given.home, given.model, given.vector_store) == (tmp_path / "opt", "/m/opt", "faiss")
    assert given.with_home(None) is given and given.with_home(tmp_path).home == tmp_path


@pytest.mark.parametrize("value,mb", [("0", 1), ("-3", 1), ("many", MAX_FILE_MB), ("", MAX_FILE_MB)])
def test_a_bad_upload_limit_falls_back(value, mb):
    assert Settings.resolve({"BAOGAO_MAX_UPLOAD_MB": value, "BAOGAO_HOME": "/h"}).max_upload_mb == mb


def test_unknown_options_are_refused():
    with pytest.raises(TypeError, match="colour"):
        Settings.resolve({}, colour="red")


def test_settings_survive_the_trip_to_a_child_process_environment(tmp_path):
    s = Settings(tmp_path, "/m", "milvus://h:19530", "secret", 9)
    assert Settings.resolve(s.environ()) == s
    assert "secret" not in repr(s)


def test_the_cli_resolves_settings_once_and_leaves_the_environment_alone(tmp_path, monkeypatch):
    from ui.cli import cli

    monkeypatch.delenv("BAOGAO_VECTOR_STORE", raising=False)
    result = CliRunner().invoke(cli, ["--vector-store", "faiss", "path", "--home", str(tmp_path)])
    assert result.exit_code == 0 and result.output.strip() == str(tmp_path)
    assert "BAOGAO_VECTOR_STORE" not in os.environ
    refused = CliRunner().invoke(cli, ["path"], env={"BAOGAO_VECTOR_STORE": "qdrant://x"})
    assert refused.exit_code != 0 and "unknown vector store" in refused.output


READ = re.compile(r"""(?:environ\.get\(|environ\[|getenv\(|envvar=)\s*["'](BAOGAO_\w+)""")


def test_no_module_but_the_settings_reads_a_setting_from_the_environment():
    names = {s.env for s in SETTINGS}
    readers = {}
    for path in sorted((ROOT / "archive").rglob("*.py")) + sorted((ROOT / "index").rglob("*.py")) \
            + sorted((ROOT / "ui").rglob("*.py")):
        for name in READ.findall(path.read_text("utf-8")):
            if name in names:
                readers.setdefault(name, set()).add(path.relative_to(ROOT).as_posix())
    assert all(files == {"archive/settings.py"} for files in readers.values()), readers
