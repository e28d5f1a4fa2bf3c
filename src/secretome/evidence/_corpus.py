"""The curated corpus: one YAML file per study, read and validated as a whole.

The bundled corpus lives in ``secretome/evidence/corpus/studies/<id>.yaml`` (``docs/corpus-format.md``).
:func:`load_corpus` reads every file, validates it with :func:`~secretome.evidence._schema.parse_study`
and stops at the first bad file with an :class:`~secretome.errors.InputError` naming it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from secretome import vocab
from secretome._progress import ProgressCallback, track
from secretome._result import Result
from secretome.errors import InputError
from secretome.evidence._schema import Study, parse_study
from secretome.evidence._yaml_text import load_yaml

__all__ = ["CORPUS_DIR", "Corpus", "corpus_files", "load_corpus", "read_study_document", "read_study_file"]

CORPUS_DIR = Path(__file__).with_name("corpus") / "studies"
"""Where the bundled study files live."""


@dataclass(frozen=True, slots=True)
class Corpus(Result):
    """The validated studies of a corpus folder, sorted by id."""

    path: str
    studies: tuple[Study, ...]

    def summary(self) -> str:
        """Number of studies by design.

        >>> Corpus("studies", ()).summary()
        'Corpus studies (k = 0 studies)'
        """
        lines = [f"Corpus {self.path} (k = {len(self.studies)} studies)"]
        for design, count in sorted(Counter(s.design for s in self.studies).items()):
            lines.append(f"  {vocab.DESIGNS[design].label:<32} {count:>4}")
        return "\n".join(lines)


def read_study_document(path: str | Path) -> dict[str, Any]:
    """Read one study file's YAML without validating it (see :func:`read_study_file`).

    Raises
    ------
    InputError
        The file cannot be read or is not valid YAML (the message names the file and line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the study file ({exc})", file=str(path)) from exc
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        row = None if mark is None else mark.line + 1  # 1-based, as editors number lines
        raise InputError(f"not valid YAML: {problem}", file=str(path), row=row) from exc


def read_study_file(path: str | Path) -> Study:
    """Read and validate one study file.

    Parameters
    ----------
    path : str or Path
        A ``<id>.yaml`` study file.

    Returns
    -------
    Study
        The validated study.

    Raises
    ------
    InputError
        The file is missing, is not valid YAML, or fails validation; the message names the file
        (and the line for YAML syntax errors), the record, the field and the value.
    """
    return parse_study(read_study_document(path), file=path)


def corpus_files(path: str | Path | None = None) -> list[Path]:
    """The study files of a corpus folder (default: the bundled corpus), sorted by name.

    Raises
    ------
    InputError
        The folder is missing or holds no ``.yaml`` file.
    """
    folder = CORPUS_DIR if path is None else Path(path)
    if not folder.is_dir():
        raise InputError("the corpus folder does not exist", file=str(folder))
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise InputError("the corpus folder holds no .yaml study file", file=str(folder))
    return files


def load_corpus(path: str | Path | None = None, *, progress: ProgressCallback | None = None) -> Corpus:
    """Read and validate every study file of a corpus folder.

    Parameters
    ----------
    path : str or Path, optional
        A folder of ``<id>.yaml`` files; default: the bundled corpus (:data:`CORPUS_DIR`).
    progress : callable, optional
        Called as ``progress(task, done, total)``.

    Returns
    -------
    Corpus
        The studies, sorted by id.

    Raises
    ------
    InputError
        The folder is missing or holds no study file, or the first file (by name) that fails;
        the message names file, record (study id), field and value.

    Examples
    --------
    >>> load_corpus("no/such/folder")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: file 'no/such/folder': the corpus folder does not exist
    """
    files = corpus_files(path)
    studies = [read_study_file(f) for f in track(files, "validating study files", progress)]
    return Corpus(path=str(files[0].parent), studies=tuple(sorted(studies, key=lambda s: s.id)))
