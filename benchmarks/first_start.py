"""From `baogao serve` on an empty home to the first answered question in the page, in Chromium.

    python benchmarks/first_start.py [--question Q --expect FIGURE] [--until-semantic] [--shots DIR]

Starts `baogao serve` on a new, empty home (the default model, the 25 bundled reports), opens the
page as soon as the server answers, asks the question once and waits for an answer card holding
the expected figure; with --until-semantic it then waits until the page drops its "keyword only"
note by itself (the semantic index landed). Prints each moment in seconds from launch, the
terminal's progress lines, and the load average (1 min) before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
QUESTION = "how many shantytown households were rebuilt"
LATE_QUESTION, LATE_FIGURE = "2024年政府工作报告安排的赤字率是多少？", "3%"
KEYWORD_NOTE = ".bg-keyword-only"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def follow(stream, started: float, lines: list[tuple[float, str]]) -> None:
    """Keep the server's terminal lines with the second each was printed."""
    for raw in iter(stream.readline, b""):
        lines.append((time.monotonic() - started, raw.decode("utf-8", "replace").rstrip()))


def first_moment(lines: list[tuple[float, str]], needle: str) -> float | None:
    return next((t for t, line in lines if needle in line), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--expect", default="2206", help="figure the answer card must show")
    parser.add_argument("--until-semantic", action="store_true")
    parser.add_argument("--shots", type=Path, help="save screenshots into this folder")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    scratch = Path(tempfile.mkdtemp(prefix="baogao-first-start-"))
    home, port = scratch / "home", free_port()
    url = f"http://localhost:{port}"
    env = {**os.environ, "BAOGAO_HOME": str(home)}
    env.pop("BAOGAO_MODEL", None)
    env.pop("BAOGAO_BUNDLED", None)
    command = [sys.executable, "-c", "from ui.cli import main; main()", "serve", "--port", str(port)]
    moments: dict[str, float] = {}
    lines: list[tuple[float, str]] = []
    server = None
    with sync_playwright() as p:  # the reader's browser is open before the server starts
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
        page.set_default_timeout(args.timeout * 1000)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=follow, args=(server.stdout, started, lines), daemon=True).start()
        try:
            while not healthy(url):
                if server.poll() is not None or time.monotonic() - started > args.timeout:
                    print("\n".join(line for _, line in lines))
                    return 1
                time.sleep(0.1)
            moments["server answers /_stcore/health"] = time.monotonic() - started
            page.goto(url)
            box = page.get_by_label("Question (Chinese or English)")
            box.wait_for()
            moments["page shows the question box"] = time.monotonic() - started
            box.fill(args.question)
            box.press("Enter")
            page.locator(".bg-answer .bg-figure", has_text=args.expect).wait_for()
            moments["first answer in the page"] = time.monotonic() - started
            keyword_only = page.locator(KEYWORD_NOTE).count() > 0
            # The README's report happens to be stored first; one stored late, for fairness:
            box.fill(LATE_QUESTION)
            box.press("Enter")
            page.locator(".bg-answer .bg-figure", has_text=LATE_FIGURE).wait_for()
            moments["answer from a report stored late"] = time.monotonic() - started
            box.fill(args.question)
            box.press("Enter")
            page.locator(".bg-answer .bg-figure", has_text=args.expect).wait_for()
            if args.shots:
                args.shots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.shots / "first-start-keyword-answer.png"))
            if args.until_semantic:
                page.locator(KEYWORD_NOTE).wait_for(state="detached")
                page.locator(".bg-answer .bg-figure", has_text=args.expect).wait_for()
                moments["page answers by meaning too"] = time.monotonic() - started
                if args.shots:
                    page.screenshot(path=str(args.shots / "first-start-semantic-answer.png"))
        finally:
            browser.close()
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            shutil.rmtree(scratch, ignore_errors=True)

    for needle, label in (("keyword search ready", "terminal: keyword search ready"),
                          ("semantic index ready", "terminal: semantic index ready")):
        if (t := first_moment(lines, needle)) is not None:
            moments[label] = t
    print("terminal:")
    for t, line in lines:
        if line.startswith("baogao:"):
            print(f"  {t:6.1f} s  {line}")
    print(f"\nfirst start on an empty home ({os.cpu_count()} cores), seconds from `baogao serve`:")
    for label, t in sorted(moments.items(), key=lambda kv: kv[1]):
        print(f"  {t:6.1f}  {label}")
    print(f"  first answer was keyword-only: {keyword_only}")
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
