"""The options every command shares, and the settings the `baogao` group resolves once.

Cheap to import: `baogao --help`, `path` and `list` load nothing more for them.
"""

from __future__ import annotations

from pathlib import Path

import click

from archive.settings import Settings


def home_option(fn):
    return click.option(
        "--home",
        type=click.Path(file_okay=False, path_type=Path),
        help="Archive home folder (default: $BAOGAO_HOME or ~/.local/share/baogao).",
    )(fn)


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(fn)


def resolve_settings(vector_store: str | None) -> Settings:
    """The group's --vector-store over the environment over defaults; a backend that cannot
    be used is refused here, in one line, before any command runs."""
    settings = Settings.resolve(vector_store=vector_store)
    if settings.vector_store != "faiss":
        from index.vectors.factory import BackendMissing, parse_setting

        try:
            parse_setting(settings.vector_store, Path.cwd())
        except BackendMissing as e:  # a well-formed setting: one line, no usage text
            raise click.ClickException(str(e)) from e
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--vector-store") from e
    return settings


def command_settings(home: Path | None) -> Settings:
    """The settings the `baogao` group resolved, for this command's --home."""
    ctx = click.get_current_context(silent=True)
    resolved = ctx.find_root().obj if ctx is not None else None
    return (resolved if isinstance(resolved, Settings) else Settings.resolve()).with_home(home)
