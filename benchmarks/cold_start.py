"""Cold CLI commands: each run a fresh `baogao` process, timed whole, beside a baseline commit.

    python benchmarks/cold_start.py                       # this tree against `main`
    python benchmarks/cold_start.py --baseline HEAD~3 --runs 7 --home ~/baogao-bench

A run is one new process, as a script calling `baogao` in a loop starts it: Python start-up,
imports, opening the archive, the command itself. Files stay in the page cache between runs,
so "cold" means a cold process, not a cold disk. Runs alternate this tree and the baseline,
so a machine whose load drifts slows both alike; wall and CPU (user + system) seconds are
medians, and the load average is printed beside each row: on a busy machine the wall time
grows with the load, the CPU time much less, and the CPU time is what an idle machine waits.
The home (the 25 bundled reports, indexed) is built once with this tree's `baogao add`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "城镇新增就业多少人"
COMMANDS = [  # label, arguments, target seconds on an idle 2-core machine (issue 12)
    ("--help", ["--help"], 1.0),
    ("path", ["path"], 1.0),
    ("list", ["list"], 1.0),
    ("show 3", ["show", "3"], None),
    ("check", ["check"], None),
    ("ask --method keyword", ["ask", QUESTION, "--method", "keyword"], 1.5),
    ("ask (hybrid)", ["ask", QUESTION], 4.0),
]
LAUNCH = "import sys; from ui.cli import cli; sys.exit(cli())"  # what the `baogao` script runs


def run_once(tree: Path, args: list[str], home: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of one fresh process, and its exit status."""
    env = {**os.environ, "PYTHONPATH": str(tree), "BAOGAO_HOME": str(home)}
    env.pop("BAOGAO_VECTOR_STORE", None)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args], cwd=tree, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def export(rev: str, into: Path) -> Path:
    """The baseline's files (git archive), in a folder of their own."""
    data = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def ensure_home(home: Path) -> None:
    if (home / "index" / "manifest.json").exists():
        return
    print(f"building the bench home in {home} (the bundled reports, indexed) ...", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BAOGAO_HOME": str(home)}
    subprocess.run([sys.executable, "-c", LAUNCH, "add", str(ROOT / "data" / "reports"), "-s"],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    if not (home / "index" / "manifest.json").exists():  # a baseline whose add builds none
        subprocess.run([sys.executable, "-c", LAUNCH, "rebuild", "-s"], cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git revision to compare with ('' for none)")
    parser.add_argument("--runs", type=int, default=5, help="runs per command and tree")
    parser.add_argument("--home", type=Path, default=Path.home() / ".cache" / "baogao" / "bench-home")
    parser.add_argument("--only", action="append", help="only commands whose label contains this")
    args = parser.parse_args()
    ensure_home(args.home)
    trees = {"this tree": ROOT}
    scratch = Path(tempfile.mkdtemp(prefix="baogao-baseline-"))
    try:
        if args.baseline:
            trees[args.baseline] = export(args.baseline, scratch)
        print(f"{os.cpu_count()} cores · {args.runs} runs each · median seconds · question {QUESTION!r}")
        header = f"{'command':22} {'target':>6}"
        for name in trees:
            header += f"  {name[:16]:>16} wall/cpu"
        print(header + "   load (1 min) before-after")
        for label, cmd, target in COMMANDS:
            if args.only and not any(o in label for o in args.only):
                continue
            load_before = os.getloadavg()[0]
            results: dict[str, list[tuple[float, float, int]]] = {n: [] for n in trees}
            for tree in trees.values():
                run_once(tree, cmd, args.home)  # warm the page cache; not counted
            for _ in range(args.runs):
                for name, tree in trees.items():
                    results[name].append(run_once(tree, cmd, args.home))
            row = f"{label:22} {target or '':>6}"
            for runs in results.values():
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                failed = "!" if any(r[2] for r in runs) else " "
                row += f"  {wall:>10.2f} / {cpu:5.2f}{failed}"
            print(f"{row}   {load_before:5.2f}-{os.getloadavg()[0]:.2f}", flush=True)
        print("! = a run exited non-zero")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
