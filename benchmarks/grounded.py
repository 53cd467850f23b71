"""Grounded answers: the right figure from the named report, and "not in the archive" when it is absent.

    python benchmarks/grounded.py [--home DIR] [--half tune|held-out|all] [--show-misses]

The eval archive holds the bundled reports except a few left out on purpose (so questions about
them have no answer here) plus real reports kept under benchmarks/grounded/reports/. It is built
once into --home (default ~/.cache/baogao/grounded-eval) and reused; delete it after changing
the readers or the figures.

Per language it prints: right figure (present questions whose answer holds the expected
figure), answered-when-present, refused-when-absent, and the same on period questions only.
The question set is split in two halves fixed by the `half` field; tuning looked at `tune` only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.library import Library  # noqa: E402

BUNDLED = ROOT / "data" / "reports"
EXTRA = ROOT / "benchmarks" / "grounded" / "reports"
QUESTIONS = ROOT / "benchmarks" / "grounded" / "questions.jsonl"
# Left out of the eval archive, so that questions about them are "absent" cases while their
# neighbours (2023 and 2025 State Council, the 2025/2026 provincial reports) stay as distractors.
LEFT_OUT = ("gwr_2024_state_council.txt", "gwr_2026_guangdong_province.txt")
DEFAULT_HOME = Path.home() / ".cache" / "baogao" / "grounded-eval"  # built once, reused


def build(home: Path) -> Library:
    """The eval archive, built once and reused (the embedding takes minutes on this machine)."""
    library = Library.open(home)
    if library.archive.reports():
        return library
    t = time.perf_counter()
    bundled = [p for p in sorted(BUNDLED.iterdir())
               if p.name not in LEFT_OUT and p.name != "manifest.tsv" and p.is_file()]
    library.add(bundled, manifest=BUNDLED / "manifest.tsv", index=False)
    library.add([p for p in sorted(EXTRA.iterdir()) if p.name != "manifest.tsv"],
                manifest=EXTRA / "manifest.tsv", index=False)
    library.rebuild()
    print(f"built the eval archive in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return library


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace(" ", "")


def judge(q: dict, result: dict) -> dict:
    """What happened to one question: answered or refused, and whether the figure and report fit."""
    answer = result.get("answer")
    answered = bool(result.get("found")) and answer is not None
    figure_ok = report_ok = False
    if answered and q.get("answer"):
        figure_ok = _norm(q["answer"]) == _norm(answer.get("figure"))
        report_ok = answer["citation"]["file_name"] in q.get("reports", [q.get("report")])
    return {"answered": answered, "figure_ok": figure_ok and report_ok, "report_ok": report_ok}


def score(rows: list[tuple[dict, dict]]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for q, v in rows:
        s = out.setdefault(q["lang"], {"present": 0, "answered": 0, "right": 0, "absent": 0,
                                       "refused": 0, "period": 0, "period_right": 0})
        if q["present"]:
            s["present"] += 1
            s["answered"] += v["answered"]
            s["right"] += v["figure_ok"]
            if q.get("period"):
                s["period"] += 1
                s["period_right"] += v["figure_ok"]
        else:
            s["absent"] += 1
            s["refused"] += not v["answered"]
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "   -  "


def report(label: str, scores: dict[str, dict]) -> None:
    print(f"\n{label}")
    print(f"{'lang':<5}{'right figure':>18}{'answered-present':>20}{'refused-absent':>20}"
          f"{'period figure':>18}")
    for lang in ("zh", "en"):
        if lang in scores:
            s = scores[lang]
            print(f"{lang:<5}{_ratio(s['right'], s['present']):>18}"
                  f"{_ratio(s['answered'], s['present']):>20}{_ratio(s['refused'], s['absent']):>20}"
                  f"{_ratio(s['period_right'], s['period']):>18}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--half", choices=("tune", "held-out", "all"), default="all")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    home = args.home or DEFAULT_HOME
    library = build(home)
    searcher = library.searcher()
    questions = [json.loads(line) for line in args.questions.read_text("utf-8").splitlines()
                 if line.strip()]
    halves = ("tune", "held-out") if args.half == "all" else (args.half,)
    for half in halves:
        rows = []
        for q in (q for q in questions if q["half"] == half):
            result = library.ask(q["question"], searcher=searcher)
            verdict = judge(q, result)
            rows.append((q, verdict))
            if args.show_misses and half == "tune" and (
                (q["present"] and not verdict["figure_ok"]) or (not q["present"] and verdict["answered"])
            ):
                a = result.get("answer") or {}
                print(f"MISS {q['id']}: {q['question']} -> {a.get('figure')!r} "
                      f"[{(a.get('citation') or {}).get('file_name')}] reason={result.get('reason')!r}",
                      file=sys.stderr)
        report(f"half: {half} ({len(rows)} questions)", score(rows))


if __name__ == "__main__":
    main()
