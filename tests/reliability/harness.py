"""Kill `baogao` at random moments and prove the archive survives: shared by the tests and the benchmark.

Most kills hit children of a fork server (forkserver.py: imports paid once, the same click
command the `baogao` script runs); every n-th kill execs the installed script itself.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import random
import statistics
import subprocess
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from reliability.forkserver import ROOT, ForkServer, Run

REPORTS = ROOT / "data" / "reports"
OPS = {"add": 0.45, "rebuild": 0.25, "remove": 0.15, "edit": 0.15}


# -- what the archive must look like -----------------------------------------------------------


def write_small_reports(folder: Path, count: int, rng: random.Random, serial: int) -> list[Path]:
    """`count` short, distinct reports cut from the bundled ones (a few sections each)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(REPORTS.glob("*.txt"))
    paths = []
    for i in range(count):
        lines = _bundled_lines(rng.choice(sources))
        start = rng.randrange(max(1, len(lines) - 40))
        body = "\n".join(lines[start : start + rng.randint(8, 30)])
        path = folder / f"report-{serial:04d}-{i}.txt"
        path.write_text(f"第{serial}批第{i}号测试报告\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


@functools.cache
def _bundled_lines(path: Path) -> list[str]:
    from archive.readers import read_file  # some bundled reports are GBK

    return read_file(path).text.splitlines()


def expected_shape(path: Path) -> tuple[str, dict]:
    """What a complete report of this file holds: its sha256 and row counts."""
    from archive.ingest import parse_file

    parsed = parse_file(path)
    counts = {
        "sections": len(parsed.sections),
        "chunks": len(parsed.chunks),
        "figures": len(parsed.figures),
        "chars": len(parsed.text),
    }
    return parsed.report.sha256, counts


def partial_reports(database: Path, expected: dict[str, dict]) -> list[str]:
    """Reports whose rows differ from a complete ingest of their file (empty when none)."""
    import sqlite3

    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        rows = db.execute(
            """
            SELECT r.id, r.sha256, r.chars,
              (SELECT count(*) FROM sections s WHERE s.report_id = r.id),
              (SELECT count(*) FROM chunks c WHERE c.report_id = r.id),
              (SELECT count(*) FROM figures f WHERE f.report_id = r.id),
              (SELECT count(*) FROM chunks_fts x JOIN chunks c ON c.id = x.rowid
                WHERE c.report_id = r.id),
              (SELECT length(text) FROM texts t WHERE t.report_id = r.id)
            FROM reports r
            """
        ).fetchall()
    finally:
        db.close()
    wrong = []
    for rid, sha, chars, sections, chunks, figures, fts, length in rows:
        want = expected.get(sha)
        have = {"sections": sections, "chunks": chunks, "figures": figures, "chars": chars}
        if want is None or have != want or fts != chunks or length != chars:
            wrong.append(
                f"report {rid}: has {have}, {fts} keyword rows, text {length}; want {want}"
            )
    return wrong


def lock_held(home: Path) -> bool:
    """Whether a writer holds the home's lock (a non-blocking probe, as index.health does)."""
    try:
        with open(home / "write.lock", "rb") as f:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def report_ids(database: Path) -> set[int]:
    import sqlite3

    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {r[0] for r in db.execute("SELECT id FROM reports")}
    finally:
        db.close()


# -- the loop ----------------------------------------------------------------------------------


@dataclass
class Summary:
    """Kills tried and survived, by operation and by what the check found afterwards."""

    kills: int = 0
    survived: int = 0
    completed: int = 0  # runs that finished before their kill moment
    outcomes: Counter = field(default_factory=Counter)  # (op, "clean" | "repaired" | "FAILED")
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    runs: Counter = field(default_factory=Counter)  # forked commands run, by command
    timings: dict[str, float] = field(default_factory=dict)  # their total seconds

    def table(self) -> str:
        ops = sorted({op for op, _ in self.outcomes})
        lines = [f"{'op':<10}{'kills':>7}{'clean':>7}{'repaired':>10}{'failed':>8}"]
        for op in ops:
            row = [self.outcomes[op, k] for k in ("clean", "repaired", "FAILED")]
            lines.append(f"{op:<10}{sum(row):>7}{row[0]:>7}{row[1]:>10}{row[2]:>8}")
        lines.append(
            "forked runs: "
            + ", ".join(f"{k} {n}×{self.timings[k] / n:.2f}s" for k, n in sorted(self.runs.items()))
        )
        lines.append(
            f"kills survived / tried: {self.survived} / {self.kills} "
            f"({self.completed} runs finished before their kill moment) in {self.seconds:.0f} s"
        )
        return "\n".join(lines)


class CrashLoop:
    """One archive home, killed again and again; checked (and repaired) after every kill."""

    def __init__(self, workdir: Path, model: Path, *, seed: int = 0, real_every: int = 0):
        self.workdir = Path(workdir)
        self.home = self.workdir / "home"
        self.rng = random.Random(seed)
        self.real_every = real_every  # every n-th kill execs the real `baogao` script
        self.env = {
            "BAOGAO_MODEL": str(model),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "BAOGAO_HOME": str(self.home),
        }
        self.server = ForkServer(self.env, self.workdir)
        self.expected: dict[str, dict] = {}
        self.durations: dict[str, deque] = {}  # recent unkilled run times, by operation
        self.serial = 0
        self.summary = Summary()
        self.real_done = 0

    def close(self) -> None:
        self.server.close()

    def baogao(self, *args, kill_after: float | None = None) -> Run:
        run = self.server.run([*args, "--home", self.home], kill_after=kill_after)
        key = " ".join(a for a in map(str, args[:2]) if a.startswith("-") or a.isalpha())
        self.summary.timings[key] = self.summary.timings.get(key, 0.0) + run.seconds
        self.summary.runs[key] += 1
        return run

    def setup(self) -> None:
        """A first batch and an index, then one unkilled run of each operation to time it."""
        assert self.baogao(*self._command("add")).code == 0
        assert self.baogao("rebuild", "-s").code == 0
        for op in [*OPS, *OPS]:
            run = self.baogao(*self._command(op))
            assert run.code == 0, f"{op} failed: {run.errors}"
            self.durations.setdefault(op, deque(maxlen=5)).append(run.seconds)

    def _command(self, op: str) -> list[str]:
        """The arguments of one operation: a new folder to add, or a report to change."""
        ids = sorted(report_ids(self.home / "archive.db")) if self.home.exists() else []
        if op == "rebuild":
            return ["rebuild", "-s"]
        if op == "add" or not ids:
            self.serial += 1
            folder = self.workdir / "incoming" / f"{self.serial:04d}"
            for path in write_small_reports(folder, self.rng.randint(2, 3), self.rng, self.serial):
                sha, shape = expected_shape(path)
                self.expected[sha] = shape
            return ["add", str(folder), "-s"]
        target = str(self.rng.choice(ids))
        if op == "remove":
            return ["remove", target]
        return ["edit", target, "--title", f"改名{self.rng.randrange(10**6)}"]

    def kill_once(self) -> None:
        command = self._command(self.rng.choices(list(OPS), weights=list(OPS.values()))[0])
        op = command[0]
        before = report_ids(self.home / "archive.db")
        moment = self.rng.uniform(0.0, 0.85 * statistics.median(self.durations[op]))
        real = (
            self.real_every
            and op in ("add", "rebuild")
            and self.summary.kills >= self.real_done * self.real_every
        )
        run = self._real(command) if real else self.baogao(*command, kill_after=moment)
        if not run.killed:
            self.summary.completed += 1
            if run.code != 0:
                self.summary.failures.append(f"{op} exited {run.code}: {run.errors[-500:]}")
            if not real:
                self.durations[op].append(run.seconds)
            return
        self.summary.kills += 1
        self.real_done += bool(real)
        label = f"{op} (real)" if real else op
        outcome = self._verify(label, before, command)
        self.summary.outcomes[label, outcome] += 1
        self.summary.survived += outcome != "FAILED"

    def _real(self, command: list[str]) -> Run:
        """Exec the installed `baogao` script and kill it once its writing has begun.

        Its imports take seconds and its writes milliseconds, so the clock starts when the
        writer lock is taken (rebuild) or when the first new report is committed (add).
        """
        database = self.home / "archive.db"
        if command[0] == "add":
            known = len(report_ids(database))
            started = lambda: len(report_ids(database)) > known  # noqa: E731
        else:
            started = lambda: lock_held(self.home)  # noqa: E731
        kill_at = self.rng.random() * 0.5 * statistics.median(self.durations[command[0]])
        proc = subprocess.Popen(
            ["baogao", *command, "--home", str(self.home)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            cwd=ROOT,
        )
        began = None
        while proc.poll() is None:
            if began is None and started():
                began = time.monotonic()
            if began is not None and time.monotonic() - began >= kill_at:
                proc.kill()  # Popen.kill: SIGKILL to our own child
                proc.wait()
                return Run(None, True, time.monotonic() - began, 0)
            time.sleep(0.002)
        return Run(proc.returncode, False, 0.0, 0)

    def _verify(self, label: str, before: set[int], command: list[str]) -> str:
        """check; if it finds problems, check --repair; then the archive must be whole."""
        found = self.check()
        outcome = "clean"
        if found["problems"]:
            repaired = self.check(repair=True)
            outcome = "repaired" if repaired["ok"] else "FAILED"
            if not repaired["ok"]:
                self.summary.failures.append(f"{label}: repair left {repaired['problems']}")
        database = self.home / "archive.db"
        partial = partial_reports(database, self.expected)
        if partial:
            outcome = "FAILED"
            self.summary.failures.append(f"{label}: {partial[:3]}")
        target = int(command[1]) if command[0] == "remove" else None
        lost = before - report_ids(database) - {target}
        if lost:
            outcome = "FAILED"
            self.summary.failures.append(f"{label}: reports {sorted(lost)} were lost")
        return outcome

    def check(self, repair: bool = False) -> dict:
        run = self.baogao("check", "--json", *(["--repair"] if repair else []))
        try:
            return json.loads(run.output)
        except ValueError:
            return {"ok": False, "problems": [f"check exited {run.code}: {run.errors[-500:]}"]}

    def ask_works(self) -> bool:
        return self.baogao("ask", "城市建设", "--json").code == 0


def crash_loop(
    kills: int, model: Path, *, seed: int = 0, real_every: int = 0, workdir=None
) -> Summary:
    """Kill until `kills` kills have landed; every kill is followed by check (and repair)."""
    started = time.monotonic()
    workdir = Path(workdir or tempfile.mkdtemp(prefix="baogao-crash-"))
    loop = CrashLoop(workdir, model, seed=seed, real_every=real_every)
    try:
        loop.setup()
        for _ in range(kills * 3):
            if loop.summary.kills >= kills:
                break
            loop.kill_once()
        if not loop.ask_works():
            loop.summary.failures.append("ask fails after the loop")
    finally:
        loop.close()
    loop.summary.seconds = time.monotonic() - started
    return loop.summary
