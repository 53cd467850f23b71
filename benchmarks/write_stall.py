"""Question latency while a large upload is saved, as the page does it (one server process).

The page answers questions on one Library and saves uploads on another (its own SQLite
connection, the same loaded model): `ui.views_state.writing`. This script does the same in two
threads and prints warm question latency idle, during the save, and — for comparison — during
the save when questions must take the writer's lock, as the page did before.

    python benchmarks/write_stall.py [--home DIR] [--mb 3] [--model DIR]

The home is built from data/reports on first use (with the default model that takes minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402

QUESTIONS = ["棚户区改造了多少户？", "2024年国内生产总值增长多少", "How many elderly care beds?"]


def _text(path: Path) -> str:
    """A bundled report's text whatever its encoding (two are GB18030)."""
    from archive.readers import read_file

    return read_file(path).text


def big_report(folder: Path, megabytes: float) -> Path:
    """A long report of real text: the bundled reports over and over, each copy numbered."""
    texts = [_text(p) for p in sorted((ROOT / "data" / "reports").glob("*.txt"))]
    path, size, n = folder / f"big-{megabytes}mb-{time.time_ns()}.txt", 0, 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"大文件测试报告 {time.time_ns()}\n")
        while size < megabytes * 2**20:
            text = f"第{n}部分\n" + texts[n % len(texts)]
            f.write(text)
            size += len(text.encode())
            n += 1
    return path


def latencies(library: Library, stop: threading.Event, lock: threading.Lock | None) -> list[float]:
    """Ask in a loop until `stop`; a new searcher whenever the archive moves, as the page does."""
    times, searcher, generation = [], None, None
    while not stop.is_set():
        for q in QUESTIONS:
            t0 = time.perf_counter()
            if lock:
                lock.acquire()
            try:
                if searcher is None or library.archive.generation != generation:
                    searcher, generation = library.searcher(), library.archive.generation
                library.ask(q, searcher=searcher)
            finally:
                if lock:
                    lock.release()
            times.append((time.perf_counter() - t0) * 1000)
    return times


def run(home: Path, megabytes: float, model: str | None, shared_lock: bool) -> dict:
    reader = Library.open(home, model=model)
    writer = Library(reader.home, reader.model_name, embedder=reader.embedder)
    lock = threading.Lock() if shared_lock else None
    reader.ask(QUESTIONS[0])  # warm
    idle_stop = threading.Event()
    timer = threading.Timer(5, idle_stop.set)
    timer.start()
    idle = latencies(reader, idle_stop, None)
    with tempfile.TemporaryDirectory() as tmp:
        path = big_report(Path(tmp), megabytes)
        stop, result = threading.Event(), {}

        def save():
            t0 = time.perf_counter()
            if lock:
                lock.acquire()
            try:
                [outcome] = writer.add([path], max_bytes=int((megabytes + 1) * 2**20))
            finally:
                if lock:
                    lock.release()
            result.update(seconds=time.perf_counter() - t0, outcome=outcome)
            stop.set()

        thread = threading.Thread(target=save)
        thread.start()
        time.sleep(0.2)
        busy = latencies(reader, stop, lock)
        thread.join()
    writer.remove(result["outcome"].report_id)
    reader.close()
    writer.close()
    return {"idle": idle, "busy": busy, "save_s": result["seconds"]}


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "baogao-stall")
    parser.add_argument("--mb", type=float, default=3.0)
    parser.add_argument("--model", default=os.environ.get("BAOGAO_MODEL"))
    args = parser.parse_args()
    if not (args.home / "index" / "manifest.json").exists():
        library = Library.open(args.home, model=args.model)
        library.add([ROOT / "data" / "reports"])
        library.rebuild()
        library.close()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.mb} MB upload; warm ask latency in ms")
    print(f"{'questions':<34}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}{'save s':>9}")
    for label, shared in (("own connection (the page now)", False), ("shared lock (before)", True)):
        r = run(args.home, args.mb, args.model, shared)
        for phase in ("idle", "busy"):
            v = r[phase]
            print(
                f"{label + ' ' + phase:<34}{len(v):>6}{pct(v, 50):>9.1f}{pct(v, 95):>9.1f}"
                f"{max(v):>9.1f}{r['save_s'] if phase == 'busy' else 0:>9.1f}"
            )


if __name__ == "__main__":
    main()
