"""Docs that cannot drift: every command and option of the CLI appears in README.md."""

from pathlib import Path

import click
import pytest

from ui.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_is_documented(name):
    assert f"baogao {name}" in README


@pytest.mark.parametrize(
    ("name", "option"),
    [
        (name, opt)
        for name, command in sorted(cli.commands.items())
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt not in ("--help", "--home")
    ],
)
def test_option_is_documented(name, option):
    assert option in README, f"baogao {name} {option} is not in README.md"


def test_home_and_json_shape_are_documented():
    assert "--home DIR" in README and "BAOGAO_HOME" in README
    for key in ('"figure"', '"sentence"', '"citation"', '"section_path"', '"passages"', '"char_start"'):
        assert key in README
