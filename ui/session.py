"""Open the library for one command and turn its known errors into one-line CLI messages."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import click

from archive.disk import DAMAGED_FIX
from archive.settings import Settings
from index.library import USER_ERRORS, Library


@contextmanager
def open_library(settings: Settings):
    """The library the command's settings describe, closed after; known errors in one line."""
    library = None
    try:
        library = Library.from_settings(settings)
        yield library
    except USER_ERRORS as e:
        raise click.ClickException(str(e)) from e
    except sqlite3.DatabaseError as e:  # a damaged page met while reading (malformed image)
        raise click.ClickException(f"the archive is damaged (SQLite: {e}): {DAMAGED_FIX}") from e
    finally:
        if library is not None:
            library.close()
