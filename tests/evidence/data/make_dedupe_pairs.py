"""Write dedupe_pairs.ris and dedupe_pairs.csv: SYNTHETIC records and labelled pairs for de-duplication quality.

Usage: python tests/evidence/data/make_dedupe_pairs.py

Every record is invented for testing (journal "Journal of Synthetic Test Records" and friends, DOIs
under the test prefix 10.5555); none describes a real study. Each synthetic paper is written once
as its "publisher" record, then again as other databases export it (case, punctuation, HTML tags,
author formats, missing identifiers, journal abbreviations, an epub year), which are the
duplicates. Hard negatives are different papers made to look alike, as ASySD's validation sets
have them (Hair et al. 2023): Part I / Part II, 12- and 24-month follow-ups, the same title by the
same group in another year or journal, another volume or pages, a preprint and its article with
different DOIs, an erratum notice, the same title by another group.

dedupe_pairs.csv has one row per labelled pair: ``a`` and ``b`` (1-based positions in the RIS
file), ``duplicate`` (1 or 0), ``kind`` (the variant or the hard-negative kind) and ``note``.
Every pair of records of one paper is labelled a duplicate; pairs across papers that are not
listed are distinct papers too (the benchmark counts them as easy negatives).
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

HERE = Path(__file__).parent

# (key, title, authors, year, journal, volume, issue, pages, doi, pmid)
PAPERS = [
    (
        "p01",
        "Exosomes from synovial mesenchymal stem cells attenuate cartilage degeneration in a synthetic rat model of osteoarthritis",  # noqa: E501
        ["Alder, K.", "Birch, L."],
        2019,
        "Journal of Synthetic Test Records",
        "12",
        "3",
        "101-112",
        "10.5555/syn.p01",
        "90000001",
    ),
    (
        "p02",
        "Conditioned medium of adipose-derived stromal cells reduces synovial inflammation in synthetic knee osteoarthritis",  # noqa: E501
        ["Cedar, M.", "Dogwood, N."],
        2020,
        "Synthetic Cartilage Letters",
        "7",
        "1",
        "15-24",
        "10.5555/syn.p02",
        "90000002",
    ),
    (
        "p03",
        "Umbilical cord MSC secretome promotes chondrocyte proliferation in vitro: a synthetic study",
        ["Elm, O.", "Fir, P."],
        2018,
        "Journal of Synthetic Test Records",
        "11",
        "2",
        "55-63",
        "10.5555/syn.p03",
        "90000003",
    ),
    (
        "p04",
        "Intra-articular injection of bone marrow MSC extracellular vesicles in a synthetic rabbit cartilage defect",
        ["Ginkgo, Q."],
        2021,
        "Synthetic Orthopaedic Research",
        "39",
        "4",
        "800-809",
        "10.5555/syn.p04",
        "90000004",
    ),
    (
        "p05",
        "Secretome of synovial fluid MSCs modulates macrophage polarisation in synthetic osteoarthritis",
        ["Hazel, R.", "Ivy, S."],
        2022,
        "Synthetic Stem Cell Research and Therapy",
        "13",
        "1",
        "210",
        "10.5555/syn.p05",
        "90000005",
    ),
    (
        "p06",
        "Small extracellular vesicles carrying miR-140-5p protect articular cartilage in a synthetic mouse model",
        ["Juniper, T."],
        2020,
        "Synthetic Cartilage Letters",
        "7",
        "6",
        "301-310",
        "10.5555/syn.p06",
        "90000006",
    ),
    (
        "p07",
        "A synthetic randomised trial of adipose MSC conditioned medium for knee osteoarthritis pain",
        ["Kapok, U.", "Larch, V.", "Maple, W."],
        2023,
        "Journal of Synthetic Clinical Records",
        "4",
        "2",
        "77-88",
        "10.5555/syn.p07",
        "90000007",
    ),
    (
        "p08",
        "Hypoxic preconditioning enhances the chondroprotective secretome of synthetic stromal cells",
        ["Nutmeg, X."],
        2017,
        "Journal of Synthetic Test Records",
        "10",
        "5",
        "400-411",
        "10.5555/syn.p08",
        None,
    ),
    (
        "p09",
        "Exosomal TGF-beta1 from MSCs increases aggrecan and type II collagen expression in synthetic chondrocytes",
        ["Oak, Y.", "Pine, Z."],
        2019,
        "Synthetic Orthopaedic Research",
        "37",
        "9",
        "1500-1510",
        "10.5555/syn.p09",
        "90000009",
    ),
    (
        "p10",
        "Comparison of MSC sources for secretome-based cartilage repair in a synthetic sheep model",
        ["Quince, A."],
        2021,
        "Synthetic Veterinary Records",
        "58",
        "3",
        "120-131",
        None,
        "90000010",
    ),
    (
        "p11",
        "Secretome therapy reduces chondrocyte apoptosis through SOX9 signalling in synthetic explants",
        ["Rowan, B.", "Spruce, C."],
        2020,
        "Synthetic Cartilage Letters",
        "7",
        "9",
        "500-509",
        "10.5555/syn.p11",
        None,
    ),
    (
        "p12",
        "Long-term safety of repeated MSC secretome injections in a synthetic canine osteoarthritis cohort",
        ["Teak, D."],
        2022,
        "Synthetic Veterinary Records",
        "59",
        "1",
        "1-12",
        None,
        None,
    ),
    (
        "p13",
        "Lyophilised conditioned medium as an off-the-shelf product for synthetic cartilage regeneration",
        ["Umbrella, E.", "Vine, F."],
        2023,
        "Synthetic Stem Cell Research and Therapy",
        "14",
        "2",
        "99",
        "10.5555/syn.p13",
        "90000013",
    ),
    (
        "p14",
        "Proteomic profiling of the umbilical cord MSC secretome relevant to synthetic osteoarthritis",
        ["Willow, G."],
        2018,
        "Synthetic Proteomics Records",
        "18",
        "11",
        "1800-1812",
        "10.5555/syn.p14",
        "90000014",
    ),
    (
        "p15",
        "Extracellular vesicles from infrapatellar fat pad MSCs in synthetic post-traumatic osteoarthritis",
        ["Yew, H.", "Zelkova, I."],
        2024,
        "Synthetic Orthopaedic Research",
        "42",
        "1",
        "10-21",
        None,
        None,
    ),
]

# Duplicates: (paper key, variant kind, changes). Each becomes a record of the same paper.
DUPLICATES = [
    (
        "p01",
        "doi_case_upper_title",
        {"title": str.upper, "doi": lambda d: "https://doi.org/" + d.upper(), "db": "Embase"},
    ),
    ("p01", "pubmed_author_format", {"authors": ["Alder K", "Birch L"], "doi": None, "db": "PubMed"}),
    ("p01", "trailing_period_no_ids", {"title": lambda t: t + ".", "doi": None, "pmid": None, "db": "Web of Science"}),
    (
        "p02",
        "hyphens_and_abbreviated_journal",
        {"title": lambda t: t.replace("-", " "), "journal": "Synth Cartil Lett", "doi": None, "db": "Scopus"},
    ),
    (
        "p02",
        "same_pmid_only",
        {"doi": None, "title": lambda t: t.replace("Conditioned", "conditioned"), "db": "PubMed"},
    ),
    (
        "p03",
        "html_tags",
        {"title": lambda t: t.replace("in vitro", "<i>in vitro</i>"), "doi": None, "pmid": None, "db": "Scopus"},
    ),
    ("p03", "doi_only_no_pages", {"pages": None, "volume": None, "pmid": None, "db": "Embase"}),
    (
        "p04",
        "one_character_typo",
        {"title": lambda t: t.replace("vesicles", "vesicels"), "doi": None, "pmid": None, "db": "Web of Science"},
    ),
    ("p04", "epub_year_before_print", {"year": 2020, "doi": None, "pmid": None, "db": "Embase"}),
    (
        "p05",
        "british_american_spelling",
        {"title": lambda t: t.replace("polarisation", "polarization"), "doi": None, "pmid": None, "db": "Scopus"},
    ),
    ("p05", "missing_year_and_pages", {"year": None, "pages": None, "doi": None, "pmid": None, "db": "Google Scholar"}),
    (
        "p06",
        "unicode_dashes",
        {"title": lambda t: t.replace("miR-140-5p", "miR\u2011140\u20115p"), "doi": None, "pmid": None, "db": "Embase"},
    ),
    ("p06", "same_doi_different_title_case", {"title": str.lower, "pmid": None, "db": "Scopus"}),
    (
        "p07",
        "subtitle_punctuation_and_initials",
        {
            "title": lambda t: t.replace("A synthetic randomised trial of", "A synthetic randomised trial of:"),
            "authors": ["Kapok U", "Larch V", "Maple W"],
            "doi": None,
            "pmid": None,
            "db": "PubMed",
        },
    ),
    ("p07", "first_page_only", {"pages": "77", "doi": None, "pmid": None, "db": "Web of Science"}),
    ("p08", "all_caps_no_doi", {"title": str.upper, "doi": None, "db": "Embase"}),
    (
        "p09",
        "greek_beta_letter",
        {"title": lambda t: t.replace("TGF-beta1", "TGF-\u03b21"), "doi": None, "pmid": None, "db": "Embase"},
    ),
    (
        "p10",
        "same_pmid_title_typo",
        {"title": lambda t: t.replace("secretome-based", "secretome based"), "db": "PubMed"},
    ),
    ("p11", "journal_full_vs_abbreviated_no_ids", {"journal": "Synth. Cartil. Lett.", "doi": None, "db": "Scopus"}),
    (
        "p12",
        "abbreviation_spelled_out",
        {"title": lambda t: t.replace("MSC", "mesenchymal stromal cell"), "db": "Embase"},
    ),
    ("p12", "no_identifiers_trailing_period", {"title": lambda t: t + ".", "db": "Web of Science"}),
    ("p13", "doi_with_prefix_and_lowercase_title", {"doi": lambda d: "doi:" + d, "title": str.lower, "db": "Scopus"}),
    (
        "p14",
        "truncated_title",
        {"title": lambda t: t[: len(t) * 3 // 4], "doi": None, "pmid": None, "db": "Web of Science"},
    ),
    ("p15", "author_full_first_name", {"authors": ["Yew, Hannah", "Zelkova, Ian"], "db": "Scopus"}),
]

# Hard negatives: (paper key it resembles, kind, changes, note). Each is a *different* paper.
HARD_NEGATIVES = [
    (
        "p01",
        "different_year_and_journal_same_group",
        {
            "year": 2022,
            "journal": "Synthetic Orthopaedic Research",
            "volume": None,
            "issue": None,
            "pages": None,
            "doi": None,
            "pmid": None,
        },
        "same title, same group, three years later in another journal",
    ),
    (
        "p02",
        "different_volume_and_pages",
        {"volume": "9", "pages": "200-209", "doi": None, "pmid": None},
        "same title and group, another volume (a follow-up report)",
    ),
    (
        "p03",
        "different_pages_same_issue",
        {"pages": "64-71", "doi": None, "pmid": None},
        "companion paper in the same issue",
    ),
    (
        "p04",
        "preprint_with_own_doi",
        {
            "doi": "10.5555/syn.p04.preprint",
            "journal": "SynthRxiv",
            "volume": None,
            "issue": None,
            "pages": None,
            "pmid": None,
            "year": 2021,
        },
        "preprint and article have different DOIs (ASySD keeps them apart)",
    ),
    (
        "p05",
        "same_title_other_group",
        {
            "authors": ["Quasar, J.", "Nebula, K."],
            "doi": None,
            "pmid": None,
            "volume": None,
            "issue": None,
            "pages": None,
        },
        "same title by another group, same year",
    ),
    (
        "p06",
        "mouse_vs_rat_other_pages",
        {"title": lambda t: t.replace("mouse", "rat"), "pages": "311-320", "doi": None, "pmid": None},
        "same group, other species, next pages",
    ),
    (
        "p07",
        "erratum_notice",
        {"title": lambda t: "Erratum: " + t, "pages": None, "volume": None, "issue": None, "doi": None, "pmid": None},
        "an erratum to the paper is not the paper",
    ),
    (
        "p11",
        "part_two_of_a_series",
        {"title": lambda t: t + ": part II", "volume": None, "issue": None, "pages": None, "doi": None, "pmid": None},
        "Part II (no ids, no pages): only the numeral differs",
    ),
    (
        "p11",
        "part_one_of_a_series",
        {"title": lambda t: t + ": part I", "volume": None, "issue": None, "pages": None, "doi": None, "pmid": None},
        "Part I (no ids, no pages): only the numeral differs",
    ),
    (
        "p12",
        "follow_up_24_months",
        {"title": lambda t: t + ": 24-month results", "year": 2022, "volume": None, "issue": None, "pages": None},
        "24-month report vs 12-month report, same group and year",
    ),
    (
        "p12",
        "follow_up_12_months",
        {"title": lambda t: t + ": 12-month results", "year": 2022, "volume": None, "issue": None, "pages": None},
        "12-month report vs 24-month report, same group and year",
    ),
    (
        "p15",
        "different_journal_same_year",
        {
            "journal": "Synthetic Stem Cell Research and Therapy",
            "volume": None,
            "issue": None,
            "pages": None,
            "doi": None,
            "pmid": None,
        },
        "same title and group, same year, another journal (conference paper and article)",
    ),
    (
        "p08",
        "one_year_later_other_volume",
        {"year": 2018, "volume": "11", "pages": "400-411", "doi": None, "pmid": None},
        "same group and pages, next year's volume",
    ),
]


def _apply(paper: tuple, changes: dict) -> dict:
    _key, title, authors, year, journal, volume, issue, pages, doi, pmid = paper
    record = {"title": title, "authors": authors, "year": year, "journal": journal, "volume": volume}
    record |= {"issue": issue, "pages": pages, "doi": doi, "pmid": pmid, "db": "Publisher"}
    for field, change in changes.items():
        if not callable(change):
            record[field] = change
        elif record[field] is not None:
            record[field] = change(record[field])
    return record


def _ris(record: dict, label: str) -> list[str]:
    lines = ["TY  - JOUR", f"DB  - {record['db']}", f"TI  - {record['title']}"]
    lines += [f"AU  - {a}" for a in record["authors"]]
    lines += [f"PY  - {record['year']}"] if record["year"] else []
    lines += [f"T2  - {record['journal']}"] if record["journal"] else []
    lines += [f"VL  - {record['volume']}"] if record["volume"] else []
    lines += [f"IS  - {record['issue']}"] if record["issue"] else []
    if record["pages"]:
        start, _, end = record["pages"].partition("-")
        lines += [f"SP  - {start}"] + ([f"EP  - {end}"] if end else [])
    lines += [f"DO  - {record['doi']}"] if record["doi"] else []
    lines += [f"AN  - {record['pmid']}"] if record["pmid"] else []
    lines += [f"N1  - SYNTHETIC record for de-duplication tests ({label}); not a real publication", "ER  - ", ""]
    return lines


def main() -> None:
    papers = {p[0]: p for p in PAPERS}
    lines: list[str] = []
    members: dict[str, list[int]] = {}  # paper label -> positions
    kinds: dict[int, str] = {}
    position = 0
    for paper in PAPERS:
        position += 1
        lines += _ris(_apply(paper, {}), paper[0])
        members[paper[0]] = [position]
    for key, kind, changes in DUPLICATES:
        position += 1
        lines += _ris(_apply(papers[key], changes), f"{key} duplicate: {kind}")
        members[key].append(position)
        kinds[position] = kind
    negatives = []
    for key, kind, changes, note in HARD_NEGATIVES:
        position += 1
        lines += _ris(_apply(papers[key], changes), f"hard negative of {key}: {kind}")
        negatives.append((members[key][0], position, kind, note))
        members[f"{key}-{kind}"] = [position]
    # Part I vs Part II and 12 vs 24 months are hard negatives of each other as well.
    by_kind = {kind: b for _, b, kind, _ in negatives}
    negatives.append(
        (by_kind["part_one_of_a_series"], by_kind["part_two_of_a_series"], "part_one_vs_part_two", "Part I vs Part II")
    )
    negatives.append(
        (by_kind["follow_up_12_months"], by_kind["follow_up_24_months"], "12_vs_24_months", "two follow-ups")
    )
    rows = []
    for key, positions in members.items():
        for a, b in itertools.combinations(positions, 2):
            rows.append((a, b, 1, kinds.get(b, "duplicate"), f"two exports of {key}"))
    rows += [(a, b, 0, kind, note) for a, b, kind, note in negatives]
    (HERE / "dedupe_pairs.ris").write_text("\n".join(lines), encoding="utf-8")
    with (HERE / "dedupe_pairs.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "duplicate", "kind", "note"])
        writer.writerows(sorted(rows))


if __name__ == "__main__":
    main()
