"""Reading RIS files (Scopus, Embase, Web of Science, Zotero, EndNote, PubMed's RIS export) with rispy.

The databases differ in their tags (synthetic samples of each in tests/evidence/data/imports/ris_variants/):
PubMed gives the PMID in AN and pages as ``SP  - 101-12``; Embase gives the title in T1, the authors
under both A1 and AU, the year as ``Y1  - 2019//``, the abstract in N2, the journal in JF (T2 is the
conference of a conference abstract) and its own accession number in AN; Scopus gives the journal
in T2 and the DOI in DO, with a byte-order mark; Web of Science gives no DB tag, an AN of the form
``WOS:...``, journal names in capitals and record types such as CPAPER.

rispy drops what it cannot read without a word: a record missing its ``ER  -`` end tag is merged into
the next one or lost, a tag given twice in a record keeps one value, and a PubMed ``.nbib``
(MEDLINE) file comes back as no records at all. So the file is first checked line by line (every
``TY`` opens a record that an ``ER`` closes; a tag read as one value, such as ``TI`` or ``DO``, is
not given twice with different values, which is also what two records merged by a lost ``ER``/``TY``
pair look like), and a file with no record is an error that suggests the right format.
"""

from __future__ import annotations

import re
from pathlib import Path

import rispy

from secretome.errors import InputError
from secretome.evidence._records import BibRecord, make_record

__all__ = ["read_ris"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])  - ?(.*)$")

# The tags read into one field of a record. Others may repeat: exports give several AU, KW, SN
# (print and electronic ISSN), AD (addresses) or J2 (journal abbreviations) lines.
_SINGLE = frozenset({"TI", "T1", "PY", "Y1", "DA", "JO", "JF", "T2", "VL", "IS", "SP", "EP", "DO", "AN", "AB", "N2"})
_SINGLE |= {"DB", "DP"}


def _record_lines(text: str, file: str) -> list[int]:
    """The 1-based line of each record's ``TY`` tag, after checking that every record is closed."""
    starts: list[int] = []
    open_since: int | None = None
    seen: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _TAG.match(line)
        if match is None:
            continue
        tag, value = match.group(1), match.group(2).strip()
        if tag in _SINGLE and open_since is not None:
            first = seen.setdefault(tag, (number, value))
            if first[1] != value:
                raise InputError(
                    f"tag {tag!r} is given twice in one record (first on line {first[0]}: {first[1][:60]!r}); "
                    "a lost 'ER  -'/'TY  -' pair merges two records like this",
                    file=file,
                    row=number,
                    record=str(len(starts)),
                    field=tag,
                    value=value,
                )
        if tag == "TY":
            seen = {}
            if open_since is not None:
                raise InputError(
                    f"record {len(starts)} (line {open_since}) has no 'ER  -' end tag before the next 'TY'",
                    file=file,
                    row=number,
                    record=str(len(starts)),
                    field="ER",
                )
            open_since = number
            starts.append(number)
        elif tag == "ER":
            if open_since is None:
                raise InputError("'ER' end tag without a 'TY' start tag", file=file, row=number, field="ER")
            open_since = None
        elif open_since is None:
            raise InputError(f"tag {tag!r} outside a record (records start with 'TY  -')", file=file, row=number)
    if open_since is not None:
        raise InputError(
            "the last record has no 'ER  -' end tag", file=file, row=open_since, record=str(len(starts)), field="ER"
        )
    return starts


def _first(entry: dict, *keys: str) -> object:
    for key in keys:
        if entry.get(key):
            return entry[key]
    return None


def _authors(entry: dict) -> list[str]:
    """A1 (primary authors) then AU, each name once: Embase exports the same names under both tags."""
    seen: set[str] = set()
    names = []
    for name in [*entry.get("first_authors", ()), *entry.get("authors", ())]:
        key = " ".join(str(name).lower().replace(",", " ").replace(".", " ").split())
        if key and key not in seen:
            seen.add(key)
            names.append(name)
    return names


def _is_pmid(accession: str) -> bool:
    """PubMed's RIS export puts the PMID in AN; Embase (Ovid) puts its own numeric accession number there.

    PMIDs have at most 8 digits (PubMed holds about 40 million records); Embase accession numbers
    have 9 or 10, and Web of Science's start with ``WOS:``.

    >>> _is_pmid("31234567"), _is_pmid("2001234567"), _is_pmid("WOS:000000000000001")
    (True, False, False)
    """
    return accession.isdigit() and len(accession) <= 8


def read_ris(path: str | Path, *, source_database: str | None = None) -> list[BibRecord]:
    """Read every record of a RIS file.

    Parameters
    ----------
    path : str or Path
        The RIS file (UTF-8, with or without byte-order mark).
    source_database : str, optional
        The database it was exported from; default: the file's ``DB`` (or ``DP``) tag, if any.

    Returns
    -------
    list of BibRecord
        In file order; ``line`` is the line of the record's ``TY`` tag.

    Raises
    ------
    InputError
        The file is unreadable, holds no record (a PubMed ``.nbib`` file is recognised and named),
        a record is not closed, or a record fails :func:`~secretome.evidence._records.make_record`.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=file) from exc
    if re.search(r"^PMID- ", text, re.MULTILINE) and not re.search(r"^TY  -", text, re.MULTILINE):
        raise InputError("no RIS record: this is a PubMed .nbib (MEDLINE) file; import it as nbib", file=file)
    starts = _record_lines(text, file)
    if not starts:
        raise InputError("no RIS record in the file (records start with 'TY  -' and end with 'ER  -')", file=file)
    entries = rispy.loads(text)
    if len(entries) != len(starts):  # the line check above should make this impossible; never lose a record
        raise InputError(f"rispy read {len(entries)} records where the file has {len(starts)}", file=file)
    records = []
    for number, (entry, line) in enumerate(zip(entries, starts, strict=True), start=1):
        start, end = entry.get("start_page"), entry.get("end_page")
        database = source_database or _first(entry, "name_of_database", "database_provider")
        accession = str(entry.get("accession_number") or "").strip()
        if database is None and accession.upper().startswith("WOS:"):
            database = "Web of Science"  # its RIS export has no DB tag; its accession numbers say where they are from
        values = {
            "title": _first(entry, "title", "primary_title", "translated_title"),
            "authors": _authors(entry),
            "year": _first(entry, "year", "publication_year", "date"),
            # JO/JF name the journal; T2 does too for Scopus and Web of Science, but is the conference of
            # an Embase conference abstract (whose journal is in JF), so it comes after them.
            "journal": _first(
                entry, "journal_name", "alternate_title3", "secondary_title", "alternate_title1", "alternate_title2"
            ),
            "volume": entry.get("volume"),
            "issue": entry.get("number"),
            "pages": f"{start}-{end}" if start and end else start,
            "doi": entry.get("doi"),
            "pmid": accession if _is_pmid(accession) else None,
            "url": (entry.get("urls") or [None])[0],
            "keywords": entry.get("keywords", ()),
            "abstract": _first(entry, "abstract", "notes_abstract"),
            "record_type": entry.get("type_of_reference"),
        }
        records.append(make_record(values, file=file, line=line, record=str(number), source_database=database))  # type: ignore[arg-type]
    return records
