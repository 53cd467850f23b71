"""Scanned bulletins: OCR ingest speed and memory, table cells kept, questions on scan vs original.

    python benchmarks/ocr.py [--work DIR] [--pages 20] [--skip-qa]

Makes its scans by rasterising a text PDF (default: the 13-page 2023 周口 统计公报) at 150 dpi
into greyscale JPEG pages wrapped as an image-only PDF (pypdfium2 + Pillow), then prints:
1. ingest of a --pages scan (the bulletin's pages repeated to reach it) in a fresh process:
   wall and CPU seconds a page, peak RSS, and the load average (the machine is shared);
2. the share of the bulletin's table values (benchmarks/data/zhoukou_table_cells.tsv, read
   off the text layer with pypdf) found in a stored line with their row label and column
   header, on the text original and on the scan;
3. hit@1 / hit@5 / answer accuracy of benchmarks/data/zhoukou_questions.jsonl (20 questions
   written from reading the bulletin, half on table values) on an archive of the original and
   one of the scan, with the default model. Nothing was tuned on these questions.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = Path(__file__).parent / "data"
SOURCE = ROOT.parent / "shared" / "corpus" / "formats" / "zhoukou_tjgb_2023.pdf"

INGEST = """
import sys, time
from archive.ingest import parse_file
from archive.store import Archive
t = time.perf_counter()
parsed = parse_file(__import__("pathlib").Path(sys.argv[1]))
Archive(sys.argv[2]).add(parsed)
print(len(parsed.pages), len(parsed.chunks), round(time.perf_counter() - t, 2))
"""


def make_scan(source: Path, target: Path, pages: int | None = None, dpi: int = 150) -> int:
    """An image-only PDF of `source` at `dpi`; its pages repeated until there are `pages`."""
    import pypdfium2
    from PIL import Image

    pdf = pypdfium2.PdfDocument(source)
    count = len(pdf)
    order = [i % count for i in range(pages or count)]
    images: list[Image.Image] = []
    for index in order:
        image = pdf[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        images.append(image)
    target.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(target, "PDF", save_all=True, append_images=images[1:], resolution=dpi,
                   quality=80)
    return len(images)


def time_ingest(scan: Path, pages: int, work: Path) -> None:
    db = work / "ingest.db"
    db.unlink(missing_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load_before = os.getloadavg()
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", INGEST, str(scan), str(db)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    load_after = os.getloadavg()
    stored_pages, chunks, _ = done.stdout.split()
    print(f"ingest of a {pages}-page scan at 150 dpi ({os.cpu_count()} cores): "
          f"{wall:.1f} s wall = {wall / pages:.2f} s a page; CPU {cpu / pages:.2f} s a page; "
          f"peak RSS {after.ru_maxrss / 1024:.0f} MB; {stored_pages} pages, {chunks} chunks stored")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1-minute; the machine is shared with other work)")


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def table_share(text: str) -> tuple[int, int, list[str]]:
    """Table values found in one stored line together with their row label and column header."""
    lines = [_norm(line) for line in text.split("\n")]
    with open(DATA / "zhoukou_table_cells.tsv", encoding="utf-8") as handle:
        cells = list(csv.DictReader(handle, delimiter="\t"))
    missing = []
    for cell in cells:
        label, pair = _norm(cell["row"]), _norm(f"{cell['column']}: {cell['value']}")
        if not any(label in line and pair in line for line in lines):
            missing.append(f"{cell['table']} {cell['row']} · {cell['column']} {cell['value']}")
    return len(cells) - len(missing), len(cells), missing


def qa(file: Path, home: Path, questions: list[dict]) -> dict:
    from index.evaluate import answer_ok, is_hit
    from index.library import Library

    library = Library.open(home)
    try:
        outcome = library.add([file], index=False)[0]
        assert outcome.status == "added", outcome.message
        library.rebuild()
        scores: dict[str, list] = {}
        for q in questions:
            result = library.ask(q["question"])
            rank = next((p["rank"] for p in result["passages"] if is_hit(p, q)), None)
            ok = answer_ok(result.get("answer"), q)
            for key in ("all", q["split"], q["source"]):
                scores.setdefault(key, []).append((rank, ok))
        return {
            key: {"n": len(v), "hit@1": sum(r == 1 for r, _ in v) / len(v),
                  "hit@5": sum(r is not None and r <= 5 for r, _ in v) / len(v),
                  "answer": sum(ok for _, ok in v) / len(v)}
            for key, v in scores.items()
        }
    finally:
        library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, help="folder for the scans and archives (default: a temp dir)")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--skip-qa", action="store_true")
    parser.add_argument("--skip-timing", action="store_true")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="baogao-ocr-"))
    scan = work / "scan" / args.source.name  # same file name as the original: the QA names it
    if not scan.exists():
        make_scan(args.source, scan)
    if not args.skip_timing:
        long_scan = work / f"scan{args.pages}.pdf"
        if not long_scan.exists():
            make_scan(args.source, long_scan, args.pages)
        time_ingest(long_scan, args.pages, work)

    from archive.readers import read_file

    for name, path in (("text original", args.source), ("scan", scan)):
        found, total, missing = table_share(read_file(path).text)
        print(f"table values with row and column header, {name}: {found}/{total} = {found / total:.1%}")
        for m in missing[:8]:
            print(f"  missing: {m}")
    if args.skip_qa:
        return
    questions = [json.loads(line) for line in (DATA / "zhoukou_questions.jsonl").open(encoding="utf-8")]
    results = {}
    for name, path in (("original", args.source), ("scan", scan)):
        home = work / f"home-{name}"
        if home.exists():
            import shutil

            shutil.rmtree(home)
        results[name] = qa(path, home, questions)
    print(f"questions ({len(questions)}, zh; dev = odd ids, holdout = even ids):")
    print(f"  {'subset':<8} {'n':>3}  {'original hit@1/hit@5/answer':<28} scan hit@1/hit@5/answer")
    for key in ("all", "dev", "holdout", "table", "text"):
        o, s = results["original"][key], results["scan"][key]
        print(f"  {key:<8} {o['n']:>3}  {o['hit@1']:.2f} / {o['hit@5']:.2f} / {o['answer']:.2f}"
              f"{'':<10} {s['hit@1']:.2f} / {s['hit@5']:.2f} / {s['answer']:.2f}")


if __name__ == "__main__":
    main()
