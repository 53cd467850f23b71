"""Exposing the page: writes need the token beyond localhost, hosts are allow-listed, and the
security settings hold whatever `.streamlit/config.toml` sits in the current folder."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import exposure

APP = Path(__file__).parent.parent / "ui" / "app.py"
TOKEN = "correct-horse-battery-staple"


# -- the policy --------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_localhost_is_open(host, monkeypatch):
    monkeypatch.delenv(exposure.TOKEN_ENV, raising=False)
    assert exposure.policy(host).mode == "open"


def test_beyond_localhost_without_a_token_the_page_is_read_only(monkeypatch):
    monkeypatch.delenv(exposure.TOKEN_ENV, raising=False)
    monkeypatch.delenv(exposure.TOKEN_FILE_ENV, raising=False)
    policy = exposure.policy("0.0.0.0")
    assert policy.mode == "read-only" and exposure.TOKEN_ENV in policy.message


def test_the_token_comes_from_the_environment_or_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv(exposure.TOKEN_ENV, TOKEN)
    assert exposure.policy("0.0.0.0") == exposure.Policy(
        "token", TOKEN, exposure.policy("0.0.0.0").message
    )
    monkeypatch.delenv(exposure.TOKEN_ENV)
    (tmp_path / "token").write_text(TOKEN + "\n")
    monkeypatch.setenv(exposure.TOKEN_FILE_ENV, str(tmp_path / "token"))
    assert exposure.policy("192.0.2.1").token == TOKEN
    assert exposure.server_env(exposure.policy("0.0.0.0")) == {
        exposure.POLICY_ENV: "token",
        exposure.TOKEN_ENV: TOKEN,
    }


@pytest.mark.parametrize("content", [None, "short"])
def test_an_unusable_token_file_is_one_clear_error(tmp_path, monkeypatch, content):
    monkeypatch.delenv(exposure.TOKEN_ENV, raising=False)
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv(exposure.TOKEN_FILE_ENV, str(path))
    with pytest.raises(exposure.ExposureError, match="token"):
        exposure.policy("0.0.0.0")


def test_security_flags_are_explicit():
    flags = exposure.streamlit_flags("localhost")
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    assert pairs["--server.enableXsrfProtection"] == "true"
    assert pairs["--server.enableCORS"] == "true"
    hosts = [flags[i + 1] for i, f in enumerate(flags) if f == "--server.allowedHosts"]
    assert hosts == ["localhost", "127.0.0.1", "::1"]


# -- the page ----------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, tiny_model_dir, page_reports, indexed_home, monkeypatch) -> Path:
    root = indexed_home([page_reports[0].name], manifest=False, copy_to=tmp_path / "home")
    monkeypatch.setenv("BAOGAO_HOME", str(root))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    return root


def archive_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("views_archive.py").run()
    assert not at.exception, at.exception
    return at


def uploaders(at: AppTest) -> list:
    return at.get("file_uploader")


def test_a_read_only_page_offers_no_write_action(home, monkeypatch):
    monkeypatch.setenv(exposure.POLICY_ENV, "read-only")
    at = archive_page()
    assert not uploaders(at)
    assert any("read-only" in i.value for i in at.info)
    at.switch_page("views_index.py").run()
    assert at.button(key="rebuild").disabled


def test_with_a_token_writes_open_only_after_unlocking(home, monkeypatch):
    monkeypatch.setenv(exposure.POLICY_ENV, "token")
    monkeypatch.setenv(exposure.TOKEN_ENV, TOKEN)
    at = archive_page()
    assert not uploaders(at)
    at.text_input(key="access-token").input("wrong-token-wrong-token").run()
    at.button(key="unlock").click().run()
    assert not uploaders(at) and at.error
    at.text_input(key="access-token").input(TOKEN).run()
    at.button(key="unlock").click().run()
    assert not at.exception, at.exception
    assert uploaders(at)


# -- the real server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def handshake(port: int, host: str, origin: str | None = None) -> str:
    """The status line the server answers a websocket upgrade with."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /_stcore/stream HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *([f"Origin: {origin}"] if origin else []),
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return s.recv(200).decode("latin-1").splitlines()[0]


@pytest.fixture
def server(tmp_path):
    """`baogao serve` started from a folder whose .streamlit/config.toml loosens everything."""
    cwd = tmp_path / "cwd"
    (cwd / ".streamlit").mkdir(parents=True)
    (cwd / ".streamlit" / "config.toml").write_text(
        '[server]\nenableCORS = false\nenableXsrfProtection = false\nallowedHosts = ["*"]\n'
    )
    port = free_port()
    env = {**os.environ, "BAOGAO_HOME": str(tmp_path / "home")}
    baogao = shutil.which("baogao") or sys.executable
    proc = subprocess.Popen(
        [baogao, "serve", "--port", str(port)], cwd=cwd, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stderr.read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.5)
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_dns_rebinding_and_foreign_origins_are_refused(server):
    assert handshake(server, f"localhost:{server}").split()[1] == "101"
    assert handshake(server, f"attacker.test:{server}").split()[1] == "403"
    assert handshake(server, f"localhost:{server}", "http://evil.test").split()[1] == "403"
