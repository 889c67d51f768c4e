"""Files written whole or not at all: every file gates writes goes through here.

A file is written to a temporary file in the same folder, flushed to the disk (fsync), and only
then renamed over the target (os.replace, atomic on POSIX and Windows). When anything fails on
the way (a full disk, `ulimit -f`, a read-only folder, a drawing program that crashes), the
temporary file is removed and an existing target is left exactly as it was: a reader never sees
half a diagram, and a good file is never replaced by a truncated one.

    write_text("net.dot", text)                      # text, UTF-8
    with replacing("net.svg") as temporary:          # a program writes the file itself
        subprocess.run(["dot", "-Tsvg", "-o", str(temporary)], ...)

Every failure is a WriteError (a ValueError) whose message is one line naming the file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriteError(ValueError):
    """A file could not be written whole; the target, if it existed, is untouched."""


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _temporary(path: Path) -> Path:
    """Create an empty temporary file beside `path` (same folder, so the rename is atomic).

    Made with the ordinary permissions (0666 less the umask), like any new file, and with
    O_EXCL so that no other writer shares it.
    """
    for _ in range(100):
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"no free temporary name beside {path}")


def _fsync(path: Path) -> None:
    """Push the file's bytes to the disk, so a crash after the rename cannot leave it empty."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows it (not on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass  # never created, or already gone: nothing to clean


@contextmanager
def replacing(path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends without an error, its file
    becomes `path` in one rename. On any error the temporary file is removed and `path` is
    untouched; an OSError (a full disk, a read-only folder) becomes a WriteError, any other
    error (the caller's own) passes through unchanged.

    overwrite=False: refuse (WriteError) when `path` already exists, without touching it; the
    check and the rename are one step (a hard link), so no file appearing meanwhile is lost.
    """
    path = Path(path)
    if not path.name:
        raise WriteError(f"{str(path)!r} is not a file name")
    try:
        temporary = _temporary(path)
    except OSError as error:
        raise WriteError(f"cannot write {path}: {_reason(error)}") from None
    try:
        yield temporary
    except BaseException as error:
        _remove(temporary)
        if isinstance(error, OSError):
            raise _failed(path, error) from None
        raise
    try:
        _commit(temporary, path, overwrite)
    except FileExistsError:
        raise WriteError(f"{path} already exists; it was left as it was") from None
    except OSError as error:
        raise _failed(path, error) from None
    finally:
        _remove(temporary)  # after a rename there is nothing left to remove


def _commit(temporary: Path, path: Path, overwrite: bool) -> None:
    """Flush the temporary file to the disk, then rename it to `path` in one step."""
    _fsync(temporary)
    if not overwrite:
        os.link(temporary, path)  # fails if path exists: nothing is overwritten
        return
    if path.exists():
        os.chmod(temporary, path.stat().st_mode & 0o7777)  # the file keeps its permissions
    os.replace(temporary, path)
    _fsync_folder(path.parent)


def _failed(path: Path, error: OSError) -> WriteError:
    kept = "the file there is untouched" if path.exists() else "no file was written"
    return WriteError(f"cannot write {path}: {_reason(error)}; {kept}")


def write_bytes(path, data: bytes, *, overwrite: bool = True) -> str:
    """Write `data` to `path` whole or not at all; returns the path as a string."""
    with replacing(path, overwrite=overwrite) as temporary:
        with open(temporary, "wb") as file:
            file.write(data)
    return str(path)


def write_text(path, text: str, *, encoding: str = "utf-8", overwrite: bool = True) -> str:
    """Write `text` to `path` whole or not at all (UTF-8, newlines as given); returns the path."""
    return write_bytes(path, text.encode(encoding), overwrite=overwrite)


__all__ = ["WriteError", "replacing", "write_bytes", "write_text"]
