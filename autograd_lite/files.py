"""Writing files so that a reader never sees half of one: the one atomic write of the project.

Saved models (:mod:`autograd_lite.nn.saving`) and everything ``viz`` writes (pictures, DOT
files, stepper pages) go through :func:`write_atomically`: the new content goes to a
temporary file in the same folder, which then replaces the old file in one step. A failure
at any moment (a character that cannot be encoded, a full disk, an interrupt) leaves the old
file whole and no temporary file behind.
"""

from __future__ import annotations

import os

__all__ = ["write_atomically"]


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
