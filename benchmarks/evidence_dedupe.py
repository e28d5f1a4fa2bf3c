"""Import and de-duplication of n synthetic RIS records: secretome's own timings on this machine.

Usage: python benchmarks/evidence_dedupe.py [--n 5000] [--duplicates 0.3]

Writes n synthetic records (seed 2026) to a temporary RIS file, a fraction --duplicates of them
copies of another record with a changed case, punctuation or a dropped DOI (as two databases
export one paper), then times ``import_files`` and ``dedupe_records`` on a new SQLite store.
No reference tool is timed side by side: ASySD (Hair et al. 2023) is an R package that is not
installed with the CI's apt packages. The number of duplicates found must equal the number made,
or the benchmark fails. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

from secretome.evidence import create_store, dedupe_records, import_files

WORDS = [
    "mesenchymal",
    "stromal",
    "stem",
    "cell",
    "secretome",
    "exosome",
    "vesicle",
    "cartilage",
    "chondrocyte",
    "synovial",
    "adipose",
    "umbilical",
    "bone",
    "marrow",
    "osteoarthritis",
    "knee",
    "rat",
    "rabbit",
    "mouse",
    "inflammation",
    "apoptosis",
    "collagen",
    "aggrecan",
    "repair",
    "injection",
    "conditioned",
    "medium",
    "trial",
    "model",
    "therapy",
    "regeneration",
]


def _records(n: int, fraction: float, rng: random.Random) -> tuple[list[str], int]:
    originals = int(n * (1 - fraction))
    entries, papers = [], []
    for i in range(originals):
        title = " ".join(rng.choices(WORDS, k=12)).capitalize() + f" {i}"
        paper = (title, f"Author{i % 997}, {chr(65 + i % 26)}.", 1990 + i % 35, f"10.5555/bench.{i}")
        papers.append(paper)
        entries.append(paper)
    for _ in range(n - originals):
        title, author, year, doi = rng.choice(papers)
        variant = rng.choice([title.upper(), title + ".", title.replace(" ", "  ")])
        entries.append((variant, author, year, doi if rng.random() < 0.5 else None))
    rng.shuffle(entries)
    lines = []
    for title, author, year, doi in entries:
        lines += ["TY  - JOUR", f"TI  - {title}", f"AU  - {author}", f"PY  - {year}"]
        lines += [f"DO  - {doi}"] if doi else []
        lines += ["ER  - ", ""]
    return lines, n - originals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--duplicates", type=float, default=0.3)
    args = parser.parse_args()
    lines, made = _records(args.n, args.duplicates, random.Random(2026))
    with tempfile.TemporaryDirectory() as tmp:
        ris = Path(tmp) / "records.ris"
        ris.write_text("\n".join(lines), encoding="utf-8")
        store = create_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        t0 = time.perf_counter()
        import_files(store, [ris])
        t1 = time.perf_counter()
        result = dedupe_records(store)
        t2 = time.perf_counter()
        store.close()
    found = sum(len(m.duplicate_ids) for m in result.merges)
    print(
        json.dumps(
            {
                "benchmark": "evidence_dedupe",
                "n": args.n,
                "duplicates_made": made,
                "duplicates_found": found,
                "import_s": round(t1 - t0, 3),
                "dedupe_s": round(t2 - t1, 3),
                "python": platform.python_version(),
                "machine": platform.machine(),
            }
        )
    )
    return 0 if found == made else 1


if __name__ == "__main__":
    sys.exit(main())
