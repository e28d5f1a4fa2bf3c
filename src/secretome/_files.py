"""Writing output files whole or not at all.

Every file secretome writes goes through here. The content goes to a temporary file in the target's
folder (so the final rename never crosses file systems), which gets the usual mode of a new file
(0666 minus the umask) and is then renamed over the target. Whatever ends the write (an error,
Ctrl-C, SIGTERM), the temporary file is removed. Several files that belong together (the report's
``index.html`` and ``analysis.csv``) are renamed into place together, and put back as they were if
one of them cannot be, so either all of them are new or none is.

Only regular files are replaced: a symbolic link, a device node, a FIFO or a folder at the target
path is refused before anything is written, so that ``--out /dev/full`` or ``--out link`` never
replaces what the name points at. A place that cannot be written is an
:class:`~secretome.errors.OutputError` naming the path (exit 1 in the CLI).
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from secretome.errors import InputError, OutputError

__all__ = ["atomic_write_bytes", "atomic_write_files", "atomic_write_text", "check_output_path", "output_format"]


def _new_file_mode() -> int:
    # The umask can only be read by setting it; it is set back at once. Read on every write, not
    # cached, because a long-running caller may change it.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """*path* as a :class:`~pathlib.Path` if a file may be written there, else an :class:`OutputError`.

    The folder must exist, and the target must be absent or a regular file (not a symbolic link,
    device node, FIFO, socket or folder).

    >>> check_output_path("/dev/null")
    Traceback (most recent call last):
    ...
    secretome.errors.OutputError: file '/dev/null': is a device node, not a regular file; nothing was written
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError("the folder does not exist", file=str(target))
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputError(f"cannot write here ({exc.strerror})", file=str(target)) from exc
    kinds = {
        stat.S_ISLNK: "a symbolic link",
        stat.S_ISDIR: "a folder",
        stat.S_ISCHR: "a device node",
        stat.S_ISBLK: "a device node",
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISSOCK: "a socket",
    }
    for test, kind in kinds.items():
        if test(mode):
            raise OutputError(f"is {kind}, not a regular file; nothing was written", file=str(target))
    return target


# Extensions that name a format, whatever the command writes: a CSV table is not written to x.json.
_FORMATS_BY_EXTENSION = {".csv": "csv", ".tsv": "tsv", ".json": "json", ".ris": "ris", ".xlsx": "xlsx"}
_FORMATS_BY_EXTENSION |= {".xml": "xml", ".sbml": "sbml", ".svg": "svg", ".pdf": "pdf", ".html": "html"}
_FORMATS_BY_EXTENSION |= {".nbib": "nbib", ".bib": "bibtex", ".yaml": "yaml", ".yml": "yaml", ".png": "png"}


def output_format(path: str | os.PathLike[str], to: str | None, extensions: Mapping[str, str]) -> str:
    """The format to write *path* in: *to* if given, else the one its extension names.

    *extensions* maps a lower-case extension (``".csv"``) to a format. A format that contradicts
    the extension (``--to csv`` for ``refs.ris``, a CSV table for ``map.xlsx``) is refused, so that
    a file's name never lies about its content; an extension that names no format (``.out``, none)
    takes any format given.

    >>> output_format("refs.ris", None, {".csv": "csv", ".ris": "ris"})
    'ris'
    >>> output_format("refs.ris", "csv", {".csv": "csv", ".ris": "ris"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: file 'refs.ris', field 'to': the file name says ris; give a .csv name ... (got 'csv')
    >>> output_format("refs.ris", None, {".csv": "csv"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: file 'refs.ris', field 'to': the file name says ris, which is not written here; ...
    """
    suffix = Path(path).suffix.lower()
    named = extensions.get(suffix, _FORMATS_BY_EXTENSION.get(suffix))
    if to is None:
        known = ", ".join(f"{ext} ({fmt})" for ext, fmt in extensions.items())
        if named is None:
            raise InputError(
                f"cannot tell the format from the file name; name it, or end it in {known}", file=str(path), field="to"
            )
        if named not in extensions.values():  # refs.ris for a sheet: no format given would write it
            raise InputError(
                f"the file name says {named}, which is not written here; end it in {known}",
                file=str(path),
                field="to",
                value=suffix,
            )
        return named
    if named is not None and named != to:
        wanted = next(ext for ext, fmt in extensions.items() if fmt == to)
        raise InputError(
            f"the file name says {named}; give a {wanted} name for {to}", file=str(path), field="to", value=to
        )
    return to


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM raises :class:`SystemExit` meanwhile (instead of ending the process), so cleanup runs.

    Only where Python lets a handler be set (the main thread) and nobody has set one already.
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) not in (
        signal.SIG_DFL,
        None,
    ):
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _temporary(target: Path, suffix: str) -> str:
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write here ({exc.strerror})", file=str(target)) from exc
    os.close(fd)
    return name


def atomic_write_files(files: Mapping[str | os.PathLike[str], bytes | str]) -> list[Path]:
    """Write every file of *files* (path to bytes, or to text written as UTF-8): all of them or none.

    Each is written to a temporary file in its folder; only when all are written are they renamed
    into place, and if one rename fails the files already renamed are put back as they were.

    Returns
    -------
    list of Path
        The paths written, in the order given.

    Raises
    ------
    OutputError
        A folder is missing, a target is not a regular file, or a file cannot be written; no target
        has changed and no temporary file is left.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in atomic_write_files({folder / "a.txt": "a", folder / "b.csv": b"b"})]
    ['a.txt', 'b.csv']
    >>> sorted(p.name for p in folder.iterdir())
    ['a.txt', 'b.csv']
    """
    targets = [check_output_path(path) for path in files]
    contents = [data.encode("utf-8") if isinstance(data, str) else data for data in files.values()]
    mode = _new_file_mode()
    temporary: list[str] = []
    backups: dict[Path, str] = {}
    replaced: list[Path] = []
    with _sigterm_raises():
        try:
            for target, data in zip(targets, contents, strict=True):
                temporary.append(name := _temporary(target, ".tmp"))
                try:
                    with open(name, "wb") as handle:
                        handle.write(data)
                    os.chmod(name, mode)
                except OSError as exc:
                    raise OutputError(f"cannot write ({exc.strerror})", file=str(target)) from exc
            if len(targets) > 1:
                # A hard link to each file about to be replaced, to put it back if a later rename fails.
                for target in targets:
                    if target.exists():
                        backup = _temporary(target, ".bak")
                        _link(target, backup)
                        backups[target] = backup
            for target, name in zip(targets, temporary, strict=True):
                try:
                    os.replace(name, target)
                except OSError as exc:
                    raise OutputError(f"cannot write ({exc.strerror})", file=str(target)) from exc
                replaced.append(target)
        except BaseException:
            for target in replaced:
                with contextlib.suppress(OSError):
                    if target in backups:
                        os.replace(backups.pop(target), target)
                    else:
                        target.unlink()
            raise
        finally:
            for name in (*temporary, *backups.values()):
                with contextlib.suppress(OSError):
                    os.unlink(name)
    return targets


def _link(target: Path, backup: str) -> None:
    os.unlink(backup)
    try:
        os.link(target, backup)
    except OSError as exc:
        raise OutputError(f"cannot keep the old file while writing ({exc.strerror})", file=str(target)) from exc


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write *data* to *path* atomically; return the path.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> atomic_write_bytes(target, b"ok").read_bytes()
    b'ok'
    """
    return atomic_write_files({path: data})[0]


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically; return the path."""
    return atomic_write_files({path: text})[0]
