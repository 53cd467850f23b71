"""The long crash loop: SIGKILL `baogao add/rebuild/remove/edit` hundreds of times, check after each.

    python benchmarks/crash_loop.py [--kills 300] [--seed N] [--real-every 50] [--model DIR]

Without --model a tiny offline model is built in a temporary folder (about a second), which
keeps each kill cheap; with the default model every child pays its real load time. Prints one
row per operation (kills, clean, repaired, failed) and exits 1 if any kill left damage that
`baogao check --repair` could not fix, or lost a report. The CI share is
tests/reliability/test_crash.py (50 kills; 300 with -m slow).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import build_tiny_model  # noqa: E402
from reliability.harness import crash_loop  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=random.randrange(10**6))
    parser.add_argument(
        "--real-every",
        type=int,
        default=50,
        help="every n-th kill hits the installed `baogao` script (0: never)",
    )
    parser.add_argument("--model", type=Path, help="a sentence-transformers folder")
    parser.add_argument("--workdir", type=Path, help="keep the homes and logs here")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="baogao-crash-"))
    model = args.model or build_tiny_model(workdir / "tiny-model" / "tiny-bert")
    print(f"seed {args.seed}, {args.kills} kills, work in {workdir}", file=sys.stderr)
    summary = crash_loop(
        args.kills, model, seed=args.seed, real_every=args.real_every, workdir=workdir / "loop"
    )
    print(summary.table())
    for failure in summary.failures:
        print("FAILED:", failure)
    return 1 if summary.failures or summary.survived < summary.kills else 0


if __name__ == "__main__":
    sys.exit(main())
