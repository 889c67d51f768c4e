"""Files are written whole or not at all (graph.files), by every part that writes one.

A failure is provoked for real: `ulimit -f 1` (the kernel refuses to grow a file past 1 KiB, the
same error as a full disk for the writer), a folder that is not writable (as an ordinary user,
since root may write anywhere), and an error raised half way through a write. Each time the
good file that was there survives byte for byte, and no temporary file is left behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graph.files import WriteError, replacing, write_bytes, write_text

ROOT = Path(__file__).resolve().parent.parent
GOOD = "the good file that was here\n"
HAVE_DOT = shutil.which("dot") is not None
SETPRIV = shutil.which("setpriv")


def leftovers(folder: Path) -> list[str]:
    """Temporary files left in the folder (graph.files names them .<name>.<hex>.tmp)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- the writer itself -----------------------------------------------------------------------------

def test_a_write_replaces_the_file_whole_with_ordinary_permissions(tmp_path):
    target = tmp_path / "a.txt"
    assert write_text(target, "één\n") == str(target)
    assert target.read_bytes() == "één\n".encode()
    old_umask = os.umask(0o022)
    os.umask(old_umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~old_umask  # like any new file, not mkstemp's 0600
    target.chmod(0o640)
    write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o640  # kept
    assert leftovers(tmp_path) == []


def test_an_error_half_way_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text(GOOD)
    with pytest.raises(RuntimeError, match="half way"):
        with replacing(target) as temporary:
            temporary.write_text("half a fi")
            raise RuntimeError("half way")  # the caller's own error passes through unchanged
    with pytest.raises(WriteError, match="No space left on device; the file there is untouched"):
        with replacing(target) as temporary:
            temporary.write_text("half a fi")
            raise OSError(28, "No space left on device")
    assert target.read_text() == GOOD and leftovers(tmp_path) == []


def test_overwrite_false_refuses_an_existing_file_and_leaves_it(tmp_path):
    target = tmp_path / "net.dot"
    target.write_text(GOOD)
    with pytest.raises(WriteError, match="already exists; it was left as it was"):
        write_text(target, "digraph {}", overwrite=False)
    assert target.read_text() == GOOD and leftovers(tmp_path) == []
    fresh = tmp_path / "other.dot"
    write_text(fresh, "digraph {}", overwrite=False)
    assert fresh.read_text() == "digraph {}"


def test_a_missing_folder_is_one_line_naming_the_file(tmp_path):
    with pytest.raises(WriteError) as caught:
        write_text(tmp_path / "missing" / "a.txt", "x")
    message = str(caught.value)
    assert "\n" not in message and "missing/a.txt" in message and "No such file or directory" in message
    assert isinstance(caught.value, ValueError)  # the command line's one-line error


# --- under a file-size limit: the kernel refuses the write ------------------------------------------

def limited(code: str, folder: Path) -> subprocess.CompletedProcess:
    """Python code run with `ulimit -f 1` (files may not grow past 1 KiB) in `folder`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(["bash", "-c", f'ulimit -f 1; exec "{sys.executable}" -c "$0"', code],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_under_ulimit_a_large_write_fails_and_the_old_file_survives(tmp_path):
    (tmp_path / "big.txt").write_text(GOOD)
    done = limited("from graph.files import write_text; write_text('big.txt', 'x' * 50_000)", tmp_path)
    assert done.returncode != 0 and "File too large; the file there is untouched" in done.stderr
    assert (tmp_path / "big.txt").read_text() == GOOD and leftovers(tmp_path) == []


def trace_limited(folder: Path, *options: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = " ".join(f"'{o}'" for o in options)
    return subprocess.run(["bash", "-c", f'ulimit -f 1; "{sys.executable}" -m gates.trace {command}'],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["net.dot", "net.mmd",
                                  pytest.param("net.svg", marks=pytest.mark.skipif(
                                      not HAVE_DOT, reason="Graphviz's dot is not installed"))])
def test_a_diagram_that_cannot_be_written_leaves_the_old_one_and_says_so_in_one_line(tmp_path, name):
    (tmp_path / name).write_text(GOOD)
    done = trace_limited(tmp_path, "--diagram", name, "--layers", "4,5,3,2", "--format", "plain")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("python -m gates.trace: error:") and name in done.stderr
    assert (tmp_path / name).read_text() == GOOD and leftovers(tmp_path) == []


def test_a_loss_plot_that_cannot_be_written_leaves_the_old_one(tmp_path):
    pytest.importorskip("matplotlib")
    (tmp_path / "loss.png").write_text(GOOD)
    done = limited("from graph.plot import save_loss_plot; save_loss_plot([1.0, 0.5, 0.2], 'loss.png')",
                   tmp_path)
    assert done.returncode != 0 and "WriteError: cannot write loss.png" in done.stderr
    assert (tmp_path / "loss.png").read_text() == GOOD and leftovers(tmp_path) == []


def test_the_training_lab_under_ulimit_is_one_line_and_keeps_the_old_pictures(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "pictures"
    out.mkdir()
    (out / "loss.png").write_text(GOOD)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    lab = ROOT / "scripts" / "lab_training.py"
    done = subprocess.run(["bash", "-c", f'ulimit -f 1; "{sys.executable}" "{lab}" --yes --epochs 20 '
                                         f'--out "{out}"'],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "loss.png" in done.stderr
    assert (out / "loss.png").read_text() == GOOD and leftovers(out) == []


# --- a folder the user may not write to ---------------------------------------------------------------

def without_override(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run argv so that a folder's permissions bind it: as root, without the capability to
    override them (root may otherwise write anywhere); as anyone else, as it is."""
    prefix = []
    if os.geteuid() == 0:
        prefix = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search", "--"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*prefix, *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(os.geteuid() == 0 and SETPRIV is None,
                    reason="running as root without setpriv: nothing stops root writing the folder")
def test_a_read_only_folder_is_one_line_and_exit_2(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    (folder / "net.mmd").write_text(GOOD)
    tmp_path.chmod(0o755)
    folder.chmod(0o555)
    try:
        done = without_override([sys.executable, "-m", "gates.trace", "--diagram", "net.mmd"], folder)
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr.count("\n") == 1 and "Permission denied" in done.stderr
    assert (folder / "net.mmd").read_text() == GOOD and leftovers(folder) == []
