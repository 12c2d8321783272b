"""The one way genarch writes a file it produces (reports, probe results, calibration, FLOP counts).

    write_atomic("report.pdf", data)                      # bytes
    write_text_atomic("report.md", text)                  # UTF-8 text
    write_json_atomic("probe-results.json", results)      # JSON, NaN and Infinity refused

A reader sees the old file or the new one, never half of one, and nothing planted beside the
target can redirect the write:

- the target must be a regular file or absent. A FIFO, a device node, a directory (or a symlink
  to any of them) is refused with one line (InputError) and left as it is. A symlink to a regular
  file is replaced by the new file: the file it pointed to is never written;
- the bytes go to a temporary file with a random name in the target's folder, created with
  O_CREAT | O_EXCL | O_NOFOLLOW (mode 0600, set to the umask's default once written), so a
  symlink or file planted at any name is never followed nor reused;
- write, flush, fsync, `os.replace` onto the target, then fsync the folder;
- on any error, Ctrl-C included, the temporary file is removed.

Torch-free.
"""
from __future__ import annotations

import json
import os
import secrets
import stat

from rubric.errors import InputError

_KINDS = ((stat.S_ISDIR, "is a directory; name a file"), (stat.S_ISFIFO, "is a FIFO (named pipe), not a regular file"),
          (stat.S_ISCHR, "is a character device, not a regular file"),
          (stat.S_ISBLK, "is a block device, not a regular file"), (stat.S_ISSOCK, "is a socket, not a regular file"))


def _umask() -> int:
    """The process umask, read without changing it where /proc allows (os.umask() both sets and
    reads, which would race with other threads, e.g. Streamlit's)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_target(path: str | os.PathLike, label: str | None = None) -> None:
    """Raise InputError unless `path` is absent or (through any symlinks) a regular file, and its
    folder exists."""
    path = os.fspath(path)
    label = label or path
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"{label}: the directory {directory} does not exist")
    try:
        st = os.stat(path)  # follows symlinks: a link to a FIFO is refused like the FIFO
    except FileNotFoundError:
        return  # absent, or a dangling symlink (replaced, never followed)
    except OSError as err:  # a symlink loop, a component that is not a folder, no permission
        raise InputError(f"{label}: cannot write there ({err.strerror or type(err).__name__})") from None
    for test, reason in _KINDS:
        if test(st.st_mode):
            raise InputError(f"{label}: {reason}")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{label}: not a regular file")


def write_atomic(path: str | os.PathLike, data: bytes, label: str | None = None) -> None:
    """Write `data` to `path` as described in the module docstring. `label` names the target in
    error messages (e.g. "--out report.md"; default: the path). OSError becomes InputError."""
    path = os.fspath(path)
    label = label or path
    check_target(path, label)
    directory = os.path.dirname(os.path.abspath(path))
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    tmp = None
    for _ in range(16):  # a name taken (planted or a concurrent writer): draw another
        candidate = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(candidate, flags, 0o600)
        except FileExistsError:
            continue
        except OSError as err:
            raise InputError(f"{label}: cannot write ({err.strerror or type(err).__name__})") from None
        tmp = candidate
        break
    if tmp is None:
        raise InputError(f"{label}: cannot create a temporary file in {directory}")
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fchmod(f.fileno(), 0o666 & ~_umask())
                os.fsync(f.fileno())
            os.replace(tmp, path)
            tmp = None
        except OSError as err:
            raise InputError(f"{label}: cannot write ({err.strerror or type(err).__name__})") from None
        _fsync_directory(directory)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _fsync_directory(directory: str) -> None:
    """Make the rename durable. Some file systems cannot fsync a folder; the file is written anyway."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text_atomic(path: str | os.PathLike, text: str, label: str | None = None) -> None:
    write_atomic(path, text.encode("utf-8"), label)


def write_json_atomic(path: str | os.PathLike, obj, label: str | None = None, indent: int | None = 1) -> None:
    """JSON with a final newline. NaN and Infinity raise ValueError before any file is touched."""
    write_atomic(path, (json.dumps(obj, indent=indent, allow_nan=False) + "\n").encode("utf-8"), label)
