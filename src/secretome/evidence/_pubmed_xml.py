"""Reading PubMed XML (``PubmedArticleSet``, as PubMed's "Save > XML" and E-utilities efetch write it).

Elements read (https://www.nlm.nih.gov/bsd/licensee/elements_descriptions.html): ``PMID``,
``ArticleTitle`` (``BookTitle`` for books), ``AuthorList/Author`` (``LastName`` + ``Initials``, or
``CollectiveName``), ``PubDate`` (``Year`` or ``MedlineDate``), ``Journal/Title``, ``Volume``,
``Issue``, ``MedlinePgn``, the DOI (``ArticleId IdType="doi"`` or ``ELocationID EIdType="doi"``),
``AbstractText`` (all sections, labelled), ``Keyword`` and ``MeshHeading/DescriptorName``, and
``PublicationType``. Inline markup (``<i>``, ``<sup>``) is kept as its text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from secretome.errors import InputError
from secretome.evidence._records import BibRecord, make_record

__all__ = ["read_pubmed_xml"]


def _text(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext()).strip() or None


def _authors(article: ET.Element) -> list[str]:
    names = []
    for author in article.iterfind(".//AuthorList/Author"):
        collective = _text(author.find("CollectiveName"))
        last = _text(author.find("LastName"))
        initials = _text(author.find("Initials"))
        # "Kuah D", as PubMed's own AU field and the corpus write authors.
        name = collective or " ".join(part for part in (last, initials) if part)
        if name:
            names.append(name)
    return names


def _abstract(article: ET.Element) -> str | None:
    parts = []
    for section in article.iterfind(".//Abstract/AbstractText"):
        text = _text(section)
        if text:
            label = section.get("Label")
            parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts) or None


def _doi(entry: ET.Element) -> str | None:
    for path in (".//PubmedData/ArticleIdList/ArticleId", ".//ELocationID", ".//BookDocument/ArticleIdList/ArticleId"):
        for element in entry.iterfind(path):
            if (element.get("IdType") or element.get("EIdType")) == "doi":
                return _text(element)
    return None


def read_pubmed_xml(path: str | Path, *, source_database: str | None = "PubMed") -> list[BibRecord]:
    """Read every article of a PubMed XML file.

    Parameters
    ----------
    path : str or Path
        A ``PubmedArticleSet`` file.
    source_database : str, optional
        Default ``"PubMed"``.

    Returns
    -------
    list of BibRecord
        In file order; ``line`` is ``None`` (the XML parser gives no line per article): errors name
        the record by its number and PMID.

    Raises
    ------
    InputError
        Not well-formed XML (with its line), not a ``PubmedArticleSet``, no article, an article
        without PMID, or an article that fails :func:`~secretome.evidence._records.make_record`.
    """
    file = str(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(f"not well-formed XML ({exc})", file=file, row=exc.position[0]) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc})", file=file) from exc
    if root.tag != "PubmedArticleSet":
        raise InputError("not a PubMed XML file (the root element must be PubmedArticleSet)", file=file, value=root.tag)
    entries = [e for e in root if e.tag in ("PubmedArticle", "PubmedBookArticle")]
    if not entries:
        raise InputError("no PubmedArticle in the file", file=file)
    records = []
    for number, entry in enumerate(entries, start=1):
        pmid = _text(entry.find(".//PMID"))
        if pmid is None:
            raise InputError("an article needs a PMID", file=file, record=str(number), field="PMID")
        date = entry.find(".//PubDate")
        year = None if date is None else _text(date.find("Year")) or _text(date.find("MedlineDate"))
        values = {
            "pmid": pmid,
            "title": _text(entry.find(".//ArticleTitle")) or _text(entry.find(".//BookTitle")),
            "authors": _authors(entry),
            "year": year,
            "journal": _text(entry.find(".//Journal/Title")),
            "volume": _text(entry.find(".//JournalIssue/Volume")),
            "issue": _text(entry.find(".//JournalIssue/Issue")),
            "pages": _text(entry.find(".//Pagination/MedlinePgn")),
            "doi": _doi(entry),
            "keywords": [
                *(_text(k) for k in entry.iterfind(".//KeywordList/Keyword")),
                *(_text(d) for d in entry.iterfind(".//MeshHeading/DescriptorName")),
            ],
            "abstract": _abstract(entry),
            "record_type": _text(entry.find(".//PublicationTypeList/PublicationType")),
        }
        records.append(
            make_record(values, file=file, line=None, record=f"{number} (PMID {pmid})", source_database=source_database)
        )
    return records
