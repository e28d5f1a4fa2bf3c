"""robvis-layout figures: the studies and domains of each tool, coloured by judgement."""

from __future__ import annotations

from secretome.evidence import load_corpus
from secretome.report._risk_of_bias import assessed_with, summary_bars, traffic_light


def test_traffic_light_shows_each_study_and_domain_with_the_overall_judgement(synthetic_studies):
    svg = traffic_light(synthetic_studies, "RoB2")
    assert "syn-delta-2019" in svg
    for column in ("D1", "D5", "Overall"):
        assert f">{column}<" in svg
    # syn-delta: low, some concerns, low, high, low; overall high (RoB 2's rule), in robvis's colours,
    # plus one legend patch per judgement shown.
    assert svg.count("fill: #02c100") == 3 + 1
    assert svg.count("fill: #e2df07") == 1 + 1
    assert svg.count("fill: #bf0000") == 2 + 1


def test_summary_bars_split_each_domain_by_the_share_of_studies():
    studies = load_corpus().studies
    rob2 = assessed_with(studies, "RoB2")
    svg = summary_bars(studies, "RoB2")
    assert f"share of {len(rob2)} studies" in svg
    assert "Randomisation process" in svg
    assert "Overall risk of bias" in svg


def test_only_studies_of_the_tool_are_drawn(synthetic_studies):
    assert [s.id for s in assessed_with(synthetic_studies, "RoB2")] == ["syn-delta-2019"]
    assert assessed_with(synthetic_studies, "SYRCLE") == []
