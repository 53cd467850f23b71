"""`baogao serve`: run the Streamlit app headless on one port, for one archive home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from archive.home import Home
from archive.settings import MAX_FILE_MB, Settings
from ui import exposure, first_start

APP = Path(__file__).resolve().parent / "app.py"
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"


def streamlit_command(port: int, host: str, max_upload_mb: int = MAX_FILE_MB) -> list[str]:
    """The `streamlit run` command line (no telemetry, no browser, our upload limit and font,
    and the security settings, which no config file can then loosen)."""
    return [*_streamlit_base(port, host, max_upload_mb), *exposure.streamlit_flags(host)]


def _streamlit_base(port: int, host: str, max_upload_mb: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", host,
        "--browser.gatherUsageStats", "false",
        "--server.maxUploadSize", str(max_upload_mb),
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
        "--theme.font", FONT,
    ]  # fmt: skip


def loader_command(home: Path) -> list[str]:
    """The first-start loader, in its own process so the page stays responsive while it works."""
    return [sys.executable, "-m", "ui.first_start", str(home)]


def run_server(settings: Settings, port: int = 8501, host: str = "localhost") -> int:
    """Run until stopped (Ctrl-C, SIGTERM, SIGHUP are passed on); return streamlit's exit code.

    On a first start the loader runs beside the page from the first second: the page answers
    by keyword as soon as reports are stored and by meaning once the index is built. Both get
    the command's settings through their environment (the page resolves them at its start).
    """
    access = exposure.policy(host)
    root = Home.resolve(settings.home).root.resolve()
    env = {**os.environ, **exposure.server_env(access), **settings.with_home(root).environ()}
    if env.get("BAOGAO_BUNDLED"):
        env["BAOGAO_BUNDLED"] = str(first_start.bundled_folder().resolve())
    print(f"baogao: serving {root} on http://{host}:{port}", file=sys.stderr, flush=True)
    print(f"baogao: {access.message}", file=sys.stderr, flush=True)
    # Started in an empty folder of their own: no .streamlit/ of the caller's current folder
    # applies, and no folder there (the home's own index/, say) can shadow a package of ours.
    with tempfile.TemporaryDirectory(prefix="baogao-serve-") as cwd:
        command = streamlit_command(port, host, settings.max_upload_mb)
        children = [subprocess.Popen(command, env=env, cwd=cwd)]
        if first_start.needs_loading(root):
            children.append(subprocess.Popen(loader_command(root), env=env, cwd=cwd))
        return _supervise(children)


def _supervise(children: list[subprocess.Popen]) -> int:
    """Wait for the page; pass signals on; never leave a child behind."""
    page = children[0]

    def forward(signum, _frame) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    forwarded = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s]
    previous = {s: signal.signal(s, forward) for s in forwarded}
    try:
        return page.wait()
    except KeyboardInterrupt:  # Ctrl-C reached the children too; give them time to shut down
        try:
            return page.wait(timeout=10)
        except subprocess.TimeoutExpired:
            page.kill()
            return page.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for child in children:
            if child.poll() is None:
                child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
