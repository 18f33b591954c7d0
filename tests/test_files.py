"""The one atomic writer: a reader never sees half a file, and a killed writer's leftovers go."""

import os
import signal
import subprocess
import sys
import time

import pytest

from autograd_lite.files import remove_stale_temporaries, write_atomically


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_write_removes_what_a_killed_writer_of_the_same_file_left(tmp_path):
    page = tmp_path / "page.html"
    stale = tmp_path / f".page.html.{dead_pid()}.0a1b2c3d.tmp"
    stale.write_text("half a page")
    write_atomically(page, "<p>whole</p>")
    assert page.read_text() == "<p>whole</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_a_write_leaves_a_running_writers_file_and_other_files_alone(tmp_path):
    mine = tmp_path / f".page.html.{os.getpid()}.0a1b2c3d.tmp"  # this process: maybe a thread
    other = tmp_path / f".notes.txt.{dead_pid()}.0a1b2c3d.tmp"  # another file's
    lookalike = tmp_path / ".page.html.12.not-hex.tmp"
    for p in (mine, other, lookalike):
        p.write_text("x")
    write_atomically(tmp_path / "page.html", "y")
    assert mine.exists() and other.exists() and lookalike.exists()
    assert remove_stale_temporaries(tmp_path / "notes.txt") == [str(other)]


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_writer_killed_mid_write_leaves_nothing_after_the_next_write(tmp_path):
    target = tmp_path / "big.dot"
    script = (
        "import sys\n"
        "from autograd_lite.files import write_atomically\n"
        "while True:\n"
        f"    write_atomically({str(target)!r}, 'x' * 30_000_000)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 20
    while not any(p.suffix == ".tmp" for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "the writer never started"
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    write_atomically(target, "digraph {}")
    assert [p.name for p in tmp_path.iterdir()] == ["big.dot"]
    assert target.read_text() == "digraph {}"
