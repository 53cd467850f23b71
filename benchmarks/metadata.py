"""How well metadata read from the files matches the manifest: the bundled reports added bare.

    python benchmarks/metadata.py [--folder data/reports] [--verbose]

Every report in the folder is copied, without manifest.tsv, into a temporary folder and added
with the archive's own `add` (no index), twice: once under its own file name, once renamed to
report-NN so that only the file's text and properties speak. Each report's issuer place and year
are compared with the manifest's. Places compare by division code (呼伦贝尔市海拉尔区人民政府 and
海拉尔区人民政府 are one place), national bodies (国务院, 中共全国代表大会) as "national", and an
issuer naming no place (区人民政府) as "" — so a report whose manifest names no place is right
only when none is read. A blank manifest year is right only when no year is read.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.metadata import load_manifest  # noqa: E402
from archive.places import most_specific, places_in  # noqa: E402
from index.library import Library  # noqa: E402

NATIONAL = ("国务院", "中央人民政府", "全国", "中国共产党", "中华人民共和国")


def place_of(issuer: str | None) -> str:
    """A comparable place for an issuer: a division code, "national", or "" when none is named."""
    if not issuer:
        return ""
    if any(word in issuer for word in NATIONAL):
        return "national"
    place = most_specific(places_in(issuer))
    return place.code if place else ""


def added_bare(files: list[Path], renamed: bool) -> dict[str, dict]:
    """Add copies of the files (no manifest) to a fresh archive; metadata by original name."""
    with tempfile.TemporaryDirectory() as tmp:
        folder, home = Path(tmp, "in"), Path(tmp, "home")
        folder.mkdir()
        originals = {}
        for n, f in enumerate(files):
            name = f"report-{n:02d}{f.suffix}" if renamed else f.name
            shutil.copy(f, folder / name)
            originals[name] = f.name
        library = Library.open(home)
        try:
            outcomes = library.add([folder], index=False)
            reports = {r["file_name"]: r for r in library.archive.reports()}
        finally:
            library.close()
        failed = [o for o in outcomes if o.status != "added"]
        if failed:
            raise SystemExit(f"could not add: {[(str(o.path), o.message) for o in failed]}")
        return {originals[name]: r for name, r in reports.items()}


def score(manifest: dict[str, dict], got: dict[str, dict], verbose: bool, label: str) -> float:
    place_right = year_right = both = 0
    for name, expected in sorted(manifest.items()):
        r = got[name]
        p_ok = place_of(expected.get("issuer")) == place_of(r["issuer"])
        y_ok = expected.get("year") == r["year"]
        place_right += p_ok
        year_right += y_ok
        both += p_ok and y_ok
        if verbose and not (p_ok and y_ok):
            print(f"  [{label}] {name}: issuer {r['issuer']!r} (manifest {expected.get('issuer')!r}), "
                  f"year {r['year']} (manifest {expected.get('year')})")
    n = len(manifest)
    print(f"{label:<22} reports {n}  issuer place {place_right / n:.3f}  year {year_right / n:.3f}  "
          f"both {both / n:.3f}")
    return both / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=ROOT / "data" / "reports")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    manifest = load_manifest(args.folder / "manifest.tsv")
    files = [args.folder / name for name in manifest]
    score(manifest, added_bare(files, renamed=False), args.verbose, "own file names")
    score(manifest, added_bare(files, renamed=True), args.verbose, "renamed report-NN")


if __name__ == "__main__":
    main()
