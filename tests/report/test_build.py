"""The report end to end: files, escaping, sections, errors, and pooled numbers against metafor."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from secretome.errors import InputError, OutputError, StoreError
from secretome.evidence import map_studies
from secretome.report import analysis_dataset, build_report
from secretome.report._build import _link_studies, _map_section
from secretome.report._html import Link

FIXTURES = Path(__file__).parents[1] / "fixtures" / "report"
SCRIPT = Path(__file__).parents[2] / "tools" / "report_reference.R"
RERUN = Path(__file__).parents[2] / "tools" / "report_rerun.R"
KEYS = ["measure", "outcome", "evidence_level", "product_class"]


@pytest.fixture(scope="module")
def html(built):
    return Path(built.html).read_text(encoding="utf-8")


def test_writes_the_report_and_its_dataset(built):
    assert Path(built.html).name == "index.html"
    # 13 results of the first eight files, 3 + 1 of the histology and head-to-head files, 12 + 3 of the case series,
    # the adverse events of both arms of syn-delta and syn-theta.
    assert pd.read_csv(built.dataset_csv).shape[0] == built.results == 35
    assert (built.studies, built.primary_studies, built.pooled, built.compared) == (24, 23, 5, 1)
    analyses = pd.read_csv(built.analyses_csv)
    assert sorted(analyses["id"]) == [
        "animal-secretome-mankin_score-SMD",
        "animal-secretome-oarsi_score-SMD",
        "clinical-cells-adverse_events-PLO",
        "clinical-cells-adverse_events-RD",
        "clinical-cells-vas_pain-SMD",
        "clinical-cells-womac_total-SMCR",
    ]
    assert set(analyses["method"]) == {"REML", "MH"}


@pytest.mark.needs_r
def test_every_pooled_analysis_reruns_in_metafor_from_analysis_csv_alone(built, tmp_path):
    subprocess.run(
        ["Rscript", str(RERUN), built.dataset_csv, str(tmp_path / "rerun.csv")], check=True, capture_output=True
    )
    rerun = pd.read_csv(tmp_path / "rerun.csv").set_index("id")
    ours = pd.read_csv(built.analyses_csv).set_index("id")
    assert sorted(rerun.index) == sorted(ours.index)
    for column in ("k", "estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2"):
        pd.testing.assert_series_equal(ours[column], rerun.loc[ours.index, column], rtol=1e-6, atol=1e-9,
                                       check_dtype=False, check_names=False)  # fmt: skip


def test_the_synthesis_separates_comparisons_and_sources(html):
    synthesis = html.split('<section id="synthesis">')[1].split("</section>")[0]
    assert "syn-xi-2021" not in synthesis  # a head-to-head trial is neither pooled nor a vote
    assert "with secondary sources (syn-nu-2020)" in synthesis
    assert "Egger&#x27;s regression test" in synthesis  # k = 12 adverse-event proportions
    assert "r = 0.3" in synthesis
    assert "r = 0.7" in synthesis
    assert "within one arm" in synthesis
    assert "<td>in vitro</td>" in synthesis  # the level is a label, as in the evidence map
    assert "<td>in_vitro</td>" not in synthesis


def test_the_evidence_map_shows_labels_not_vocabulary_ids(html):
    emap = html.split('<section id="evidence-map">')[1].split("</section>")[0]
    assert "<td>Umbilical cord</td><td>Exosomes</td>" in emap  # syn-alpha-2020
    assert "umbilical_cord" not in emap


def test_imported_text_is_escaped(html):
    assert "<script>" not in html
    # <wbr>: the 25-character token may wrap after its "/" (long tokens wrap at / . _ -)
    assert "&lt;script&gt;alert(1)&lt;/<wbr>script&gt; Synthetic in vitro study" in html


def test_every_domain_has_a_heading_and_empty_ones_say_so(html):
    for label in ("Cartilage structure", "Histology scores", "Apoptosis", "Pain and function", "Safety"):
        assert f"<h3>{label}</h3>" in html
    apoptosis = html.split("<h3>Apoptosis</h3>")[1].split("<h3>")[0]
    assert "No primary study in the corpus reports an outcome in this domain." in apoptosis
    inflammation = html.split("<h3>Inflammation</h3>")[1].split("<h3>")[0]
    assert "Not pooled: fewer than two studies with a primary source give numbers" in inflammation  # directions only


def test_risk_of_bias_is_shown_where_assessed(html):
    studies = html.split('<section id="studies">')[1].split("</section>")[0]
    assert "RoB2 judgements as recorded in the study files (D1: Randomisation process;" in studies
    # syn-delta: low, some concerns, low, high, low; overall high by RoB 2's rule.
    row = (
        '<td><a href="#study-syn-delta-2019">syn-delta-2019</a></td>'
        "<td>low</td><td>some concerns</td><td>low</td><td>high</td><td>low</td><td>high</td>"
    )
    assert row in studies
    assert "SYRCLE judgements" not in studies  # no synthetic animal study is assessed
    # The judgements that rest on a quote, folded, each with it (syn-delta: 4 of its 5 domains).
    assert "<summary>RoB2: the 4 judgements that rest on a quote, with the quote</summary>" in studies
    # ... each beside its location and a link to the study's source
    quote = "Synthetic: outcome assessors were not blinded.</td><td>Supplementary Table 4</td>"
    assert f'{quote}<td><a href="https://example.invalid/syn-delta">source</a></td>' in studies


def test_the_summary_of_findings_links_each_pooled_row_to_its_analysis(html):
    summary = html.split('<section id="summary">')[1].split("</section>")[0]
    assert '<a href="#analysis-animal-secretome-oarsi_score-SMD">OARSI score</a>' in summary
    assert 'id="analysis-animal-secretome-oarsi_score-SMD"' in html
    # syn-zeta-2023 is the only study file of 2023, the newest year in the synthetic corpus
    assert "the newest source was published in 2023 (syn-zeta-2023; the study files give years, not days)" in summary


def test_a_corpus_without_screening_records_gets_a_prisma_flow_of_other_methods(html):
    corpus = html.split('<section id="corpus">')[1].split("</section>")[0]
    assert 'id="prisma-identified"' in corpus
    assert 'id="prisma-corpus-excluded"' in corpus
    assert "<figcaption>PRISMA 2020 flow of the curated corpus (identification via other methods" in corpus
    assert '<td>Primary studies: animal</td><td class="num">7</td>' in corpus


def test_pooled_numbers_link_to_their_studies(html):
    for study in ("syn-alpha-2020", "syn-beta-2021", "syn-gamma-2022"):
        assert f'<a href="#study-{study}">' in html
        assert f'id="study-{study}"' in html


def test_the_mechanism_section_shows_both_experiments_and_says_what_is_assumed(html):
    mechanism = html.split('<section id="mechanism">')[1].split("</section>")[0]
    assert "The review&#x27;s rat protocol" in mechanism
    assert "Single versus repeated dosing" in mechanism
    # The model diagram, one figure per experiment (review protocol, CM schedules, EV schedules), and the
    # profile likelihoods of the shipped calibration.
    assert mechanism.count("<svg") == 5
    assert "95% profile-likelihood intervals" in mechanism
    assert "Evidence versus model" in mechanism
    assert "assumed with a prior range" in mechanism
    assert "no prediction is counted as evidence" in mechanism


def test_committed_analysis_csv_is_what_the_rules_give(synthetic_studies):
    # The metafor fixture below was made from this CSV; if the rules change, regenerate both.
    ours = analysis_dataset(synthetic_studies)
    committed = pd.read_csv(FIXTURES / "synthetic_analysis.csv")
    columns = ["study_id", "outcome", "n1i", "m1i", "sd1i", "n2i", "m2i", "sd2i", "selected", "poolable"]
    pd.testing.assert_frame_equal(ours[columns].reset_index(drop=True), committed[columns], check_dtype=False)


def _compare(ours: list, reference: pd.DataFrame) -> None:
    assert len(ours) == len(reference)
    for p in ours:
        ref = reference.set_index(KEYS).loc[(p.measure, p.outcome, p.evidence_level, p.product_class)]
        res = p.result
        assert res.k == ref["k"]
        for field in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2"):
            assert getattr(res, field) == pytest.approx(ref[field], rel=1e-6, abs=1e-10), field
        tests = {t.column: t.result for t in p.subgroup_tests}
        for column in ("msc_source", "product", "control_role"):
            sub = tests.get(column)
            if sub is None:
                assert pd.isna(ref[f"QM_{column}"]), column
            else:
                assert (sub.QM, sub.QM_pval) == pytest.approx((ref[f"QM_{column}"], ref[f"QM_pval_{column}"]), rel=1e-6)


def test_pooled_numbers_match_metafor_fixture(synthetic_studies):
    # R: Rscript tools/report_reference.R tests/fixtures/report/synthetic_analysis.csv synthetic_pooled.csv
    from secretome.report._synthesis import pool_outcomes

    _compare(pool_outcomes(analysis_dataset(synthetic_studies)), pd.read_csv(FIXTURES / "synthetic_pooled.csv"))


def _compare_events(ours: list, reference: pd.DataFrame) -> None:
    assert len(ours) == len(reference)
    for c in ours:
        ref = reference.set_index(["outcome", "evidence_level", "product_class"]).loc[
            (c.outcome, c.evidence_level, c.product_class)
        ]
        res = c.result
        assert res.k == ref["k"]
        for field in ("estimate", "se", "ci_lb", "ci_ub", "pval", "I2"):
            assert getattr(res, field) == pytest.approx(ref[field], rel=1e-6, abs=1e-10), field


def test_compared_events_match_metafor_fixture(synthetic_studies):
    # R: Rscript tools/report_reference.R synthetic_analysis.csv synthetic_pooled.csv synthetic_compared.csv
    # (rma.mh(measure = "RD") of syn-delta's 6/20 vs 2/20 and syn-theta's 0/15 vs 0/15: RD 0.1143)
    from secretome.report._synthesis import compare_events

    compared = compare_events(analysis_dataset(synthetic_studies))
    assert [c.id for c in compared] == ["clinical-cells-adverse_events-RD"]
    _compare_events(compared, pd.read_csv(FIXTURES / "synthetic_compared.csv"))


@pytest.mark.needs_r
@pytest.mark.parametrize("corpus", ["synthetic", "bundled"])
def test_pooled_numbers_and_compared_events_match_metafor_live(corpus, synthetic_studies, tmp_path):
    from secretome.evidence import load_corpus
    from secretome.report._synthesis import compare_events, pool_outcomes

    studies = synthetic_studies if corpus == "synthetic" else load_corpus().studies
    dataset = analysis_dataset(studies)
    dataset.to_csv(tmp_path / "analysis.csv", index=False)
    subprocess.run(
        ["Rscript", str(SCRIPT), *(str(tmp_path / f) for f in ("analysis.csv", "pooled.csv", "rd.csv"))],
        check=True,
        capture_output=True,
    )
    pooled = pool_outcomes(dataset)
    reference = pd.read_csv(tmp_path / "pooled.csv") if pooled else pd.DataFrame(columns=KEYS)
    _compare(pooled, reference)
    compared = compare_events(dataset)
    assert compared  # both corpora have trials with events in both arms (bundled: chen-2021-scrt, kuah-2018-jtm, ...)
    _compare_events(compared, pd.read_csv(tmp_path / "rd.csv"))


def test_an_unusable_out_is_an_output_error(tmp_path, synthetic_corpus):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="is not a folder"):
        build_report(blocker, corpus=synthetic_corpus)
    with pytest.raises(OutputError, match="parent folder does not exist"):
        build_report(tmp_path / "missing" / "out", corpus=synthetic_corpus)


def test_a_report_whose_page_cannot_be_written_leaves_no_new_analysis_csv(tmp_path, synthetic_corpus):
    out = tmp_path / "report"
    out.mkdir()
    (out / "analysis.csv").write_text("old")
    (out / "index.html").mkdir()
    with pytest.raises(OutputError, match=r"index\.html': is a folder"):
        build_report(out, corpus=synthetic_corpus, subjects=20, trajectories=2)
    assert (out / "analysis.csv").read_text() == "old"
    assert sorted(p.name for p in out.iterdir()) == ["analysis.csv", "index.html"]


def test_a_missing_or_corrupt_store_is_an_input_error_and_nothing_is_written(tmp_path):
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"not a database at all" * 100)
    for db in (f"sqlite:///{tmp_path / 'missing.db'}", f"sqlite:///{corrupt}"):
        with pytest.raises(StoreError):
            build_report(tmp_path / "out", db=db)
    assert not (tmp_path / "missing.db").exists()
    assert not (tmp_path / "out").exists()


def test_cli_report_exit_codes(tmp_path, capsys):
    from secretome.cli import main

    assert main(["report", "--db", f"sqlite:///{tmp_path / 'missing.db'}", "--out", str(tmp_path / "out")]) == 2
    assert "missing.db" in capsys.readouterr().err
    small = ["--subjects", "20", "--trajectories", "2"]
    assert main(["report", "--out", str(tmp_path / "out"), *small, "--format", "json"]) == 0
    assert '"pooled"' in capsys.readouterr().out


def test_a_store_with_records_gets_a_prisma_flow(tmp_path, synthetic_corpus, model_settings):
    from secretome.evidence import create_store, dedupe_records, import_decisions, import_files, prisma_counts

    imports = Path(__file__).with_name("data") / "imports"
    url = f"sqlite:///{tmp_path / 'review.db'}"
    with create_store(url, corpus=synthetic_corpus) as store:
        import_files(store, [imports / "search.ris"], source_database="PubMed")
        dedupe_records(store)
        import_decisions(store, imports / "decisions.csv")
        counts = prisma_counts(store)
    assert (counts.n_identified, counts.n_duplicates_removed, counts.n_excluded_title_abstract) == (3, 1, 1)
    # decisions.csv also excludes at full text the record it excluded at title and abstract: in no box.
    assert (counts.n_full_text_assessed, counts.n_full_text_set_aside) == (0, 1)
    built = build_report(tmp_path / "out", db=url, **model_settings)
    corpus = Path(built.html).read_text(encoding="utf-8").split('<section id="corpus">')[1].split("</section>")[0]
    assert "PRISMA 2020 flow of the store" in corpus
    # The diagram: a box per PRISMA 2020 step, its counts from the store.
    for box in ("identified", "identified-excluded", "screened", "screened-excluded", "assessed", "included"):
        assert f'id="prisma-{box}"' in corpus
    assert "Records identified (n = 3):" in corpus
    assert "Duplicate records removed (n = 1)" in corpus
    assert '<td>Records identified: PubMed</td><td class="num">3</td>' in corpus
    assert '<td>Duplicate records removed</td><td class="num">1</td>' in corpus
    assert '<td>  excluded: not OA</td><td class="num">1</td>' in corpus
    assert f'<td>Studies included from the curated corpus</td><td class="num">{built.studies}</td>' in corpus
    assert 'id="prisma-set-aside"' in corpus
    assert (
        "<td>Not in the flow: records with a full-text decision, not included at title and abstract</td>"
        '<td class="num">1</td>'
    ) in corpus


def test_subgroups_get_a_forest_plot_with_metafors_test_of_differences(html):
    synthesis = html.split('<section id="synthesis">')[1].split("</section>")[0]
    reference = pd.read_csv(FIXTURES / "synthetic_pooled.csv").set_index("outcome")
    assert "Forest plot by MSC source" in synthesis
    assert f"QM = {reference.loc['oarsi_score', 'QM_msc_source']:.2f}, df = 1" in synthesis


class _WorkStartedError(Exception):
    """Raised by the first step of the report's work: the arguments were accepted."""


@pytest.mark.parametrize(
    ("option", "value"), [("trajectories", 100_000_000), ("subjects", 100_000_000), ("trajectories", 1)]
)
def test_sizes_beyond_the_declared_limits_are_refused_before_any_work(tmp_path, monkeypatch, option, value):
    # --trajectories 100000000 ran for ever, and --subjects was refused only after the synthesis (issue 12).
    from secretome.report import _build

    def started(*args, **kwargs):
        raise _WorkStartedError

    monkeypatch.setattr(_build, "open_store", started)
    with pytest.raises(InputError, match=rf"field '{option}': must be an integer from \d+ to \d+"):
        build_report(tmp_path / "out", **{option: value})
    assert not (tmp_path / "out").exists()


def test_a_sampling_variance_of_0_is_reported_as_metafor_without_i2(tmp_path, synthetic_corpus, monkeypatch, capsys):
    # No study file gives vi = 0 (escalc's SMD, SMCR at r < 1 and PLO all add a positive 1/n term; an SD
    # of 0 makes yi and vi NA), so the first OARSI row is given vi = 0 where the synthesis computes it.
    from secretome.cli import main
    from secretome.report import _synthesis

    computed = _synthesis.effect_sizes

    def first_oarsi_exact(rows, **options):
        out = computed(rows, **options)
        first = out.index[out["outcome"] == "oarsi_score"][:1]
        return out.assign(vi=out["vi"].where(~out.index.isin(first), 0.0))

    monkeypatch.setattr(_synthesis, "effect_sizes", first_oarsi_exact)
    small = ["--subjects", "20", "--trajectories", "2"]
    code = main(["report", "--corpus", str(synthetic_corpus), "--out", str(tmp_path / "out"), *small])
    err = capsys.readouterr().err
    assert code == 0, err
    # metafor's rma() warning, in its words (vi_zero.json)
    assert "warning: Cannot compute Q-test, I^2, or H^2 when there are non-positive sampling variances in the " in err
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "tau<sup>2</sup> = 1.071, I<sup>2</sup> not available (a sampling variance is 0)" in page
    assert "inconsistency not assessable: I2 not available (a sampling variance is 0)" in page
    assert "I2 not available (a sampling variance is 0)</td>" in page  # the sensitivity table's note
    assert "Not assessable" in page.split("G2. Inconsistency", 1)[1].split("</li>", 1)[0]  # Methods
    assert "Not compared by MSC source: a sampling variance is 0." in page
    assert not re.search(r">\s*(nan|None)\s*<", page)
    analyses = pd.read_csv(tmp_path / "out" / "analyses.csv").set_index("id")
    assert pd.isna(analyses.loc["animal-secretome-oarsi_score-SMD", "I2"])
    assert analyses.loc["animal-secretome-mankin_score-SMD", "I2"] == 0.0


def test_cli_report_takes_a_store_or_a_corpus_not_both(tmp_path, synthetic_corpus, capsys):
    from secretome.cli import main

    both = ["report", "--db", f"sqlite:///{tmp_path / 'a.db'}", "--corpus", str(synthetic_corpus)]
    assert main([*both, "--out", str(tmp_path / "out")]) == 2
    assert "--corpus" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_evidence_map_names_the_studies_it_leaves_unclassified(synthetic_studies):
    # syn-alpha-2020 without classification, interventions or results: nothing gives its source, product or domain.
    bare = [
        replace(s, classification=None, arms=tuple(replace(a, intervention=None) for a in s.arms), results=())
        if s.id == "syn-alpha-2020"
        else s
        for s in synthetic_studies
    ]
    text = "".join(_map_section(map_studies([s for s in bare if s.is_primary])).parts)
    assert "&#x27;unclassified&#x27;: the study file names no MSC source, product or outcome domain" in text
    assert "(syn-alpha-2020); it is counted there rather than guessed" in text
    primary = [s for s in synthetic_studies if s.is_primary]
    assert "unclassified" not in "".join(_map_section(map_studies(primary)).parts)


def test_model_tables_link_the_studies_of_this_report_only(html):
    table = pd.DataFrame({"study": ["syn-alpha-2020", "hascev-2020-jev"], "day": [120.0, 91.3125]})
    linked = _link_studies(table, {"syn-alpha-2020"})
    assert list(linked["study"]) == [Link("syn-alpha-2020", "#study-syn-alpha-2020"), "hascev-2020-jev"]
    assert list(linked["day"]) == ["120", "91.3125"]
    # The shipped calibration cites bundled studies; a report of another corpus shows them without a dead link.
    mechanism = html.split('<section id="mechanism">')[1].split("</section>")[0]
    assert "<td>hascev-2020-jev</td><td>rat-mia+ev-weekly</td><td>oarsi</td><td>120</td>" in mechanism
    assert "#study-hascev-2020-jev" not in html


def test_pooled_rows_name_arms_by_their_labels(html):
    # syn-alpha-2020's arms exo and pbs are labelled "UC-MSC exosomes" and "PBS" in its study file
    synthesis = html.split('<section id="synthesis">')[1].split("</section>")[0]
    assert '<a href="#study-syn-alpha-2020">syn-alpha-2020</a></td><td>UC-MSC exosomes</td><td>PBS</td>' in synthesis
