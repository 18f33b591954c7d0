"""Writing files so that a reader never sees half of one: the one atomic write of the project.

Saved models (:mod:`autograd_lite.nn.saving`) and everything ``viz`` writes (pictures, DOT
files, stepper pages) go through :func:`write_atomically`: the new content goes to a
temporary file in the same folder, which then replaces the old file in one step. A failure
at any moment (a character that cannot be encoded, a full disk, an interrupt) leaves the old
file whole and no temporary file behind; a writer killed outright (SIGKILL, a power cut)
leaves its temporary file, which the next write of the same path removes.
"""

from __future__ import annotations

import os
import re

__all__ = ["write_atomically", "remove_stale_temporaries"]


def write_atomically(path: str | os.PathLike, content: str | bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file and a rename.

    Text is encoded as UTF-8 before any file is opened, so text that cannot be encoded
    (a lone surrogate such as ``"\\ud800"``) fails without touching the folder.

    Args:
        path: the file to write; an existing file is replaced.
        content: the text (written as UTF-8) or the bytes to write.

    Raises:
        UnicodeEncodeError: if the text cannot be encoded as UTF-8; nothing is written.
        OSError: if the folder cannot be written; the old file, if any, is left as it was.

    Example:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = pathlib.Path(d) / "notes.txt"
        ...     write_atomically(p, "first")
        ...     write_atomically(p, "second")
        ...     p.read_text(), len(list(pathlib.Path(d).iterdir()))
        ('second', 1)
    """
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    path = os.fspath(path)
    remove_stale_temporaries(path)
    folder = os.path.dirname(os.path.abspath(path))
    name = f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    tmp = os.path.join(folder, name)
    # O_EXCL: never write through someone else's file; mode 0o666 less the umask, as for
    # any file the user creates (tempfile's would be private to its owner)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def remove_stale_temporaries(path: str | os.PathLike) -> list[str]:
    """Remove the temporary files that writes of ``path`` killed half-way left behind.

    A temporary file is named after its writer's process id
    (``.model.json.<pid>.<random>.tmp``, see :func:`write_atomically`).
    Only files whose writer no longer runs are removed: a write running at this moment in
    another process, or in another thread of this one, is not disturbed. Where a process
    cannot be asked whether it runs (not a POSIX system), nothing is removed.

    Args:
        path: the file whose writes left the temporary files.

    Returns:
        The paths removed.
    """
    if os.name != "posix":
        return []
    folder = os.path.dirname(os.path.abspath(path))
    pattern = re.compile(re.escape(f".{os.path.basename(path)}.") + r"(\d{1,10})\.[0-9a-f]+\.tmp")
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or _is_running(int(match.group(1))):
            continue
        try:
            os.remove(entry.path)
            removed.append(entry.path)
        except OSError:  # removed by another write meanwhile, or not ours to remove
            pass
    return removed


def _is_running(pid: int) -> bool:
    """Whether process ``pid`` exists (this process counts: its other threads may write)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False  # not a process id: kill(0) or kill(-1) would signal groups
    try:
        os.kill(pid, 0)  # signal 0: no signal is sent, only whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process (or a number no process has: keep it)
    return True
