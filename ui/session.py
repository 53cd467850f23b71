"""Open the library for one command and turn its known errors into one-line CLI messages."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click

from index.library import USER_ERRORS, Library


@contextmanager
def open_library(home: Path | None):
    library = None
    try:
        library = Library.open(home)
        yield library
    except USER_ERRORS as e:
        raise click.ClickException(str(e)) from e
    finally:
        if library is not None:
            library.close()
