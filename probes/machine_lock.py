"""One probe at a time on a machine. Two probes running together slow each other down (2-24×
seen on a 2-core CPU) and both files would then hold wrong timings, so `run_probes` holds an
exclusive lock while it measures, and a second probe stops at once with one line naming the
first (its pid, when it started, where it writes).

The lock is an advisory `flock` on a file in the temp folder (GENARCH_PROBE_LOCK overrides the
path; the tests give each session its own). The kernel releases it when the process ends, even
on a crash or SIGKILL, so a stale lock cannot block the next probe. Torch-free.
"""
from __future__ import annotations

import os
import tempfile
import time
from contextlib import contextmanager
from typing import Iterator

from rubric.errors import InputError

LOCK_ENV = "GENARCH_PROBE_LOCK"


def lock_path() -> str:
    return os.environ.get(LOCK_ENV) or os.path.join(tempfile.gettempdir(), "genarch-probe.lock")


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
    path = lock_path()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        yield f"no machine lock ({path}: {e.strerror}): a second probe running at the same time would go unnoticed"
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 1000, 0).decode(errors="replace").strip() or "holder unknown"
            raise ProbeBusy(f"another genarch probe is measuring this machine ({holder}); two at once slow "
                            "each other down and both timings would be wrong: wait for it to finish or stop it")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}, "
                      f"writing {os.path.abspath(out_path)}".encode(), 0)
        yield None
    finally:
        os.close(fd)  # closing the descriptor releases the flock
