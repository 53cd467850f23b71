"""Every setting of an archive home in one table, read from the environment in one place.

The edges resolve them once — the `baogao` group for a command, the page when it starts, the
first-start loader — and pass the `Settings` down; nothing below reads the environment.
An option given on the command line wins over the environment, which wins over the default.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

Setting = namedtuple("Setting", ("name", "env", "help"))

SETTINGS = (
    Setting("home", "BAOGAO_HOME", "the archive home folder (default: the XDG data folder)"),
    Setting("model", "BAOGAO_MODEL", "a sentence-transformers model folder instead of the default"),
    Setting("vector_store", "BAOGAO_VECTOR_STORE", "faiss (default) or a Milvus URI"),
    Setting("milvus_token", "BAOGAO_MILVUS_TOKEN", "a Milvus password or API key, never saved"),
    Setting("max_upload_mb", "BAOGAO_MAX_UPLOAD_MB", "the largest file `add` and the page take"),
)
MAX_FILE_MB = 50  # the default size limit of an added or uploaded file


def default_home(environ: Mapping[str, str]) -> Path:
    """BAOGAO_HOME if set, else the XDG data folder."""
    if environ.get("BAOGAO_HOME"):
        return Path(environ["BAOGAO_HOME"]).expanduser()
    data = environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "baogao"


def _size_mb(value: str | int | None) -> int:
    """A size limit in MB: a whole number, at least 1; anything else is the default."""
    try:
        return max(1, int(value)) if value not in (None, "") else MAX_FILE_MB
    except ValueError:
        return MAX_FILE_MB


@dataclass(frozen=True)
class Settings:
    """The settings in force for one command or one page server."""

    home: Path
    model: str | None = None  # None: the default model (index/embedder.py)
    vector_store: str = "faiss"
    milvus_token: str = field(default="", repr=False)  # a secret: never printed or saved
    max_upload_mb: int = MAX_FILE_MB

    @classmethod
    def resolve(cls, environ: Mapping[str, str] | None = None, **given) -> Settings:
        """Options given (None: not given) over the environment over the defaults."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in given.items() if v not in (None, "")}
        unknown = set(given) - {s.name for s in SETTINGS}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        return cls(
            home=Path(given["home"]).expanduser() if "home" in given else default_home(env),
            model=str(given.get("model") or env.get("BAOGAO_MODEL") or "") or None,
            vector_store=(given.get("vector_store") or env.get("BAOGAO_VECTOR_STORE") or "faiss").strip(),
            milvus_token=given.get("milvus_token") or env.get("BAOGAO_MILVUS_TOKEN") or "",
            max_upload_mb=_size_mb(given.get("max_upload_mb") or env.get("BAOGAO_MAX_UPLOAD_MB")),
        )

    def with_home(self, home: Path | str | None) -> Settings:
        """The same settings for another home (a command's --home); None keeps this one."""
        return self if home in (None, "") else replace(self, home=Path(home).expanduser())

    @property
    def max_bytes(self) -> int:
        return self.max_upload_mb * 2**20

    def environ(self) -> dict[str, str]:
        """The settings as environment variables, for a process started with them (the page)."""
        values = {
            "BAOGAO_HOME": str(self.home),
            "BAOGAO_MODEL": self.model or "",
            "BAOGAO_VECTOR_STORE": self.vector_store,
            "BAOGAO_MILVUS_TOKEN": self.milvus_token,
            "BAOGAO_MAX_UPLOAD_MB": str(self.max_upload_mb),
        }
        return {k: v for k, v in values.items() if v}
