"""One bibliographic record as read from a literature export, normalised the same way for every format.

The readers (:mod:`._ris`, :mod:`._nbib`, :mod:`._bibtex`) turn each record into a :class:`BibRecord`
through :func:`make_record`, which checks what every importer needs: a title, a plausible year, a
DOI of the form ``10.<registrant>/<suffix>`` and a numeric PMID. A problem raises an
:class:`~secretome.errors.InputError` naming the file, the line, the record and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from secretome.errors import InputError

__all__ = ["BibRecord", "make_record", "normalise_doi"]

# ASCII digits only: str.isdigit() and a Unicode \d also take Arabic-Indic or full-width digits.
_DOI = re.compile(r"^10\.\d{4,9}/\S+$", re.ASCII)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", re.ASCII)
_PMID = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class BibRecord:
    """A bibliographic record from a file: where it was (``line``, 1-based, if known) and what it says."""

    line: int | None
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    keywords: tuple[str, ...] = ()
    abstract: str | None = None
    record_type: str | None = None
    source_database: str | None = field(default=None, compare=False)


def normalise_doi(text: str | None) -> str | None:
    """A DOI without resolver prefix, lower-cased (DOIs are case-insensitive), or ``None``.

    >>> normalise_doi("https://doi.org/10.1186/S13287-019-1234-5 ")
    '10.1186/s13287-019-1234-5'
    >>> normalise_doi("") is None
    True
    """
    if text is None or not text.strip():
        return None
    return _DOI_PREFIX.sub("", text.strip()).strip().lower()


def _clean(text: object) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(str(text).split())
    return cleaned or None


def make_record(
    values: dict[str, object], *, file: str | Path, line: int | None, record: str, source_database: str | None = None
) -> BibRecord:
    """Check and normalise the fields of one record.

    Parameters
    ----------
    values : dict
        Field name (a :class:`BibRecord` field) to the text read; ``authors`` and ``keywords`` are lists.
    file, line, record
        Where the record is: named in errors (*line* is ``None`` where the format gives none;
        *record* is its number or key in the file).
    source_database : str, optional
        The database the file was exported from.

    Raises
    ------
    InputError
        No title, an unreadable year, a malformed DOI or PMID.

    Examples
    --------
    >>> make_record({"title": "A  study", "year": "2019 Mar", "doi": "doi:10.1000/XYZ"}, file="a.ris", line=1,
    ...             record="1").doi
    '10.1000/xyz'
    >>> make_record({"title": "A study", "year": "n.d."}, file="a.ris", line=9, record="2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: file 'a.ris', row 9, record '2', field 'year': no year ... (got 'n.d.')
    """

    def fail(reason: str, name: str, value: object) -> InputError:
        return InputError(reason, file=str(file), row=line, record=record, field=name, value=value)

    # PostgreSQL text cannot hold NUL, and no bibliographic field has one: a damaged file.
    for name, value in values.items():
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise fail("holds a NUL character (a damaged file?)", name, value)

    title = _clean(values.get("title"))
    if title is None:
        raise fail("a record needs a title", "title", values.get("title"))
    year = None
    if (raw_year := _clean(values.get("year"))) is not None:
        found = _YEAR.search(raw_year)
        if found is None:
            raise fail("no year between 1800 and 2099", "year", raw_year)
        year = int(found.group(1))
    doi = normalise_doi(_clean(values.get("doi")))
    if doi is not None and not _DOI.match(doi):
        raise fail("not a DOI (10.<registrant>/<suffix>)", "doi", values.get("doi"))
    pmid = _clean(values.get("pmid"))
    if pmid is not None and not _PMID.fullmatch(pmid):
        raise fail("a PMID is a number of 1 to 9 digits (0-9)", "pmid", pmid)
    lists = {name: tuple(c for v in values.get(name) or () if (c := _clean(v))) for name in ("authors", "keywords")}
    texts = {name: _clean(values.get(name)) for name in ("journal", "volume", "issue", "pages", "url", "record_type")}
    return BibRecord(
        line=line,
        title=title,
        year=year,
        doi=doi,
        pmid=pmid,
        abstract=_clean(values.get("abstract")),
        source_database=source_database,
        **lists,  # type: ignore[arg-type]
        **texts,  # type: ignore[arg-type]
    )
