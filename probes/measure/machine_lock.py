"""One probe at a time on a machine. Two probes running together slow each other down (2-24×
seen on a 2-core CPU) and both files would then hold wrong timings, so `run_probes` holds an
exclusive lock while it measures, and a second probe stops at once with one line naming the
first (its pid, when it started, where it writes).

The lock is an advisory `flock` on `genarch-probe.lock` in a private runtime folder: $XDG_RUNTIME_DIR
when it is a folder of this user's closed to others, else `genarch-<uid>` in the temp folder,
created 0700 (used only when it is a real folder, this user's and closed to others).
GENARCH_PROBE_LOCK overrides the path (the tests give each session its own). The file is opened
with O_NOFOLLOW and never truncated, and only a regular file of this user's with one link is
written, so a symlink or hard link planted at its name cannot redirect the write; when no safe
lock can be had, the probe runs unguarded and says so. The kernel releases the lock when the
process ends, even on a crash or SIGKILL, so a stale lock cannot block the next probe. Torch-free.
"""
from __future__ import annotations

import os
import stat
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

from rubric.errors import InputError

LOCK_ENV = "GENARCH_PROBE_LOCK"
LOCK_NAME = "genarch-probe.lock"
HOLDER_BYTES = 1000  # the holder line, padded with spaces: written in place, never truncated


def _private(directory: str) -> bool:
    """A real folder (not a symlink) of this user's that no one else can write or list."""
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o077


def lock_path() -> str:
    """Where the lock lives; raises OSError when no private folder can be had."""
    if os.environ.get(LOCK_ENV):
        return os.environ[LOCK_ENV]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and _private(runtime):
        return os.path.join(runtime, LOCK_NAME)
    directory = os.path.join(tempfile.gettempdir(), f"genarch-{os.getuid()}")
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    if not _private(directory):
        raise OSError(0, f"{directory} is not a private folder of this user's")
    return os.path.join(directory, LOCK_NAME)


def _open_lock(path: str) -> int:
    """The lock file's descriptor: O_NOFOLLOW (a planted symlink fails with ELOOP), O_NONBLOCK (a
    planted FIFO cannot hang the open), and then only a regular file of ours with one link."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid != os.getuid():
        os.close(fd)
        raise OSError(0, "not a regular file of this user's with one link")
    return fd


class ProbeBusy(InputError):
    """Another genarch probe holds this machine."""


@contextmanager
def exclusive_machine(out_path: str) -> Iterator[str | None]:
    """Hold the machine for one probe run. Yields None, or a note when no lock could be taken
    (no fcntl on this platform, or the lock file cannot be opened): the run goes on unguarded."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        yield "no machine lock on this platform: a second probe running at the same time would go unnoticed"
        return
    path = None
    try:
        path = lock_path()
        fd = _open_lock(path)
    except OSError as e:
        yield (f"no machine lock ({path or 'no private folder'}: {e.strerror or e}): a second probe running at "
               "the same time would go unnoticed")
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, HOLDER_BYTES, 0).decode(errors="replace").strip() or "holder unknown"
            holder = "".join(c if c.isprintable() else "?" for c in holder)[:300]
            raise ProbeBusy(f"another genarch probe is measuring this machine ({holder}); two at once slow "
                            "each other down and both timings would be wrong: wait for it to finish or stop it")
        line = (f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}, "
                f"writing {os.path.abspath(out_path)}").encode(errors="replace")[:HOLDER_BYTES]
        os.pwrite(fd, line.ljust(HOLDER_BYTES), 0)  # overwrites in place: no truncation
        yield None
    finally:
        os.close(fd)  # closing the descriptor releases the flock
