"""Loading the gates a user names on the command line: path/to/file.py:MyGate, module:MyGate.

A file is imported under a private module name (`_gates_user_<stem>_<hash>`), never as its own
stem: student/numpy.py or student/gates.py must not replace the real numpy or gates for the
rest of the run. Its folder is searched for its own helper modules only after everything else.
Whatever the file's import raises (an exception, sys.exit, KeyboardInterrupt) is a LoadError:
one line naming the file, never a traceback, never a silent exit.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path

from .base import Gate
from .gradcheck_runs import raised

_LOADED: dict[str, object] = {}  # a file imported once keeps its classes the same objects


class UsageError(Exception):
    """A mistake in how the checker was called: reported in one line, exit status 2."""


class LoadError(UsageError):
    """The named gate could not be loaded: no such file, module or class, or its import failed."""


def _private_name(path: Path) -> str:
    stem = re.sub(r"\W", "_", path.stem)
    digest = hashlib.sha1(str(path).encode("utf-8")).hexdigest()[:10]
    return f"_gates_user_{stem}_{digest}"


class _SearchLast:
    """The file's folder at the end of sys.path while it is imported, for its own helpers."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __enter__(self):
        self.added = self.folder not in sys.path
        if self.added:
            sys.path.append(self.folder)

    def __exit__(self, *exc) -> None:
        if self.added and self.folder in sys.path:
            sys.path.remove(self.folder)


def load_file(path: str | os.PathLike) -> object:
    """The module of a .py file, imported under a private name."""
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"no file {str(path)!r}" + ("" if path.suffix == ".py" else "; give a .py file"))
    key = str(path.resolve())
    if key in _LOADED:
        return _LOADED[key]
    name = _private_name(path.resolve())
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a class's module up here
    try:
        with _SearchLast(str(path.resolve().parent)):
            spec.loader.exec_module(module)
    except BaseException as error:  # noqa: BLE001 (a user's file may raise, exit or be interrupted)
        del sys.modules[name]
        raise LoadError(f"importing {path} raised {raised(error)}{_import_fix(error)}") from None
    _LOADED[key] = module
    return module


def _import_fix(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return "; move the script part of the file under if __name__ == '__main__':"
    if isinstance(error, ModuleNotFoundError):
        return "; install it, or check the name of the module"
    return ""


def load_module(dotted: str) -> object:
    """A module by its dotted name, found from the current folder too (as `python -m` does)."""
    with _SearchLast(os.getcwd()):
        try:
            return importlib.import_module(dotted)
        except ModuleNotFoundError as error:
            if error.name and dotted.split(".")[0] == error.name.split(".")[0]:
                raise LoadError(f"cannot import {dotted!r}: no module named {error.name!r}; run from "
                                f"the folder that holds it, or give its file: path/to/"
                                f"{dotted.split('.')[-1]}.py:MyGate") from None
            raise LoadError(f"importing {dotted!r} raised {raised(error)}") from None
        except BaseException as error:  # noqa: BLE001 (the user's module itself is broken)
            raise LoadError(f"importing {dotted!r} raised {raised(error)}{_import_fix(error)}") from None


def gates_of(module) -> dict[str, type]:
    """The Gate subclasses a module defines (not those it imports), leaving out bases that do not
    write both forward and backward (a helper class of the file, not a gate to check)."""
    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, Gate) and obj.__module__ == module.__name__
            and obj.forward is not Gate.forward and obj.backward is not Gate.backward}


def split_target(target: str) -> tuple[str, str]:
    """'dir/file.py:MyGate' → ('dir/file.py', 'MyGate'); 'C:\\dir\\file.py' → (it, '')."""
    if target.endswith(".py") or ":" not in target:
        return target, ""
    where, _, name = target.rpartition(":")
    return where, name


def load_gates(target: str) -> list[tuple[str, object]]:
    """(name, gate class or instance) for path.py:Name, module:Name, or every gate of a file or
    module named alone."""
    where, name = split_target(target)
    module = load_file(where) if where.endswith(".py") else load_module(where)
    if not name:
        found = gates_of(module)
        if not found:
            raise LoadError(f"{where} defines no Gate subclass; name one with {where}:MyGate")
        return list(found.items())
    obj = getattr(module, name, None)
    if obj is None:
        known = ", ".join(gates_of(module)) or "none"
        raise LoadError(f"{where} has no {name!r} (its gates: {known})")
    if isinstance(obj, Gate) or (isinstance(obj, type) and issubclass(obj, Gate)):
        return [(name, obj)]
    raise LoadError(f"{target} is a {type(obj).__name__}, not a Gate subclass or instance")


__all__ = ["LoadError", "UsageError", "gates_of", "load_file", "load_gates", "load_module", "split_target"]
