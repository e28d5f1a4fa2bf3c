"""The Synthesis view: the model is the meta engine's on the analysis rows, and every toggle changes it."""

from __future__ import annotations

import html
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from secretome.errors import InputError, SecretomeWarning
from secretome.evidence import create_store, get_studies, load_corpus
from secretome.meta import escalc, random_effects, subgroups
from secretome.report import analysis_dataset
from secretome.serve._synthesis import analyse, analysis_choices

from .conftest import make_client

FIXTURES = Path(__file__).parents[1] / "fixtures" / "report"
KEY = "odriscoll_score/animal/secretome"
# The synthetic corpus's numbers (tests/serve/data/make_corpus.py): treated mean, sd, n; control mean, sd, n.
ARMS = {
    "alpha-2019-synthetic": (18.5, 2.1, 8, 9.0, 1.8, 8),
    "beta-2020-synthetic": (15.2, 3.4, 10, 11.1, 3.0, 10),
    "gamma-2021-synthetic": (14.0, 2.5, 6, 10.5, 2.9, 6),
    "delta-2022-synthetic": (16.8, 2.2, 12, 12.0, 2.6, 12),
}


@pytest.fixture
def data(store):
    studies = list(get_studies(store))
    return analysis_dataset(studies)


def _expected(ids, method="REML"):
    m1, sd1, n1, m2, sd2, n2 = (np.array(v, dtype=float) for v in zip(*(ARMS[i] for i in ids), strict=True))
    es = escalc("SMD", m1i=m1, sd1i=sd1, n1i=n1, m2i=m2, sd2i=sd2, n2i=n2)
    return es, random_effects(es.yi, es.vi, method=method)


def test_the_one_analysis_of_the_synthetic_corpus(data):
    assert [c.key for c in analysis_choices(data)] == [KEY]


PRIMARY = sorted(set(ARMS) - {"gamma-2021-synthetic"})  # gamma's only source is secondary


def test_default_model_is_reml_on_hedges_g_of_the_study_numbers(data):
    # As the report (rule S2): the study whose only source is secondary is left out by default.
    analysis = analyse(data, KEY)
    es, expected = _expected(PRIMARY)
    assert list(analysis.rows["study_id"]) == PRIMARY
    assert analysis.notes == ("secondary sources left out as in the report: gamma-2021-synthetic",)
    np.testing.assert_allclose(analysis.rows["yi"], es.yi, rtol=1e-12)
    assert analysis.result.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert analysis.result.tau2 == pytest.approx(expected.tau2, rel=1e-9, abs=1e-12)


def test_toggles_change_the_model(data):
    ids = sorted(ARMS)
    base = analyse(data, KEY)
    no_high = analyse(data, KEY, without_high_risk=True)
    assert no_high.result.k == 2
    assert "beta-2020-synthetic left out" in no_high.notes[0]
    assert no_high.result.estimate == pytest.approx(
        _expected([i for i in PRIMARY if i != "beta-2020-synthetic"])[1].estimate
    )
    everything = analyse(data, KEY, with_secondary=True)
    assert everything.result.k == 4
    assert everything.notes == ("with secondary sources: gamma-2021-synthetic",)
    assert everything.result.estimate == pytest.approx(_expected(ids)[1].estimate, rel=1e-12)
    omitted = analyse(data, KEY, omit="alpha-2019-synthetic")
    assert omitted.result.estimate == pytest.approx(base.leave_one_out.estimate[0], rel=1e-9)
    dl = analyse(data, KEY, method="DL")
    assert dl.result.tau2 == pytest.approx(_expected(PRIMARY, "DL")[1].tau2, rel=1e-9, abs=1e-12)
    by_source = analyse(data, KEY, subgroup="msc_source", with_secondary=True)
    es, _ = _expected(ids)
    expected = subgroups(es.yi, es.vi, _sources(ids))
    assert pytest.approx(expected.QM, rel=1e-9) == by_source.plotted.QM


def _sources(ids):
    from secretome import vocab

    source = {"alpha": "umbilical_cord", "beta": "umbilical_cord", "gamma": "adipose", "delta": "adipose"}
    return [vocab.MSC_SOURCES[source[i.split("-")[0]]].label for i in ids]


def test_too_few_studies_left_is_an_input_error_naming_the_toggles(data):
    with pytest.raises(InputError, match="fewer than two effect sizes left"):
        analyse(data, KEY, without_high_risk=True, omit="alpha-2019-synthetic")


def _plot(page: str) -> str:
    """The forest plot's SVG, which the page embeds as a data: image (the CSP blocks inline SVG styles)."""
    import base64

    found = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', page)
    assert found is not None, "no forest plot image on the page"
    return base64.b64decode(found.group(1)).decode()


def test_the_forest_plot_changes_with_a_toggle_and_downloads_in_three_formats(local_client):
    page = local_client.get("/synthesis").text
    assert 'id="forest"' in page
    assert len(re.findall(r'id="study-\d+"', _plot(page))) == 3  # the secondary source left out
    fewer = local_client.get("/synthesis", params={"analysis": KEY, "no_high_risk": "1"}).text
    assert len(re.findall(r'id="study-\d+"', _plot(fewer))) == 2
    more = local_client.get("/synthesis", params={"analysis": KEY, "with_secondary": "1"}).text
    assert len(re.findall(r'id="study-\d+"', _plot(more))) == 4
    query = {"analysis": KEY, "subgroup": "product", "method": "PM", "with_secondary": "1"}
    svg = local_client.get("/synthesis/download.svg", params=query)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<?xml")
    pdf = local_client.get("/synthesis/download.pdf", params=query)
    assert pdf.content.startswith(b"%PDF")
    csv = local_client.get("/synthesis/download.csv", params=query).text
    header, *rows = csv.strip().splitlines()
    assert header.startswith("label,study_id,measure,yi,vi,m1i,sd1i,n1i,m2i,sd2i,n2i,m_pre,sd_pre,xi")
    assert len(rows) == 4
    assert "O'Driscoll score 18.5 ± 2.1 (n = 8) vs 9.0 ± 1.8 (n = 8)" in csv


def test_the_download_links_of_a_first_visit_name_the_analysis_shown(local_client):
    # A first visit's URL names no analysis; its links had downloaded nothing but an error page.
    page = local_client.get("/synthesis").text
    links = dict(re.findall(r'<a href="(/synthesis/download\.\w+\?[^"]*)" id="download-(\w+)"', page))
    assert sorted(links.values()) == ["csv", "pdf", "svg"]
    starts = {"csv": b"label,study_id", "svg": b"<?xml", "pdf": b"%PDF"}
    for href, kind in links.items():
        response = local_client.get(html.unescape(href))
        assert response.status_code == 200, href
        assert response.content.startswith(starts[kind])
    assert local_client.get("/synthesis/download.txt", params={"analysis": KEY}).status_code == 404


def test_the_view_offers_the_reports_analyses_of_every_measure():
    from secretome.evidence import load_corpus
    from secretome.report._synthesis import pool_outcomes

    dataset = analysis_dataset(load_corpus().studies)
    keys = {c.key for c in analysis_choices(dataset)}
    # Every analysis the report pools (rule S2: two studies with a primary source) is a choice here too.
    for p in pool_outcomes(dataset):
        suffix = "" if p.measure == "SMD" else f"/{p.measure}"
        assert f"{p.outcome}/{p.evidence_level}/{p.product_class}{suffix}" in keys
    events = analyse(dataset, "adverse_events/clinical/cells/PLO")
    assert set(events.rows["measure"]) == {"PLO"}
    assert b"log odds of the event" in events.forest_svg()


def test_a_sampling_variance_of_0_renders_without_i2_in_the_view_and_the_overview(local_client, monkeypatch):
    # No study file gives vi = 0 (see tests/report/test_build.py), so the first row's is set to 0 where the
    # view computes it; the model fits it as metafor's rma does, with I^2 and Q NA.
    from secretome.serve import _synthesis

    computed = _synthesis.effect_sizes

    def first_exact(rows, **options):
        out = computed(rows, **options)
        return out.assign(vi=[0.0, *out["vi"].iloc[1:]])

    monkeypatch.setattr(_synthesis, "effect_sizes", first_exact)
    with pytest.warns(SecretomeWarning, match="sampling variance"):
        view = local_client.get("/synthesis", params={"analysis": KEY})
    assert view.status_code == 200
    assert "I² and Q: not available (a sampling variance is 0)." in view.text
    assert "leave-one-out not shown: a sampling variance is 0" in view.text
    with pytest.warns(SecretomeWarning, match="sampling variance"):
        overview = local_client.get("/")
    assert overview.status_code == 200
    findings = overview.text.split('id="findings"', 1)[1].split("</table>", 1)[0]
    assert '<td class="num">not available (a sampling variance is 0)</td>' in findings
    for page in (view.text, overview.text):
        assert not re.search(r">\s*(nan|None)%?\s*<", page)


def test_a_leave_one_out_refit_that_failed_reads_not_refitted(local_client, monkeypatch):
    # meta's leave_one_out gives a NaN row (and a warning) for a refit that does not converge, as metafor.
    from secretome.serve import _synthesis

    computed = _synthesis.leave_one_out

    def first_failed(*args, **options):
        out = computed(*args, **options)
        shown = ("estimate", "ci_lb", "ci_ub", "tau2", "I2")  # the columns of the view's table
        return replace(out, **{f: (math.nan, *getattr(out, f)[1:]) for f in shown})

    monkeypatch.setattr(_synthesis, "leave_one_out", first_failed)
    page = local_client.get("/synthesis", params={"analysis": KEY}).text
    rows = page.split('id="leave-one-out"', 1)[1].split("</table>", 1)[0].split("<tr>")[2:]
    assert '<td class="num">not refitted</td><td class="num"></td><td class="num"></td><td class="num"></td>' in rows[0]
    assert "not refitted" not in rows[1]
    assert not re.search(r">\s*nan%?\s*<", page)


REPORT_SYNTHETIC = Path(__file__).parents[1] / "report" / "data" / "synthetic"
RD_KEY = "adverse_events/clinical/cells/RD"


@pytest.fixture
def rd_client(tmp_path):
    """A workbench on the report's synthetic corpus, whose two trials give adverse events in both arms."""
    from secretome.serve import ServeSettings, create_app

    url = f"sqlite:///{tmp_path / 'rd.db'}"
    with (
        create_store(url, corpus=REPORT_SYNTHETIC) as store,
        make_client(create_app(ServeSettings(db=url, reviewer="alice", order="store"), store=store)) as client,
    ):
        yield client


def test_a_comparison_of_events_between_arms_is_the_reports_mantel_haenszel_difference(tmp_path):
    # R: Rscript tools/report_reference.R ... synthetic_compared.csv: rma.mh(measure = "RD") of syn-delta's 6/20 vs
    # 2/20 and syn-theta's 0/15 vs 0/15.
    reference = pd.read_csv(FIXTURES / "synthetic_compared.csv").iloc[0]
    data = analysis_dataset(load_corpus(REPORT_SYNTHETIC).studies)
    assert RD_KEY in [c.key for c in analysis_choices(data)]
    comparison = analyse(data, RD_KEY)
    res = comparison.compared.result
    for field in ("estimate", "ci_lb", "ci_ub", "pval"):
        assert getattr(res, field) == pytest.approx(reference[field], rel=1e-6), field
    assert comparison.tables[["xi", "n1i", "x2i", "n2i"]].to_numpy().tolist() == [[6, 20, 2, 20], [0, 15, 0, 15]]
    assert comparison.notes == ()
    assert analyse(data, RD_KEY, method="DL").notes  # the toggles are said not to apply


def test_the_synthesis_page_shows_the_comparison_its_tables_and_downloads(rd_client):
    page = rd_client.get("/synthesis", params={"analysis": RD_KEY}).text
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    # 6/20 - 2/20 = +20 points in syn-delta, 0 in syn-theta; Mantel-Haenszel weights 10 and 7.5: +11.43 points.
    assert "Mantel-Haenszel risk difference, treatment minus comparator (k = 2 tables" in text
    assert "+11.43 percentage points" in text
    assert "6 / 20 2 / 20 +20.0" in text
    assert 'alt="Forest plot"' in page
    assert "Sensitivity analyses" in text
    csv = rd_client.get("/synthesis/download.csv", params={"analysis": RD_KEY}).text
    assert csv.splitlines()[0].startswith("label,study_id,treatment,control,xi,n1i,x2i,n2i")
    assert rd_client.get("/synthesis/download.svg", params={"analysis": RD_KEY}).content.startswith(b"<?xml")
    assert rd_client.get("/synthesis/download.pdf", params={"analysis": RD_KEY}).content.startswith(b"%PDF")
