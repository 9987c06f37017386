"""Faults on demand: a build killed in the middle of writing a file, and writes that fail as on
a full disk or a read-only folder."""

from __future__ import annotations

import builtins
import errno
import io
import os
import subprocess
import sys
from pathlib import Path

# Run in a child process (Linux: /proc names an open file): the n-th write-mode open of a path
# containing TARGET, by name or by descriptor, writes half of
# what it is given, makes sure those bytes are on disk, and the process is SIGKILLed: nothing
# of the build's own clean-up runs, as when a machine loses power or CI cancels a job.
_DYING = r'''
import builtins, io, os, signal, sys
target, nth = os.environ["FOLIO_KILL_AT"], int(os.environ.get("FOLIO_KILL_NTH", "1"))
seen = [0]
real_open = io.open

class Dying:
    def __init__(self, f):
        self.f = f
    def write(self, data):
        self.f.write(data[: max(1, len(data) // 2)])
        self.f.flush()
        os.fsync(self.f.fileno())
        open(os.environ["FOLIO_KILL_MARK"], "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.f.close()
    def __getattr__(self, name):
        return getattr(self.f, name)

def dying_open(file, mode="r", *args, **kwargs):
    f = real_open(file, mode, *args, **kwargs)
    if isinstance(file, (str, os.PathLike)) and target in os.fspath(file) and ("w" in mode or "x" in mode):
        seen[0] += 1
        if seen[0] == nth:
            return Dying(f)
    return f

real_fdopen = os.fdopen

def dying_fdopen(fd, mode="r", *args, **kwargs):
    f = real_fdopen(fd, mode, *args, **kwargs)
    if ("w" in mode or "x" in mode) and target in os.readlink(f"/proc/self/fd/{fd}"):
        seen[0] += 1
        if seen[0] == nth:
            return Dying(f)
    return f

io.open = builtins.open = dying_open
os.fdopen = dying_fdopen
from folio.cli import main
sys.exit(main(sys.argv[1:]))
'''


def build_killed_while_writing(root: Path, target: str, nth: int = 1, *,
                               must: bool = True) -> str | None:
    """Run ``folio build --jobs 1 --no-site`` in ``root`` and kill it half-way through its
    ``nth`` write of a file whose path contains ``target``. Returns the build's stderr; None
    (unless ``must``) when the build made fewer such writes and finished."""
    mark = root / "killed.mark"
    env = dict(os.environ, FOLIO_KILL_AT=target, FOLIO_KILL_NTH=str(nth), FOLIO_KILL_MARK=str(mark))
    proc = subprocess.run([sys.executable, "-c", _DYING, "build", "--jobs", "1", "--no-site"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    if not must and proc.returncode == 0 and not mark.is_file():
        return None
    assert proc.returncode == -9 and mark.is_file(), (
        f"the build was not killed writing {target!r} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    mark.unlink()
    return proc.stderr


def refuse_writes(monkeypatch, under: Path, code: int) -> list[str]:
    """Every attempt to create or write a file or folder under ``under`` fails with ``code``
    (ENOSPC: a full disk; EROFS: a read-only file system), as the OS would say it. Returns the
    paths refused, in order."""
    under = str(Path(under).resolve())
    refused: list[str] = []
    real_open, real_os_open, real_mkdir = io.open, os.open, os.mkdir

    def inside(path) -> bool:
        if not isinstance(path, (str, os.PathLike)):
            return False
        p = os.path.abspath(os.fspath(path))
        return p == under or p.startswith(under + os.sep)

    def refuse(path):
        refused.append(os.fspath(path))
        raise OSError(code, os.strerror(code), os.fspath(path))

    def fake_open(file, mode="r", *args, **kwargs):
        if inside(file) and any(c in mode for c in "wxa+"):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if inside(path) and not os.path.isdir(path):
            refuse(path)
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    return refused


ENOSPC, EROFS = errno.ENOSPC, errno.EROFS
