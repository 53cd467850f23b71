"""The processes of the concurrency test: one churns reports, one rebuilds, two ask.

    python tests/reliability/workers.py ROLE WORKDIR

Each reads WORKDIR/config.json, writes WORKDIR/ROLE.ready when warmed up, starts when
WORKDIR/go exists, stops when WORKDIR/stop exists, and logs one JSON line per operation to
WORKDIR/ROLE.jsonl with CLOCK_MONOTONIC times (the same clock in every process).
"""

from __future__ import annotations

import faulthandler
import json
import os
import random
import signal
import subprocess
import sys
import time
import traceback
from itertools import cycle
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Between two writes of one process: the lock (filelock) is polled every 50 ms, not queued,
# so a writer that re-takes it at once would starve the other writer.
PAUSE = 0.1
sys.path.insert(0, str(ROOT))


class Worker:
    def __init__(self, role: str, workdir: Path):
        self.role, self.workdir = role, Path(workdir)
        self.config = json.loads((self.workdir / "config.json").read_text("utf-8"))
        self.log = open(self.workdir / f"{role}.jsonl", "a", encoding="utf-8")  # noqa: SIM115

    def write(self, **entry) -> None:
        self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.log.flush()

    def ready_then_wait(self) -> None:
        (self.workdir / f"{self.role}.ready").touch()
        while not (self.workdir / "go").exists():
            time.sleep(0.01)

    def running(self) -> bool:
        return not (self.workdir / "stop").exists()

    def library(self):
        from index.library import Library

        return Library.open(self.config["home"], model=self.config["model"])

    def guarded(self, op: str, fn, **entry) -> None:
        """Run one operation; log it with its times, or log the exception it raised."""
        t0 = time.monotonic()
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - every exception is a test failure, logged
            self.write(
                op="error",
                during=op,
                t0=t0,
                t1=time.monotonic(),
                error=repr(e),
                trace=traceback.format_exc(),
            )
            return
        self.write(op=op, t0=t0, t1=time.monotonic(), **entry, **(result or {}))


def churn(w: Worker) -> None:
    """Add a report, remove one, in a loop; log the chunk texts each add stored."""
    lib, rng = w.library(), random.Random(1)
    files = [Path(p) for p in w.config["churn_files"]]
    alive: dict[str, int] = {}  # file -> report id
    lib.embedder  # noqa: B018 - loaded before the start signal
    w.ready_then_wait()
    while w.running():
        idle = [f for f in files if str(f) not in alive]
        if idle and (len(alive) < 2 or rng.random() < 0.5):
            path = rng.choice(idle)

            def add(path=path):
                [outcome] = lib.add([path])
                if outcome.status != "added":
                    raise RuntimeError(f"{path.name}: {outcome.status} {outcome.message}")
                alive[str(path)] = outcome.report_id
                chunks = lib.archive.chunks(lib.archive.chunk_ids(outcome.report_id))
                return {"report_id": outcome.report_id, "chunks": {c.id: c.text for c in chunks}}

            w.guarded("add", add)
        else:
            path = rng.choice(sorted(alive))
            report_id = alive.pop(path)
            w.guarded("remove", lambda rid=report_id: lib.remove(rid), report_id=report_id)
        time.sleep(PAUSE)


def rebuild(w: Worker) -> None:
    lib = w.library()
    lib.embedder  # noqa: B018 - loaded before the start signal
    w.ready_then_wait()
    while w.running():
        w.guarded("rebuild", lambda: {"count": lib.rebuild()["count"]})
        time.sleep(PAUSE)


def summary(result: dict) -> dict:
    """What the validation needs from an `ask --json` result."""
    answer = result.get("answer")
    return {
        "passages": [
            [p["chunk_id"], p["report_id"], p["text"], p["char_start"], p["char_end"]]
            for p in result.get("passages", [])
        ],
        "answer": None
        if not answer
        else [
            answer["figure"],
            answer["sentence"],
            answer["citation"]["report_id"],
            answer["citation"]["char_start"],
            answer["citation"]["char_end"],
        ],
        "error": result.get("error"),
    }


def ask_library(w: Worker) -> None:
    """Ask through the library as the page does: stable questions and open ones, in turn."""
    from index.keyword import Filters

    lib = w.library()
    stable = [
        (
            q,
            {
                "filters": Filters(report_ids=(rid,)),
                "method": "dense",
                "use_hints": False,
                "top_k": 3,
            },
        )
        for q, rid in w.config["stable"]
    ]
    for q, options in stable:
        w.guarded("baseline", lambda q=q, o=options: summary(lib.ask(q, **o)), question=q)
    open_questions = [(q, {"top_k": 5}) for q in w.config["questions"]]
    w.ready_then_wait()
    for kind, (q, options) in cycle(
        [("stable", s) for s in stable] + [("open", o) for o in open_questions]
    ):
        if not w.running():
            break
        w.guarded("ask", lambda q=q, o=options: summary(lib.ask(q, **o)), question=q, kind=kind)


def ask_cli(w: Worker) -> None:
    """Ask through `baogao ask - --json`: one long-lived command, a question per line."""
    env = {**os.environ, "BAOGAO_MODEL": w.config["model"]}
    proc = subprocess.Popen(
        ["baogao", "ask", "-", "--json", "--home", w.config["home"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=open(w.workdir / "ask_cli.stderr", "w"),  # noqa: SIM115
        text=True,
        env=env,
        cwd=ROOT,
    )

    def ask(q: str) -> dict:
        proc.stdin.write(q.replace("\n", " ") + "\n")
        proc.stdin.flush()
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"baogao ask exited {proc.wait()}: see ask_cli.stderr")
        return summary(json.loads(line))

    questions = w.config["questions"]
    w.guarded("warm-up", lambda: ask(questions[0]), question=questions[0])
    w.ready_then_wait()
    for q in cycle(questions):
        if not w.running():
            break
        w.guarded("ask", lambda q=q: ask(q), question=q, kind="open")
    proc.stdin.close()
    w.write(op="exit", code=proc.wait(timeout=60))


ROLES = {"churn": churn, "rebuild": rebuild, "ask_library": ask_library, "ask_cli": ask_cli}

if __name__ == "__main__":
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID` prints where a stuck worker is
    role, workdir = sys.argv[1], Path(sys.argv[2])
    worker = Worker(role, workdir)
    try:
        ROLES[role](worker)
    except Exception as e:  # noqa: BLE001 - a crash outside an operation is logged too
        worker.write(op="error", during="worker", error=repr(e), trace=traceback.format_exc())
        raise
