"""Sick disks: every command on a read-only home, a full disk, a damaged database or a damaged
index ends in output or one clear line, never a traceback; a refused write changes nothing.

The homes live on a small tmpfs mounted by the test (remounted read-only, or filled up): real
file systems saying EROFS and ENOSPC, not mocks. Without the right to mount, the tests skip.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPORTS

from archive.store import Archive

SMALL = ["district-deputy-duty-report.txt", "gwr_2012_hailaer_district.txt"]
EXTRA = REPORTS / "gwr_2014_hailaer_district.txt"
QUESTION = "棚户区改造了多少户"

READS = [
    ["list"],
    ["list", "--json"],
    ["path"],
    ["show", "1"],
    ["show", "1", "--json"],
    ["ask", QUESTION, "--method", "keyword"],
    ["ask", QUESTION, "--json"],
    ["check"],
]
WRITES = [
    ["add", str(EXTRA)],
    ["edit", "1", "--title", "改名的报告"],
    ["remove", "2"],
    ["rebuild"],
    ["check", "--repair"],
]


def mount(point: Path, size: str) -> None:
    point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


def remount(point: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(point)], check=True)


@pytest.fixture
def disk(tmp_path):
    point = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount(point, "48m")
    yield point
    subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture(scope="module")
def pristine(indexed_home) -> Path:
    """Two small reports indexed once with the tiny model; each test copies the home."""
    return indexed_home(SMALL, manifest=False)


@pytest.fixture
def run(tiny_model_dir, monkeypatch):
    from ui.cli import cli

    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))

    def invoke(home: Path, *args: str):
        result = CliRunner().invoke(cli, [*args, "--home", str(home)])
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not crashed, f"{args}: traceback {result.exception!r}\n{result.output}"
        return result

    return invoke


def state(home: Path) -> dict:
    archive = Archive(home / "archive.db")
    try:
        return {**archive.counts(), "generation": archive.generation}
    finally:
        archive.close()


def one_line_refusal(result, *words: str) -> str:
    """Exit 1 and one `Error:` line naming the cause (progress labels may come before it)."""
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert result.exit_code == 1, result.output
    assert len(errors) == 1 and result.output.rstrip().endswith(errors[0]), result.output
    assert all(w in errors[0] for w in words), errors[0]
    return errors[0]


def fill(point: Path, leave_bytes: int) -> Path:
    """Write a filler file until only `leave_bytes` remain free on the tmpfs."""
    filler = point / "filler"
    free = shutil.disk_usage(point).free
    with open(filler, "wb") as f:
        f.truncate(0)
        f.write(b"\0" * max(0, free - leave_bytes))
    return filler


def test_a_read_only_home_answers_and_refuses_writes_in_one_line(disk, pristine, run):
    home = disk / "home"
    shutil.copytree(pristine, home)
    before = state(home)
    remount(disk, "ro")
    for args in READS:
        result = run(home, *args)
        assert result.exit_code == 0, f"{args}: {result.output}"
    assert "2206" in run(home, "ask", QUESTION, "--method", "keyword").output
    for args in WRITES:
        one_line_refusal(run(home, *args), "read-only")
    remount(disk, "rw")
    assert state(home) == before


@pytest.mark.parametrize("leave_kb", [0, 16, 64, 256, 1024])
def test_a_full_disk_refuses_in_one_line_and_the_archive_keeps_answering(
    disk, pristine, run, leave_kb
):
    """Full at different moments of the write: nothing half-done, answers as before, and the
    same write succeeds once space is freed."""
    home = disk / "home"
    shutil.copytree(pristine, home)
    before = state(home)
    filler = fill(disk, leave_kb * 1024)
    for args in WRITES:
        result = run(home, *args)
        if result.exit_code:
            one_line_refusal(result, "full")
    after = state(home)
    assert after["chunks"] == after["chunks_fts"]
    assert run(home, "check").exit_code == 0, run(home, "check").output
    assert "2206" in run(home, "ask", QUESTION).output
    filler.unlink()
    if after["reports"] == before["reports"]:
        assert run(home, "add", str(EXTRA)).exit_code == 0
    assert run(home, "check").exit_code == 0


def damage_database(home: Path) -> None:
    """3,000 random bytes in the middle of archive.db, its size unchanged."""
    path = home / "archive.db"
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 3000] = bytes((i * 7919) % 251 for i in range(3000))
    path.write_bytes(bytes(data))


def damage_index(home: Path) -> None:
    path = home / "index" / "vectors.faiss"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2048] = bytes(2048)
    path.write_bytes(bytes(data))


def test_a_damaged_database_is_never_written_to(tmp_path, pristine, run):
    home = tmp_path / "home"
    shutil.copytree(pristine, home)
    damage_database(home)
    damaged = (home / "archive.db").read_bytes()
    for args in READS:
        run(home, *args)  # output or one line: never a traceback
    for args in WRITES:
        result = run(home, *args)
        assert result.exit_code == 1, f"{args} wrote to a damaged archive: {result.output}"
        assert "restore" in result.output, result.output
    assert (home / "archive.db").read_bytes() == damaged


def test_a_damaged_index_is_caught_and_rebuilt(tmp_path, pristine, run):
    home = tmp_path / "home"
    shutil.copytree(pristine, home)
    damage_index(home)
    assert "checksum" in run(home, "check").output
    for args in READS:
        run(home, *args)
    assert "rebuilt the index" in run(home, "check", "--repair").output
    assert run(home, "check").exit_code == 0
