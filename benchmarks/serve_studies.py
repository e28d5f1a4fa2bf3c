"""The workbench's Studies view over 10,000 studies: a filtered, searched, sorted page, timed.

Usage: python benchmarks/serve_studies.py [--copies 65] [--runs 7]

The bundled corpus (154 studies) is copied --copies times under new ids (65 x 154 = 10,010 studies)
into a folder of study files, compiled into a SQLite store (``create_store``, timed once), and served
by the workbench in local mode through Starlette's test client. Each query of the Studies view (the
whole request: routing, SQL, template) runs once to warm up, then --runs times; medians are printed
against the issue's budget of 200 ms. No other tool serves this view, so there is no ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from secretome.evidence import corpus_files, create_store
from secretome.serve import ServeSettings, create_app

QUERIES = {
    "first page": {},
    "design=animal, product=exosomes": {"design": "animal", "product": "exosomes"},
    "text 'knee'": {"q": "knee"},
    "sort by year, descending, page 20": {"sort": "year", "desc": "1", "page": "20"},
}


def _copies(folder: Path, copies: int) -> int:
    written = 0
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        study_id = re.search(r"^id: (\S+)", text, re.MULTILINE).group(1)
        for i in range(copies):
            new = f"{study_id}-c{i:03d}"
            (folder / f"{new}.yaml").write_text(text.replace(f"id: {study_id}", f"id: {new}", 1), encoding="utf-8")
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=65)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        n = _copies(folder, args.copies)
        url = f"sqlite:///{Path(tmp) / 'review.db'}"
        start = time.perf_counter()
        store = create_store(url, corpus=folder)
        compiled = time.perf_counter() - start
        app = create_app(ServeSettings(db=url, reviewer="bench", order="store"), store=store)
        medians = {}
        with TestClient(app, base_url="http://127.0.0.1") as client:
            for name, params in QUERIES.items():
                response = client.get("/studies", params=params)  # warm-up (and the facets' first sync)
                response.raise_for_status()
                times = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    client.get("/studies", params=params).raise_for_status()
                    times.append(time.perf_counter() - t0)
                medians[name] = round(1000 * statistics.median(times), 1)
        store.close()
    print(json.dumps({"machine": f"{platform.machine()}, Python {platform.python_version()}", "studies": n,
                      "create_store_s": round(compiled, 1), "median_ms": medians, "budget_ms": 200}))  # fmt: skip


if __name__ == "__main__":
    main()
