"""Reading PubMed ``.nbib`` files (the MEDLINE format of PubMed's "Save > Citation manager").

Each line is a tag left-justified in four columns, ``- `` and a value (``PMID- 29510712``,
``TI  - Safety, ...``); a value continues on lines indented by six spaces; a blank line ends a
record. The tags read are those of the MEDLINE/PubMed data element descriptions
(https://www.nlm.nih.gov/bsd/mms/medlineelements.html): PMID, TI, AU, DP, JT (TA if absent),
VI, IP, PG, LID/AID (``... [doi]``), AB, OT and MH (keywords), PT.
"""

from __future__ import annotations

import re
from pathlib import Path

from secretome.errors import InputError
from secretome.evidence._records import BibRecord, make_record

__all__ = ["read_nbib"]

_LINE = re.compile(r"^([A-Z][A-Z0-9 ]{1,3})- ?(.*)$")
_CONTINUATION = "      "


def _split(text: str, file: str) -> list[tuple[int, dict[str, list[str]]]]:
    """Records as (first line, tag -> values); continuation lines joined to their value."""
    records: list[tuple[int, dict[str, list[str]]]] = []
    current: dict[str, list[str]] | None = None
    last_tag = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            current = None
            continue
        if line.startswith(_CONTINUATION) and current is not None:
            current[last_tag][-1] += " " + line.strip()
            continue
        match = _LINE.match(line)
        if match is None:
            raise InputError(
                "not a MEDLINE line (a tag of up to four letters, '- ', a value)",
                file=file,
                row=number,
                record=None if current is None else str(len(records)),
                value=line[:60],
            )
        if current is None:
            current = {}
            records.append((number, current))
        last_tag = match.group(1).strip()
        current.setdefault(last_tag, []).append(match.group(2).strip())
    return records


def _doi(tags: dict[str, list[str]]) -> str | None:
    for value in (*tags.get("LID", ()), *tags.get("AID", ())):
        if value.endswith("[doi]"):
            return value.removesuffix("[doi]").strip()
    return None


def read_nbib(path: str | Path, *, source_database: str | None = "PubMed") -> list[BibRecord]:
    """Read every record of a PubMed ``.nbib`` (MEDLINE) file.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8).
    source_database : str, optional
        Default ``"PubMed"``.

    Returns
    -------
    list of BibRecord
        In file order; ``line`` is the record's first line.

    Raises
    ------
    InputError
        Unreadable, no record, a line that is not MEDLINE, a record without PMID, or a record that fails
        :func:`~secretome.evidence._records.make_record`.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=file) from exc
    if re.search(r"^TY  - ", text, re.MULTILINE):
        raise InputError("this is a RIS file, not a PubMed .nbib file: import it as ris", file=file)
    parsed = _split(text, file)
    if not parsed:
        raise InputError("no record in the file (PubMed .nbib records start with 'PMID- ')", file=file)
    records = []
    for number, (line, tags) in enumerate(parsed, start=1):
        if not any(tags.get("PMID", ())):
            raise InputError("a PubMed record needs a PMID", file=file, row=line, record=str(number), field="PMID")
        for tag in ("PMID", "TI", "DP"):
            if len(tags.get(tag, ())) > 1:
                raise InputError(
                    f"tag {tag} is given {len(tags[tag])} times in one record; a lost blank line merges two records",
                    file=file,
                    row=line,
                    record=str(number),
                    field=tag,
                    value=tags[tag],
                )

        def first(tag: str, tags: dict[str, list[str]] = tags) -> str | None:
            return tags[tag][0] if tags.get(tag) else None

        values = {
            "pmid": first("PMID"),
            "title": first("TI") or first("BTI"),
            "authors": tags.get("AU", []),
            "year": first("DP"),
            "journal": first("JT") or first("TA"),
            "volume": first("VI"),
            "issue": first("IP"),
            "pages": first("PG"),
            "doi": _doi(tags),
            "keywords": [*tags.get("OT", []), *tags.get("MH", [])],
            "abstract": first("AB"),
            "record_type": first("PT"),
        }
        records.append(make_record(values, file=file, line=line, record=str(number), source_database=source_database))
    return records
