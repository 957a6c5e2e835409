"""Reading a file inside a work dir without ever following a link out of it.

Code in the sandbox writes the work dir, so everything in it is attacker-written: a ``leak.png`` may be
a symlink to the host's database, a folder may be a link to ``/``, a "file" may be a FIFO that blocks
whoever opens it. Every host-side reader of a work dir (the executors' artifact listing, the page, the
downloads, the exports) goes through this module: a relative path without ``..`` is opened one
component at a time from the trusted root with ``O_NOFOLLOW``, so a link anywhere on the way fails to
open instead of being followed, and only a regular file is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
_WALK_BY_FD = os.open in os.supports_dir_fd and bool(_NOFOLLOW)


def relative_parts(relative: str | PurePosixPath) -> tuple[str, ...] | None:
    """The components of a path that stays inside its root, or None (absolute, ``..``, empty, NUL)."""
    text = str(relative).replace("\\", "/")
    if not text or text.startswith("/") or "\0" in text or (len(text) > 1 and text[1] == ":"):
        return None
    parts = tuple(part for part in text.split("/") if part not in ("", "."))
    if not parts or ".." in parts:
        return None
    return parts


def _open_regular(root: Path, parts: tuple[str, ...]) -> int | None:
    """A read-only descriptor of the regular file ``root/parts``, reached without following links."""
    if not _WALK_BY_FD:
        return _open_by_checking(root, parts)
    try:
        fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)  # the root itself is ours to trust
    except OSError:
        return None
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = inner
        file_fd = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=fd)
    except OSError:  # a link (ELOOP, ENOTDIR), missing, or not ours to read
        return None
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(file_fd).st_mode):
        os.close(file_fd)
        return None
    return file_fd


def _open_by_checking(root: Path, parts: tuple[str, ...]) -> int | None:
    """Where descriptors cannot walk a path (Windows): refuse links on the way, then compare resolved paths."""
    path = root
    try:
        for part in parts:
            path = path / part
            if path.is_symlink():
                return None
        if not path.resolve().is_relative_to(root.resolve()) or not stat.S_ISREG(path.lstat().st_mode):
            return None
        return os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None


def file_size_inside(root: str | Path, relative: str | PurePosixPath) -> int | None:
    """The size of the regular file at ``relative`` inside ``root``, or None if it may not be read."""
    parts = relative_parts(relative)
    fd = _open_regular(Path(root), parts) if parts else None
    if fd is None:
        return None
    try:
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def read_inside(root: str | Path, relative: str | PurePosixPath, limit: int) -> bytes | None:
    """The bytes of the regular file at ``relative`` inside ``root``; None if it is not one, leaves the
    root, passes through a link, or is larger than ``limit`` bytes."""
    parts = relative_parts(relative)
    fd = _open_regular(Path(root), parts) if parts else None
    if fd is None:
        return None
    try:
        if os.fstat(fd).st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(limit + 1)
        return data if len(data) <= limit else None
    finally:
        os.close(fd)

