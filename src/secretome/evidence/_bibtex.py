"""Reading BibTeX files (Google Scholar, Zotero, JabRef, Mendeley) with bibtexparser v2.

bibtexparser keeps going past a block it cannot parse and lists it in ``failed_blocks``; here the
first failed block is an error naming its line, so that no record is silently lost. It also takes
any text outside an entry as an implicit comment: an entry whose ``@type{key,`` header is damaged,
or the fields after a stray closing brace, would vanish that way. So text outside the entries that
holds BibTeX syntax (``@``, braces, ``=``) is an error too; prose and ``%`` comment lines are not.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bibtexparser
from bibtexparser.model import ImplicitComment

from secretome.errors import InputError
from secretome.evidence._records import BibRecord, make_record

__all__ = ["read_bibtex"]


def _plain(text: str | None) -> str | None:
    """Field text without the braces that protect capitals (``{MSC}``) and without TeX line breaks."""
    if text is None:
        return None
    return re.sub(r"[{}]", "", str(text)).replace("\\&", "&").replace("~", " ")


def _authors(text: str | None) -> list[str]:
    # " and " separates names only outside braces: {Smith and Sons} is one corporate author.
    names, depth, current = [], 0, ""
    for token in re.split(r"(\s+and\s+|[{}])", text or ""):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        if depth == 0 and re.fullmatch(r"\s+and\s+", token):
            names.append(current)
            current = ""
        else:
            current += token
    names.append(current)
    return [n for n in (_plain(n) for n in names) if n and n.strip()]


def read_bibtex(path: str | Path, *, source_database: str | None = None) -> list[BibRecord]:
    """Read every entry of a BibTeX file.

    Parameters
    ----------
    path : str or Path
        The ``.bib`` file (UTF-8).
    source_database : str, optional
        The database it was exported from.

    Returns
    -------
    list of BibRecord
        In file order; ``line`` is the line of the entry's ``@type{key,``.

    Raises
    ------
    InputError
        Unreadable, no entry, a block bibtexparser cannot parse (its line), a duplicate key, or an
        entry that fails :func:`~secretome.evidence._records.make_record` (record = the entry key).
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", file=file) from exc
    # bibtexparser logs each failed block on stderr as well; we raise the first as an error instead.
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(level)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        error = getattr(block, "error", None)
        reason = getattr(error, "abort_reason", None) or str(error or "") or type(block).__name__
        raise InputError(f"not valid BibTeX: {reason}", file=file, row=block.start_line + 1)
    for block in library.comments:
        if isinstance(block, ImplicitComment) and re.search(r"[@{}=]", block.comment):
            raise InputError(
                "BibTeX outside an entry (a damaged @type{key, header, or fields after a stray closing brace)",
                file=file,
                row=block.start_line + 1,
                value=block.comment,
            )
    if not library.entries:
        raise InputError("no BibTeX entry in the file (entries look like @article{key, ...})", file=file)
    records = []
    for entry in library.entries:
        fields = {k.lower(): v.value for k, v in entry.fields_dict.items()}
        values = {
            "title": _plain(fields.get("title")),
            "authors": _authors(fields.get("author")),
            "year": fields.get("year") or fields.get("date"),
            "journal": _plain(fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")),
            "volume": fields.get("volume"),
            "issue": fields.get("number") or fields.get("issue"),
            "pages": None if fields.get("pages") is None else re.sub(r"-+", "-", fields["pages"]),
            "doi": fields.get("doi"),
            "pmid": fields.get("pmid"),
            "url": fields.get("url"),
            "keywords": [k for k in re.split(r"[;,]", _plain(fields.get("keywords")) or "") if k.strip()],
            "abstract": _plain(fields.get("abstract")),
            "record_type": entry.entry_type.lower(),
        }
        line = entry.start_line + 1  # bibtexparser counts lines from 0
        records.append(make_record(values, file=file, line=line, record=entry.key, source_database=source_database))
    return records
