"""Four processes at once for a bounded time: one adds and removes reports, one rebuilds the index,
two ask (one through the library as the page does, one through a long-lived `baogao ask -`).

No torn result means: every passage an answer cites is, character for character, a chunk that
was in the archive at some moment while the question was being answered. For the untouched
reports that is their chunk as stored before the run; for a churned report, its chunk as the
add stored it, with the add begun before the answer ended and any removal ended after the
answer began ("just removed" is allowed, never-added or half-added is not).

Answers that never change: questions about an untouched report, asked with that report as a
filter, dense search and no hints, give the same passages and answer as before the run. (With
keyword search they may change: BM25 weighs a term by how many chunks of the whole archive
hold it, so adding a report elsewhere legitimately reorders a report's own passages.)
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.library import Library
from reliability.harness import write_small_reports

WORKERS = Path(__file__).with_name("workers.py")
ROLES = ("churn", "rebuild", "ask_library", "ask_cli")
SECONDS = float(os.environ.get("BAOGAO_CONCURRENCY_SECONDS", "20"))
FLOOR = 3  # each kind of operation at least this often, however slow the machine is today
GRACE = 180  # seconds past SECONDS the run may take to reach the floor
UNTOUCHED = ["district-deputy-duty-report.txt", "gwr_2014_hailaer_district.txt"]
OPEN_QUESTIONS = ["城市建设", "棚户区改造多少户", "how many households", "财政收入增长", "教育"]


def base_chunks(database: Path) -> dict[int, list]:
    db = sqlite3.connect(database)
    rows = db.execute("SELECT id, report_id, text, char_start, char_end FROM chunks").fetchall()
    db.close()
    return {r[0]: list(r[1:]) for r in rows}


def read_log(workdir: Path, role: str) -> list[dict]:
    """The complete lines of a worker's log (while it runs, its last line may be half-written)."""
    path = workdir / f"{role}.jsonl"
    lines = path.read_text("utf-8").split("\n")[:-1] if path.exists() else []
    return [json.loads(line) for line in lines]


def operation_counts(logs: dict[str, list[dict]]) -> dict[str, int]:
    count = {
        op: sum(e["op"] == op for e in logs[role])
        for role, op in (("churn", "add"), ("churn", "remove"), ("rebuild", "rebuild"))
    }
    count["ask (library)"] = sum(e["op"] == "ask" for e in logs["ask_library"])
    count["ask (cli)"] = sum(e["op"] == "ask" for e in logs["ask_cli"])
    return count


def torn_passages(entry: dict, base: dict, added: dict, removed: dict) -> list[str]:
    """Why the passages of one answer were not all in the archive while it was answered."""
    wrong = []
    for chunk_id, report_id, text, start, end in entry["passages"]:
        if str(chunk_id) in added:
            add = added[str(chunk_id)]
            if [report_id, text] != [add["report_id"], add["text"]]:
                wrong.append(f"chunk {chunk_id} differs from what its add stored")
            elif add["t0"] > entry["t1"]:
                wrong.append(f"chunk {chunk_id} cited before its report was added")
            elif report_id in removed and removed[report_id]["t1"] < entry["t0"]:
                wrong.append(f"chunk {chunk_id} cited after its report was removed")
        elif base.get(chunk_id) != [report_id, text, start, end]:
            wrong.append(f"chunk {chunk_id} of report {report_id} was never in the archive")
    if entry["answer"]:
        _, _, report_id, start, end = entry["answer"]
        if not any(
            r == report_id and s <= start and end <= e for _, r, _, s, e in entry["passages"]
        ):
            wrong.append(f"the answer's citation {report_id}:{start}-{end} is in no cited passage")
    return wrong


@pytest.fixture
def workdir(tmp_path, tiny_model_dir, indexed_home) -> Path:
    """An indexed archive of two untouched reports, the churn files and the questions."""
    indexed_home(UNTOUCHED, manifest=False, copy_to=tmp_path / "home")
    library = Library.open(tmp_path / "home", model=tiny_model_dir)
    stable = []
    for report in library.archive.reports():
        chunks = library.archive.chunks(library.archive.chunk_ids(report["id"]))
        stable += [(c.text[:24], report["id"]) for c in chunks[1:4]]
    library.close()
    churn = write_small_reports(tmp_path / "churn", 8, random.Random(7), serial=1)
    churn_questions = [p.read_text("utf-8").splitlines()[2][:16] for p in churn[:3]]
    config = {
        "home": str(tmp_path / "home"),
        "model": str(tiny_model_dir),
        "churn_files": [str(p) for p in churn],
        "stable": stable,
        "questions": OPEN_QUESTIONS + [q for q in churn_questions if q.strip()],
    }
    (tmp_path / "config.json").write_text(json.dumps(config, ensure_ascii=False), "utf-8")
    return tmp_path


def run_workers(workdir: Path, seconds: float) -> float:
    """Run the four workers for at least `seconds`; how long they ran."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    procs = {
        role: subprocess.Popen(
            [sys.executable, str(WORKERS), role, str(workdir)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / f"{role}.stderr", "w"),  # noqa: SIM115 - closed with the process
        )
        for role in ROLES
    }
    try:
        deadline = time.monotonic() + 180
        while not all((workdir / f"{r}.ready").exists() for r in ROLES):
            dead = [r for r, p in procs.items() if p.poll() is not None]
            assert not dead, f"{dead} exited early: {(workdir / f'{dead[0]}.stderr').read_text()}"
            assert time.monotonic() < deadline, "the workers did not warm up in time"
            time.sleep(0.1)
        (workdir / "go").touch()
        started = time.monotonic()
        time.sleep(seconds)
        # A slow or busy machine does fewer operations in the same time: run on until each kind
        # reached the floor, so the run always holds enough of each to check.
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline and (
            min(operation_counts({r: read_log(workdir, r) for r in ROLES}).values()) < FLOOR
        ):
            time.sleep(0.5)
        (workdir / "stop").touch()
        ran = time.monotonic() - started
        for role, proc in procs.items():
            assert proc.wait(timeout=120) == 0, (workdir / f"{role}.stderr").read_text()[-3000:]
        return ran
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()  # our own child, by its Popen handle
                proc.wait()


@pytest.mark.slow
def test_writers_and_readers_at_once(workdir, capsys):
    base = base_chunks(workdir / "home" / "archive.db")
    ran = run_workers(workdir, SECONDS)
    logs = {role: read_log(workdir, role) for role in ROLES}
    errors = [e for entries in logs.values() for e in entries if e["op"] == "error"]
    assert errors == [], errors[0]["trace"]

    added = {
        cid: {"report_id": e["report_id"], "text": text, "t0": e["t0"]}
        for e in logs["churn"]
        if e["op"] == "add"
        for cid, text in e["chunks"].items()
    }
    removed = {e["report_id"]: e for e in logs["churn"] if e["op"] == "remove"}
    asks = [e for role in ("ask_library", "ask_cli") for e in logs[role] if "passages" in e]
    torn = [f"{e['question']}: {w}" for e in asks for w in torn_passages(e, base, added, removed)]
    assert torn == [], torn[:5]
    assert all(e["error"] is None for e in asks)

    baseline = {e["question"]: e for e in logs["ask_library"] if e["op"] == "baseline"}
    stable = [e for e in logs["ask_library"] if e.get("kind") == "stable"]
    changed = [
        e["question"]
        for e in stable
        if [e["passages"], e["answer"]]
        != [baseline[e["question"]][k] for k in ("passages", "answer")]
    ]
    assert changed == [], f"{len(changed)} of {len(stable)} answers changed: {changed[:3]}"

    count = operation_counts(logs)
    churned = sum(str(p[0]) in added for e in asks for p in e["passages"])
    with capsys.disabled():
        print(
            f"\nconcurrency ({ran:.0f} s): "
            + ", ".join(f"{k} {v}" for k, v in count.items())
            + f"; {sum(count.values())} operations, 0 errors, 0 torn; "
            f"{len(stable)} stable answers unchanged; {churned} passages cited from churned reports"
        )
    assert min(count.values()) >= FLOOR, f"fewer than {FLOOR} of some operation in {GRACE} s more"
    assert churned > 0  # the readers did meet the churn
