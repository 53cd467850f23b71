"""Trend benchmark: point precision and recall on series read from the reports, and warm latency.

    python benchmarks/trend.py                       # dev series, bundled reports in a temp home
    python benchmarks/trend.py --set held            # the held-out series (evaluate once, at the end)
    python benchmarks/trend.py --home DIR -v         # reuse an archive; list wrong and missed points

A found point is right when an expected point has the same place, period, mode and value
(relative tolerance 1e-6); precision = right / found, recall = expected found / expected.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402
from index.trend import trend  # noqa: E402

SERIES = ROOT / "benchmarks" / "series"


def same(found: dict, expected: dict) -> bool:
    if (found["place"], found["period"], found["mode"]) != (
        expected["place"], expected["period"], expected["mode"]
    ):  # fmt: skip
        return False
    return abs(found["value"] - expected["value"]) <= 1e-6 * max(abs(expected["value"]), 1)


def score(series: list[dict], archive, verbose: bool) -> tuple[int, int, int, int]:
    right = found_total = hit = expected_total = 0
    for s in series:
        points = trend(archive, s["question"]).points
        good = [p for p in points if any(same(p, e) for e in s["points"])]
        seen = [e for e in s["points"] if any(same(p, e) for p in points)]
        right, found_total = right + len(good), found_total + len(points)
        hit, expected_total = hit + len(seen), expected_total + len(s["points"])
        print(f"  {s['id']:<36} {s['lang']}  found {len(points):>2}  right {len(good):>2}  "
              f"expected {len(s['points']):>2}  recalled {len(seen):>2}")  # fmt: skip
        if verbose:
            for p in points:
                if p not in good:
                    print(f"      wrong: {p['place']} {p['period']} {p['mode']} {p['figure']} "
                          f"[{p['citation']['report_id']}] {p['sentence'][:60]}")  # fmt: skip
            for e in s["points"]:
                if e not in seen:
                    print(f"      missed: {e}")
    return right, found_total, hit, expected_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", default="dev", help="series file under benchmarks/series (dev, held)"
    )
    parser.add_argument("--home", type=Path, help="an archive home holding the bundled reports")
    parser.add_argument("--repeat", type=int, default=20, help="warm runs per question for latency")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    lines = (SERIES / f"{args.set}.jsonl").read_text(encoding="utf-8").splitlines()
    series = [json.loads(line) for line in lines if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        library = Library.open(home)
        try:
            if not library.archive.reports():
                library.add([ROOT / "data" / "reports"], index=False)
            print(
                f"{args.set}: {len(series)} series, {sum(len(s['points']) for s in series)} points"
            )
            right, found, hit, expected = score(series, library.archive, args.verbose)
            for lang in ("zh", "en"):
                subset = [s for s in series if s["lang"] == lang]
                if subset:
                    import contextlib
                    import io

                    with contextlib.redirect_stdout(io.StringIO()):
                        r, f, h, e = score(subset, library.archive, False)
                    print(
                        f"{lang}: precision {r / max(f, 1):.3f} ({r}/{f})  recall {h / max(e, 1):.3f} ({h}/{e})"
                    )
            print(f"all: precision {right / max(found, 1):.3f} ({right}/{found})  "
                  f"recall {hit / max(expected, 1):.3f} ({hit}/{expected})")  # fmt: skip
            times = []
            for s in series:
                trend(library.archive, s["question"])  # warm
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    trend(library.archive, s["question"])
                    times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            print(f"warm trend latency: p50 {statistics.median(times):.1f} ms  p95 {p95:.1f} ms  "
                  f"max {times[-1]:.1f} ms over {len(times)} runs")  # fmt: skip
        finally:
            library.close()


if __name__ == "__main__":
    main()
