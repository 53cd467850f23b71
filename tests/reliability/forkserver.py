"""A warm process that forks one child per `baogao` command: imports paid once, not per run.

The children run `ui.cli.cli` exactly as the `baogao` script does, with their own stdin,
stdout and stderr; the server can SIGKILL one at a given moment and reports how it ended,
its time and its peak memory (wait4), measured from what the child started with.

    python tests/reliability/forkserver.py serve     # started by ForkServer
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def serve() -> None:
    """Import once, then fork a child per request line and answer how it ended."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()  # the dictionary loads once here, not in every child
    # the CLI imports what a command needs inside it: import it all here, once, not per child
    import index.health  # noqa: F401
    import index.search  # noqa: F401
    import ui.output  # noqa: F401
    import ui.session  # noqa: F401
    from archive import ingest  # noqa: F401
    from ui.cli import cli

    if os.environ.get("BAOGAO_MODEL"):  # the expensive import and torch's first-call costs,
        from index.embedder import Embedder  # paid once (one thread: no OpenMP pool to fork)

        Embedder(os.environ["BAOGAO_MODEL"]).embed(["预热"])

    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(cli, request)
        status, rusage, killed = _wait(pid, started, request.get("kill_after"))
        reply = {
            "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "killed": killed,
            "seconds": time.monotonic() - started,
            "maxrss_kb": rusage.ru_maxrss,
        }
        print(json.dumps(reply), flush=True)


def _read_int(path: Path, default: int) -> int:
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return default


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _child(cli, request: dict) -> None:
    """Run one command with its own stdin/stdout/stderr; never return."""
    code = 70
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # peak RSS := current RSS, so wait4 reports this command's own peak
        if request.get("rss"):
            Path(request["rss"]).write_text(str(_rss_kb()))  # what the peak is measured from
        for fd, name, flags in (
            (0, os.devnull, os.O_RDONLY),
            (1, request.get("stdout") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            (2, request.get("stderr") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
        ):
            os.dup2(os.open(name, flags, 0o644), fd)
        os.environ.update(request.get("env") or {})
        cli.main(args=request["args"], prog_name="baogao", standalone_mode=True)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported through stderr and exit status 70
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait(pid: int, started: float, kill_after: float | None):
    """Wait for the child, sending SIGKILL at `kill_after` seconds if it is still running."""
    if kill_after is None:
        _, status, rusage = os.wait4(pid, 0)
        return status, rusage, False
    while True:
        done, status, rusage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, rusage, False
        if time.monotonic() - started >= kill_after:
            os.kill(pid, signal.SIGKILL)  # our own unreaped child: the pid cannot be reused
            _, status, rusage = os.wait4(pid, 0)
            return status, rusage, True
        time.sleep(0.002)


@dataclass
class Run:
    code: int | None
    killed: bool
    seconds: float
    maxrss_kb: int
    output: str = ""
    errors: str = ""
    start_rss_kb: int = 0  # resident when the forked child began the command

    @property
    def added_rss_mb(self) -> float:
        """Peak resident memory the command added to what the forked child started with."""
        return max(0, self.maxrss_kb - self.start_rss_kb) / 1024


class ForkServer:
    """The client side: `run(["add", folder, "--home", home])`, optionally killed at a moment.

    With BAOGAO_MODEL in `env` the server preloads torch and the model; without, only the CLI.
    """

    def __init__(self, env: dict[str, str], workdir: Path):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log = open(self.workdir / "forkserver.log", "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            cwd=ROOT,
            env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **env},
        )
        ready = self.proc.stdout.readline()
        if not ready:
            raise RuntimeError(f"the fork server did not start: see {self.log.name}")

    def run(self, args: list[str], *, kill_after: float | None = None) -> Run:
        out, err, rss = (self.workdir / f"child.{x}" for x in ("out", "err", "rss"))
        rss.unlink(missing_ok=True)
        request = {"args": [str(a) for a in args], "kill_after": kill_after}
        request.update(stdout=str(out), stderr=str(err), rss=str(rss))
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        return Run(
            reply["code"],
            reply["killed"],
            reply["seconds"],
            reply["maxrss_kb"],
            out.read_text("utf-8", errors="replace"),
            err.read_text("utf-8", errors="replace"),
            _read_int(rss, default=reply["maxrss_kb"]),  # killed before writing it: no baseline
        )

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.log.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        sys.exit(__doc__)
