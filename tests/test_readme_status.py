"""The README's status counts are the bundled corpus's: studies, primary studies and what the report pools."""

from __future__ import annotations

import re
from pathlib import Path

from secretome.evidence import load_corpus
from secretome.report import analysis_dataset
from secretome.report._prisma import corpus_flow_table
from secretome.report._synthesis import compare_events, pool_outcomes

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _said(pattern: str) -> tuple[int, ...]:
    found = re.search(pattern, " ".join(README.split()))
    assert found is not None, f"README.md no longer says {pattern!r}"
    return tuple(int(n) for n in found.groups())


def test_the_readme_counts_the_bundled_corpus_as_it_is():
    studies = load_corpus().studies
    flow = dict(zip(*corpus_flow_table(studies)[["step", "n"]].T.values, strict=True))
    primary = sum(n for step, n in flow.items() if step.startswith("Primary studies: "))
    said = _said(r"The bundled corpus holds (\d+) studies \((\d+) primary, (\d+) reviews and background papers\)")
    assert said == (len(studies), primary, flow["Reviews and background papers (described, not synthesised)"])


def test_the_readme_counts_the_analyses_the_report_pools():
    dataset = analysis_dataset(load_corpus().studies)
    pooled = pool_outcomes(dataset)
    said = _said(r"the report pools (\d+) analyses today, (\d+) of them with at least 3 studies")
    assert said == (len(pooled), sum(len(p.studies) >= 3 for p in pooled))
    (compared,) = _said(r"compares events between the arms of (\d+) outcomes")
    assert compared == len(compare_events(dataset))
