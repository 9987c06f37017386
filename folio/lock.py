"""One build at a time per project: an exclusive lock on ``build/.lock``.

The lock is an ``flock`` on the file, so it goes with the process that holds it: a build that is
killed, however, leaves no stale lock behind. The file holds the holder's process id, for the
message the next build gives while it is held.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path

from .errors import FolioError


class BuildLocked(FolioError):
    """Another folio process is building this project."""


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        pid = ""
    return f"process {pid}" if pid.isdigit() else "another process"


@contextlib.contextmanager
def build_lock(build_dir: Path, what: str = "build"):
    """Hold ``build_dir/.lock`` for the duration; BuildLocked at once if another process holds it."""
    path = Path(build_dir) / ".lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise BuildLocked(
                f"another folio build is running in this project ({_holder(path)} holds the lock)",
                file=path, hint=f"wait for it to finish and {what} again, or stop that process; "
                                "two builds at once would overwrite each other's files") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race the next build)
