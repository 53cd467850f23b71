"""Who may change the archive through the page, and which hosts the server answers.

On localhost the page is the user's own: every action is open. Listening beyond it, write
actions (upload, edit, remove, rebuild, repair) need a token that comes from the environment
or a file — never the command line, where `ps` shows it; without one the page starts
read-only and says so. The Host allow-list (against DNS rebinding), XSRF and CORS are set on
the command line, so no `.streamlit/config.toml` in the current folder can loosen them.
"""

from __future__ import annotations

import hmac
import os
import socket
from dataclasses import dataclass
from pathlib import Path

TOKEN_ENV = "BAOGAO_TOKEN"
TOKEN_FILE_ENV = "BAOGAO_TOKEN_FILE"
HOSTS_ENV = "BAOGAO_ALLOWED_HOSTS"
POLICY_ENV = "BAOGAO_WRITE_POLICY"  # set by `serve` for the page: open | token | read-only
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MIN_TOKEN_CHARS = 16


class ExposureError(ValueError):
    """The token setting cannot be used (an unreadable file, a token too short)."""


@dataclass(frozen=True)
class Policy:
    """How the page treats write actions, and the line `serve` prints about it."""

    mode: str  # open | token | read-only
    token: str | None
    message: str


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS or host.startswith("127.")


def read_token() -> str | None:
    """$BAOGAO_TOKEN, else the first line of the file $BAOGAO_TOKEN_FILE names."""
    token = os.environ.get(TOKEN_ENV)
    if not token and (path := os.environ.get(TOKEN_FILE_ENV)):
        try:
            token = Path(path).expanduser().read_text("utf-8").strip().splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError) as e:
            raise ExposureError(f"cannot read the token file {path}: {e}") from e
    token = (token or "").strip()
    if token and len(token) < MIN_TOKEN_CHARS:
        raise ExposureError(f"the write token must have at least {MIN_TOKEN_CHARS} characters")
    return token or None


def policy(host: str) -> Policy:
    """Open on localhost; beyond it, a token if one is set, else read-only."""
    if is_local(host):
        return Policy(
            "open", None, "write actions are open (the page listens on this machine only)"
        )
    token = read_token()
    if token:
        return Policy("token", token, "write actions in the page need the token")
    return Policy(
        "read-only",
        None,
        f"listening on {host} with no token: the page is read-only "
        f"(set {TOKEN_ENV} or {TOKEN_FILE_ENV} to allow uploads, edits and rebuilds)",
    )


def allowed_hosts(host: str) -> list[str]:
    """Host names the server answers: this machine's, the bind address, and $BAOGAO_ALLOWED_HOSTS."""
    names = list(LOCAL_HOSTS)
    if host not in ("0.0.0.0", "::", ""):
        names.append(host)
    if not is_local(host):
        names += [socket.gethostname(), socket.getfqdn()]
    names += [h.strip() for h in os.environ.get(HOSTS_ENV, "").split(",") if h.strip()]
    return list(dict.fromkeys(names))


def streamlit_flags(host: str) -> list[str]:
    """Security settings stated on the command line, where they beat any config file."""
    hosts = [flag for name in allowed_hosts(host) for flag in ("--server.allowedHosts", name)]
    return ["--server.enableXsrfProtection", "true", "--server.enableCORS", "true", *hosts]


def server_env(p: Policy) -> dict[str, str]:
    """What the page process needs to know (the token travels in its environment only)."""
    env = {POLICY_ENV: p.mode}
    if p.token:
        env[TOKEN_ENV] = p.token
    return env


# -- in the page ------------------------------------------------------------------------------


def page_mode() -> str:
    """The policy `serve` chose; a page run some other way (AppTest, `streamlit run`) is open
    unless told otherwise, as it listens where its runner says."""
    return os.environ.get(POLICY_ENV, "open")


def token_matches(candidate: str) -> bool:
    token = os.environ.get(TOKEN_ENV) or ""
    return bool(token) and hmac.compare_digest(candidate.encode(), token.encode())
