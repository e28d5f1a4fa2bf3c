from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap

import pytest

from secretome import _files
from secretome._files import atomic_write_files, atomic_write_text
from secretome.errors import InputError, OutputError


def test_atomic_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old content that is longer")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_missing_folder_is_an_output_error_naming_the_file(tmp_path):
    with pytest.raises(OutputError, match=r"file '.*nowhere/out.csv': the folder does not exist"):
        atomic_write_text(tmp_path / "nowhere" / "out.csv", "x")


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_0666_minus_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "out.csv", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o666 & ~umask


def test_a_symbolic_link_is_refused_and_what_it_points_at_is_kept(tmp_path):
    pointee = tmp_path / "precious.txt"
    pointee.write_text("keep me")
    (tmp_path / "link.csv").symlink_to(pointee)
    with pytest.raises(OutputError, match="is a symbolic link, not a regular file"):
        atomic_write_text(tmp_path / "link.csv", "x")
    assert (tmp_path / "link.csv").is_symlink()
    assert pointee.read_text() == "keep me"


def test_special_files_and_folders_are_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="is a FIFO"):
        atomic_write_text(fifo, "x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    with pytest.raises(OutputError, match="is a device node"):
        atomic_write_text("/dev/null", "x")
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write_text(tmp_path, "x")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(OutputError, match="is a socket"):
            atomic_write_text(tmp_path / "sock", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "sock"]


def test_files_written_together_are_all_new_or_all_old(tmp_path, monkeypatch):
    first, second = tmp_path / "analysis.csv", tmp_path / "index.html"
    first.write_text("old csv")
    second.write_text("old html")
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        # The second file's rename fails, after the first one has replaced its target.
        if str(dst) == str(second):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(_files.os, "replace", replace)
    with pytest.raises(OutputError, match=r"index.html': cannot write \(No space left on device\)"):
        atomic_write_files({first: "new csv", second: "new html"})
    assert first.read_text() == "old csv"
    assert second.read_text() == "old html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis.csv", "index.html"]
    assert calls[0] == first  # the first file had been replaced, and was put back


def test_a_refused_target_among_several_writes_nothing(tmp_path):
    (tmp_path / "index.html").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write_files({tmp_path / "analysis.csv": "new", tmp_path / "index.html": "new"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


# The child stops itself with the signal while the temporary file exists (after it is written,
# before the rename), as a user pressing Ctrl-C or a `kill` during a long write would. It restores
# Python's Ctrl-C handler first: a test run started in the background (a shell's `cmd &`) inherits an
# ignored SIGINT, and the write would then finish as if no key had been pressed.
_CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from secretome import _files
    chmod = os.chmod
    def chmod_then_signal(*args):
        chmod(*args)
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))
        time.sleep(10)
    _files.os.chmod = chmod_then_signal
    _files.atomic_write_bytes(sys.argv[1], b"x" * 10_000_000)
    """
)


@pytest.mark.parametrize(("name", "code"), [("SIGINT", -signal.SIGINT), ("SIGTERM", 128 + signal.SIGTERM)])
def test_an_interrupted_write_leaves_no_file_behind(tmp_path, name, code):
    target = tmp_path / "big.csv"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(target), name], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == code, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_huge_value_is_cut_in_the_error_line():
    message = str(OutputError("cannot write", file="x" * 10_000_000))
    assert len(message) < 500
    assert "(10000002 characters)" in message


def test_a_name_of_another_format_is_refused_when_no_format_is_given():
    # issue 12: `evidence template --out x.ris` wrote a CSV sheet into refs.ris with exit 0.
    with pytest.raises(InputError, match=r"field 'to': the file name says ris, which is not written here; end it in"):
        _files.output_format("refs.ris", None, {".csv": "csv", ".xlsx": "xlsx"})
    assert _files.output_format("refs.xlsx", None, {".csv": "csv", ".xlsx": "xlsx"}) == "xlsx"
    assert _files.output_format("refs.out", "csv", {".csv": "csv"}) == "csv"  # a name of no format takes any
