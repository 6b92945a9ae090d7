"""Atomic writes: a reader sees the old output or the new one, never half of either.

Files are written to a temporary sibling and ``os.replace``d into place (atomic on POSIX within one
filesystem). A directory of outputs is built in a temporary sibling directory and swapped in with two
renames; a crash between them leaves the previous output in a ``.{name}.old-*`` backup beside it.
Temporaries of a process that was killed are removed by the next write of the same path.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path


def _sibling(path: Path, tag: str) -> Path:
    return path.parent / f".{path.name}.{tag}-{os.getpid()}-{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists, owned by someone else
        return True
    return True


def remove_stale(path: Path) -> list[Path]:
    """Remove temporaries of ``path`` left by processes that died (killed mid-write).

    ``.{name}.tmp-<pid>-*`` siblings whose process is gone are removed; so are ``.old-*`` backups
    of a dead process when ``path`` itself exists (a backup is kept while it is the only copy).
    Returns what was removed.
    """
    removed = []
    for tag in ("tmp", "old"):
        for stale in path.parent.glob(f".{glob.escape(path.name)}.{tag}-*-*"):
            pid = stale.name.rsplit("-", 2)[-2]
            if not pid.isdigit() or _pid_alive(int(pid)):
                continue
            if tag == "old" and not path.exists():
                continue
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
            removed.append(stale)
    return removed


def _fsync_dir(path: Path) -> None:
    # Make the rename itself durable; some filesystems refuse to open directories: not fatal.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    Parameters
    ----------
    path
        Destination file; its parent directory must exist.
    data
        The complete new content.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    remove_stale(path)
    tmp = _sibling(path, "tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8 by default, text as given) and return the path."""
    return atomic_write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def atomic_directory(final_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a directory in a temporary sibling and swap it into ``final_dir`` on success.

    Parameters
    ----------
    final_dir
        The directory to create or replace. Its parent is created if needed.

    Yields
    ------
    Path
        An empty temporary directory on the same filesystem as ``final_dir``; write everything there.

    Notes
    -----
    On success the previous ``final_dir`` (if any) is renamed to a backup, the new one renamed in,
    and the backup removed. If the body raises, the temporary directory is removed, the previous
    ``final_dir`` is left untouched, and the exception propagates.
    """
    final = Path(final_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(final)
    tmp = _sibling(final, "tmp")
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    backup: Path | None = None
    try:
        if final.exists() or final.is_symlink():
            backup = _sibling(final, "old")
            os.rename(final, backup)
        os.rename(tmp, final)
    except BaseException:
        # Put the previous output back before reporting the failure.
        if backup is not None and not final.exists():
            os.rename(backup, final)
            backup = None
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(final.parent)
    if backup is not None:
        if backup.is_dir() and not backup.is_symlink():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            backup.unlink(missing_ok=True)
