"""`baogao serve`: run the Streamlit app headless on one port, for one archive home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from archive.home import Home
from ui import exposure
from ui.views_upload import max_upload_mb

APP = Path(__file__).resolve().parent / "app.py"
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"


def streamlit_command(port: int, host: str) -> list[str]:
    """The `streamlit run` command line (no telemetry, no browser, our upload limit and font,
    and the security settings, which no config file can then loosen)."""
    return [*_streamlit_base(port, host), *exposure.streamlit_flags(host)]


def _streamlit_base(port: int, host: str) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", host,
        "--browser.gatherUsageStats", "false",
        "--server.maxUploadSize", str(max_upload_mb()),
        "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
        "--theme.font", FONT,
    ]  # fmt: skip


def run_server(home: Path | str | None, port: int = 8501, host: str = "localhost") -> int:
    """Run until stopped (Ctrl-C, SIGTERM, SIGHUP are passed on); return streamlit's exit code."""
    access = exposure.policy(host)
    env = {**os.environ, **exposure.server_env(access)}
    if home:
        env["BAOGAO_HOME"] = str(Path(home).expanduser().resolve())
    print(f"baogao: serving {env.get('BAOGAO_HOME') or 'the default home'} on http://{host}:{port}",
          file=sys.stderr, flush=True)  # fmt: skip
    print(f"baogao: {access.message}", file=sys.stderr, flush=True)
    # Started in the home, so no .streamlit/ folder of the caller's current folder applies.
    cwd = Home.resolve(env.get("BAOGAO_HOME")).root
    child = subprocess.Popen(streamlit_command(port, host), env=env, cwd=cwd)
    forwarded = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s]
    previous = {s: signal.signal(s, lambda signum, _: child.send_signal(signum)) for s in forwarded}
    try:
        return child.wait()
    except KeyboardInterrupt:  # Ctrl-C reached streamlit too; give it time to shut down
        try:
            return child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            return child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if child.poll() is None:
            child.kill()
