"""Sensitivity and specificity of ``secretome evidence dedupe`` on a labelled set of SYNTHETIC record pairs.

Usage: python benchmarks/evidence_dedupe_quality.py [--ris FILE --pairs FILE]

The default set is tests/evidence/data/dedupe_pairs.{ris,csv}, written by
tests/evidence/data/make_dedupe_pairs.py: synthetic papers exported by several "databases"
(duplicates) and hard negatives (Part I / Part II, follow-ups, same title in another year,
journal, volume or pages, preprint vs article, erratum, same title by another group).
The records are imported into a new SQLite store and de-duplicated as the CLI does; two records
are called duplicates when they end at the same canonical record (following ``duplicate_of``).

- sensitivity: labelled duplicate pairs called duplicates / all labelled duplicate pairs;
- specificity (hard negatives): labelled distinct pairs kept apart / all labelled distinct pairs;
- specificity (all pairs): every pair of records of different papers kept apart / all such pairs.

ASySD reports a sensitivity of 0.95-0.99 and a specificity near 1 on its validation sets
(Hair et al. 2023, BMC Biology 21:189, doi:10.1186/s12915-023-01686-z); those are real search
exports, this is a small synthetic set built to hold hard cases, so the numbers are not
comparable one to one. Prints one JSON line, and each misclassified pair on stderr.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa

from secretome.evidence import _models as orm
from secretome.evidence import create_store, dedupe_records, import_files

DATA = Path(__file__).parents[1] / "tests" / "evidence" / "data"


def canonical_by_position(store) -> dict[int, int]:
    """For each record (by 1-based position in its file) the id of its final canonical record."""
    with store.session() as session:
        rows = session.execute(sa.select(orm.Record.id, orm.Record.position, orm.Record.duplicate_of)).all()
    parent = {rid: dup for rid, _, dup in rows}

    def root(rid: int) -> int:
        while parent[rid] is not None:
            rid = parent[rid]
        return rid

    return {position: root(rid) for rid, position, _ in rows}


def evaluate(roots: dict[int, int], pairs: list[dict[str, str]]) -> dict[str, object]:
    """Confusion counts over the labelled pairs and over all pairs across papers."""
    duplicates = [p for p in pairs if p["duplicate"] == "1"]
    distinct = [p for p in pairs if p["duplicate"] == "0"]
    missed = [p for p in duplicates if roots[int(p["a"])] != roots[int(p["b"])]]
    merged = [p for p in distinct if roots[int(p["a"])] == roots[int(p["b"])]]
    same_paper = {frozenset((int(p["a"]), int(p["b"]))) for p in duplicates}
    other = [frozenset(c) for c in itertools.combinations(sorted(roots), 2) if frozenset(c) not in same_paper]
    wrong_all = sum(roots[min(c)] == roots[max(c)] for c in other)
    return {
        "n_records": len(roots),
        "duplicate_pairs": len(duplicates),
        "hard_negative_pairs": len(distinct),
        "sensitivity": round(1 - len(missed) / len(duplicates), 4),
        "specificity_hard_negatives": round(1 - len(merged) / len(distinct), 4),
        "specificity_all_pairs": round(1 - wrong_all / len(other), 6),
        "missed": [(p["a"], p["b"], p["kind"]) for p in missed],
        "wrongly_merged": [(p["a"], p["b"], p["kind"]) for p in merged],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ris", type=Path, default=DATA / "dedupe_pairs.ris")
    parser.add_argument("--pairs", type=Path, default=DATA / "dedupe_pairs.csv")
    args = parser.parse_args()
    with args.pairs.open(encoding="utf-8") as handle:
        pairs = list(csv.DictReader(handle))
    with tempfile.TemporaryDirectory() as tmp, create_store(f"sqlite:///{Path(tmp) / 'quality.db'}") as store:
        import_files(store, [args.ris])
        dedupe_records(store)
        roots = canonical_by_position(store)
    result = evaluate(roots, pairs)
    for a, b, kind in result["missed"]:
        print(f"missed duplicate: records {a} and {b} ({kind})", file=sys.stderr)
    for a, b, kind in result["wrongly_merged"]:
        print(f"wrongly merged: records {a} and {b} ({kind})", file=sys.stderr)
    print(json.dumps({"benchmark": "evidence_dedupe_quality", "data": args.ris.name, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
