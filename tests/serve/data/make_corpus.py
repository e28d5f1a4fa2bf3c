"""Write the SYNTHETIC corpus of the workbench tests (no such papers exist; DOIs use the 10.5555 test prefix).

Four animal studies of one outcome (O'Driscoll score) with per-arm numbers, so the Synthesis view
has something to pool: two with umbilical-cord and two with adipose MSC conditioned medium; one is
judged at high risk of bias (SYRCLE), one has only a secondary source. Run from this folder:
``python make_corpus.py``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

HERE = Path(__file__).parent / "corpus"
STUDIES = [
    # id, year, source, treated mean/sd/n, control mean/sd/n, high risk, secondary
    ("alpha-2019-synthetic", 2019, "umbilical_cord", (18.5, 2.1, 8), (9.0, 1.8, 8), False, False),
    ("beta-2020-synthetic", 2020, "umbilical_cord", (15.2, 3.4, 10), (11.1, 3.0, 10), True, False),
    ("gamma-2021-synthetic", 2021, "adipose", (14.0, 2.5, 6), (10.5, 2.9, 6), False, True),
    ("delta-2022-synthetic", 2022, "adipose", (16.8, 2.2, 12), (12.0, 2.6, 12), False, False),
]
SYRCLE = (
    "sequence_generation",
    "baseline_characteristics",
    "allocation_concealment",
    "random_housing",
    "blinding_caregivers",
    "random_outcome_assessment",
    "blinding_assessors",
    "incomplete_outcome_data",
    "selective_reporting",
    "other_bias",
)


def study(sid, year, source, treated, control, high, secondary, number):
    doi = f"10.5555/secretome.serve.{number}"
    prov = {"source": f"doi:{doi}", "location": "Methods", "status": "verbatim"}
    items = {d: {"judgement": "unclear"} for d in SYRCLE}
    if high:
        items["blinding_assessors"] = {
            "judgement": "high",
            "quote": "Scoring was not blinded.",
            "location": "Methods",
        }
    return {
        "id": sid,
        "schema_version": 1,
        "reference": {
            "authors": [f"Synthetic {sid.split('-')[0].title()}", "Fixture B"],
            "year": year,
            "title": f"A synthetic rat study of {source.replace('_', ' ')} MSC conditioned medium ({sid})",
            "journal": "Journal of Test Fixtures",
            "doi": doi,
            "keywords": ["osteoarthritis", "secretome"],
        },
        "design": "animal",
        "source_quality": "secondary" if secondary else "primary",
        "classification": {
            "msc_sources": [source],
            "products": ["conditioned_medium"],
            "species": ["rat"],
            "outcome_domains": ["histology"],
            "provenance": prov | {"status": "curator_classification", "quote": "Rats received conditioned medium."},
        },
        "population": {
            "species": "rat",
            "oa_model": "focal_defect",
            "provenance": prov | {"quote": "Rats with a focal cartilage defect."},
        },
        "arms": [
            {
                "id": "cm",
                "role": "treatment",
                "label": "conditioned medium",
                "n": treated[2],
                "intervention": {"product": "conditioned_medium", "msc_source": source, "route": "intra_articular"},
                "provenance": prov | {"quote": f"Rats received conditioned medium (n = {treated[2]})."},
            },
            {
                "id": "control",
                "role": "oa_control",
                "label": "untreated defect",
                "n": control[2],
                "provenance": prov | {"quote": f"Untreated rats served as controls (n = {control[2]})."},
            },
        ],
        "results": [
            {
                "outcome": "odriscoll_score",
                "timepoint": "week 8",
                "timepoint_days": 56,
                "treatment": "cm",
                "control": "control",
                "arm_data": {
                    "cm": {"n": treated[2], "mean": treated[0], "sd": treated[1]},
                    "control": {"n": control[2], "mean": control[0], "sd": control[1]},
                },
                "provenance": prov
                | {
                    "location": "Table 2",
                    "quote": f"O'Driscoll score {treated[0]} ± {treated[1]} (n = {treated[2]}) vs "
                    f"{control[0]} ± {control[1]} (n = {control[2]})",
                },
            }
        ],
        "risk_of_bias": {"tool": "SYRCLE", "source": f"https://doi.org/{doi}", "items": items},
    }


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for number, row in enumerate(STUDIES, start=1):
        text = "# A SYNTHETIC study for the workbench tests (tests/serve/data/make_corpus.py); no such paper exists.\n"
        text += yaml.safe_dump(study(*row, number), sort_keys=False, allow_unicode=True, width=110)
        (HERE / f"{row[0]}.yaml").write_text(text, encoding="utf-8")
