"""``build_report``: the living state-of-the-art report, assembled from the engines.

The report is one self-contained HTML file (inline CSS and SVG, no scripts, no network) with the
analysis dataset beside it as CSV, so anyone can rerun every pooled number in metafor.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from secretome import __version__, vocab
from secretome._files import atomic_write_files, check_output_path
from secretome._limits import check_samples, check_subjects
from secretome._progress import ProgressCallback, no_progress
from secretome._result import Result
from secretome.errors import NumericalError, OutputError
from secretome.evidence import (
    SCHEMA_VERSION,
    UNCLASSIFIED,
    EvidenceMap,
    PrismaCounts,
    Study,
    get_studies,
    map_studies,
    open_store,
    prisma_counts,
)
from secretome.meta import back_transform, forest_plot, funnel_plot
from secretome.report._dataset import CHANGE_R, analysis_dataset
from secretome.report._figures import bubble_matrix, inline_svg
from secretome.report._grade import GRADE_RULES, summary_of_findings
from secretome.report._html import Link, Section, document, escape, table_html
from secretome.report._mechanism import (
    PLOTTED,
    assumption_counts,
    calibration_artefacts,
    cohort_bands,
    evidence_versus_model,
    fitted_parameters,
    influential_parameters,
    model_diagram,
    points_versus_model,
    predictions_beside_evidence,
    profiles_figure,
    readout_table,
    run_experiments,
    trajectories_figure,
)
from secretome.report._prisma import corpus_flow_diagram, corpus_flow_table, prisma_diagram
from secretome.report._risk_of_bias import assessed_with, summary_bars, traffic_light
from secretome.report._synthesis import (
    MEASURE_LABELS,
    MEASURE_NAMES,
    NO_HETEROGENEITY,
    SUBGROUP_COLUMNS,
    ComparedEvents,
    PooledOutcome,
    VoteCount,
    analyses_frame,
    compare_events,
    count_votes,
    outcome_votes,
    pool_outcomes,
    with_analyses,
)

__all__ = ["ReportResult", "build_report"]

_PACKAGES = ("numpy", "scipy", "pandas", "matplotlib", "SQLAlchemy", "SALib", "libroadrunner", "python-libsbml")


@dataclass(frozen=True, slots=True)
class ReportResult(Result):
    """What :func:`build_report` wrote and what the report contains.

    Attributes
    ----------
    html, dataset_csv, analyses_csv : str
        Paths of the report, of its analysis dataset and of its table of pooled analyses.
    studies, primary_studies, results : int
        Studies in the corpus, of which primary (not reviews or background papers); results of the primary studies.
    pooled : int
        Random-effects meta-analyses in the report (rule S2).
    compared : int
        Mantel-Haenszel risk differences between arms (rule S6).
    vote_counts : int
        Domain x level x class vote counts (rule S3).
    data_sha256 : str
        Hash of the analysis dataset, as printed in the report's methods.
    """

    html: str
    dataset_csv: str
    analyses_csv: str
    studies: int
    primary_studies: int
    results: int
    pooled: int
    compared: int
    vote_counts: int
    data_sha256: str

    def summary(self) -> str:
        return "\n".join(
            [
                f"Report written to {self.html}",
                f"Analysis dataset: {self.dataset_csv} (sha256 {self.data_sha256[:12]}...)",
                f"Pooled analyses: {self.analyses_csv}",
                f"Studies: {self.studies} ({self.primary_studies} primary, {self.results} results)",
                f"Random-effects meta-analyses: {self.pooled}; Mantel-Haenszel comparisons of events: "
                f"{self.compared}; vote counts: {self.vote_counts}",
            ]
        )


def build_report(
    out: str | Path = "report",
    *,
    db: str | None = None,
    corpus: str | Path | None = None,
    subjects: int = 1000,
    trajectories: int = 8,
    progress: ProgressCallback | None = None,
) -> ReportResult:
    """Build the report into the folder *out* (created if its parent exists).

    Parameters
    ----------
    out : str or Path
        Folder for ``index.html``, ``analysis.csv`` (one row per result, with the ``yi``, ``vi`` and
        ``analysis_id`` of the rows each pooled analysis used) and ``analyses.csv`` (one row per pooled
        analysis); all are written whole or not at all.
    db : str, optional
        URL of an existing store (:func:`~secretome.evidence.open_store`); a missing or corrupt one is
        an input error, and none is ever created here.
    corpus : str or Path, optional
        Without *db*: a folder of study files to compile instead of the bundled corpus.
    subjects : int
        Virtual subjects per preset for the model's prior-driven bands (rule M4).
    trajectories : int
        Morris trajectories for the ranking of influential parameters (rule M5).
    progress : callable, optional
        ``progress(task, done, total)``, called once per section.

    Returns
    -------
    ReportResult
    """
    report = progress or no_progress
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError("is not a folder", file=str(out))
    if not out.parent.is_dir():
        raise OutputError("the parent folder does not exist", file=str(out))
    targets = (out / "analysis.csv", out / "analyses.csv", out / "index.html")
    if out.is_dir():  # refused before the work, not after it (a folder or a link where a file goes)
        for target in targets:
            check_output_path(target)
    # Declared limits, checked before the work (the bands and the ranking come last).
    check_subjects(subjects, minimum=20, field="subjects")
    check_samples(trajectories, field="trajectories")
    steps = ("dataset", "summary and corpus", "evidence map", "synthesis", "mechanism", "methods")
    report("report", 0, len(steps))
    with open_store(db, corpus=corpus) as store:
        studies = get_studies(store)
        # The primary studies the synthesis reads, parsed once; reviews and background papers are not mapped.
        emap = map_studies([s for s in studies if s.is_primary], name=store.url)
        prisma = prisma_counts(store)
        store_url = store.url
    dataset = analysis_dataset(studies)
    pooled, compared, votes = pool_outcomes(dataset), compare_events(dataset), count_votes(dataset)
    csv_text = with_analyses(dataset, pooled, compared).to_csv(index=False)
    analyses_text = analyses_frame(pooled, compared).to_csv(index=False)
    digest = hashlib.sha256(csv_text.encode("utf-8")).hexdigest()
    report("report", 1, len(steps))
    sections = [_summary_section(studies, pooled, compared, votes), _corpus_section(studies, prisma)]
    report("report", 2, len(steps))
    sections.append(_map_section(emap))
    report("report", 3, len(steps))
    arm_labels = {(s.id, arm.id): arm.label or arm.id for s in studies for arm in s.arms}
    sections.append(_synthesis_section(dataset, pooled, compared, votes, arm_labels))
    report("report", 4, len(steps))
    sections.append(_mechanism_section(dataset, subjects, trajectories, progress))
    report("report", 5, len(steps))
    sections.append(_methods_section(dataset, digest, store_url, len(studies)))
    sections.append(_studies_section(studies))
    html = document(
        "MSC secretome therapy for osteoarthritis: the living state of the art",
        f"Built by secretome {__version__} from {len(studies)} studies. Every number links to its source.",
        sections,
    )
    created = not out.exists()
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder ({exc.strerror})", file=str(out)) from exc
    try:
        # Both files or neither: a report whose page cannot be written leaves no new analysis.csv.
        texts = (csv_text, analyses_text, html)
        csv_path, analyses_path, html_path = atomic_write_files(dict(zip(targets, texts, strict=True)))
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    report("report", len(steps), len(steps))
    primary = [s for s in studies if s.is_primary]
    return ReportResult(
        html=str(html_path),
        dataset_csv=str(csv_path),
        analyses_csv=str(analyses_path),
        studies=len(studies),
        primary_studies=len(primary),
        results=len(dataset),
        pooled=len(pooled),
        compared=len(compared),
        vote_counts=len(votes),
        data_sha256=digest,
    )


def _label(vocabulary: vocab.Vocabulary, term: str | None) -> str:
    """A reader sees a vocabulary's label ("Umbilical cord"), not its id."""
    return vocabulary[term].label if term and term in vocabulary else (term or "")


def _first_intervention(study: Study) -> tuple[str, str, str]:
    for arm in study.arms:
        if arm.role == "treatment" and arm.intervention is not None:
            iv = arm.intervention
            dose = f"{iv.dose.value:g} {iv.dose.unit}" if iv.dose else ""
            return _label(vocab.MSC_SOURCES, iv.msc_source), _label(vocab.PRODUCTS, iv.product), dose
    return "", "", ""


def _prisma_table(prisma: PrismaCounts) -> pd.DataFrame:
    steps = [(f"Records identified: {source}", n) for source, n in sorted(prisma.identified.items())]
    steps += [
        ("Duplicate records removed", prisma.n_duplicates_removed),
        ("Records screened (title and abstract)", prisma.n_screened),
        ("Records awaiting screening", prisma.n_awaiting_screening),
        ("Records excluded at title and abstract", prisma.n_excluded_title_abstract),
        *((f"  excluded: {r}", n) for r, n in sorted(prisma.excluded_title_abstract_reasons.items())),
        ("Reports sought for retrieval", prisma.n_sought_for_retrieval),
        ("Reports assessed for eligibility (full text)", prisma.n_full_text_assessed),
        ("Reports excluded at full text", prisma.n_excluded_full_text),
        *((f"  excluded: {r}", n) for r, n in sorted(prisma.excluded_full_text_reasons.items())),
        ("Reports included", prisma.n_reports_included),
        ("Studies included from screening", prisma.n_studies_included),
        ("Studies included from the curated corpus", prisma.n_studies_curated),
    ]
    if prisma.n_full_text_set_aside:  # in no box: see the note under the diagram
        steps.append(("Not in the flow: records with a full-text decision, not included at title and abstract",
                      prisma.n_full_text_set_aside))  # fmt: skip
    return pd.DataFrame(steps, columns=["PRISMA 2020 box", "n"])


def _reference_links(study: Study) -> tuple[Link, ...]:
    """Where a reader finds the study: its DOI, PubMed record and the stored source it was read from."""
    ref = study.reference
    return (
        *((Link("DOI", f"https://doi.org/{ref.doi}"),) if ref.doi else ()),
        *((Link("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/"),) if ref.pmid else ()),
        *((Link("source", ref.url),) if ref.url else ()),
    )


def _study_link(study_id: str) -> Link:
    """The study's id, linking to its row of the study table."""
    return Link(study_id, f"#study-{study_id}")


def _studies_section(studies: Sequence[Study]) -> Section:
    # Last: a reader meets the findings first; this table is where the syntheses' study ids lead.
    section = Section("studies", "Studies and their risk of bias")
    rows = []
    for s in sorted(studies, key=lambda s: (vocab.DESIGNS[s.design].evidence_level, s.id)):
        source, product, dose = _first_intervention(s)
        pop = s.population
        ref = s.reference
        population = [_label(vocab.SPECIES, pop.species), _label(vocab.OA_MODELS, pop.oa_model)] if pop else []
        rows.append(
            {
                "study": s.id,
                "year": ref.year,
                "title": ref.title,
                "design": vocab.DESIGNS[s.design].label,
                "population": ", ".join(p for p in population if p),
                "intervention": ", ".join(p for p in (product, source, dose) if p),
                "outcomes": ", ".join(sorted({_label(vocab.OUTCOMES, r.outcome) for r in s.results})),
                "links": _reference_links(s),
            }
        )
    table = pd.DataFrame(rows).astype({"year": "Int64"})  # a year is a whole number, missing or not
    section.table(table, caption="Studies (one row each; ids link from the syntheses)", anchors="study")
    assessed = [s for s in studies if s.risk_of_bias is not None]
    section.heading("Risk of bias")
    if not assessed:
        section.note(
            "No study in the corpus has a risk-of-bias assessment recorded (SYRCLE for animal studies, RoB 2 for "
            "trials); none is shown rather than guessed."
        )
        return section
    for tool, spec in vocab.RISK_OF_BIAS_TOOLS.items():
        rated = assessed_with(studies, tool)
        if not rated:
            continue
        section.figure(summary_bars(studies, tool), f"{tool}: judgements per domain (robvis summary plot).")
        section.figure(traffic_light(studies, tool), f"{tool}: judgements per study (robvis traffic-light plot).")
        # D1..Dn as in the plots' keys, so the table fits the page; each judgement as recorded.
        columns = {domain: f"D{i + 1}" for i, (domain, _) in enumerate(spec.domains)}
        table = pd.DataFrame(
            [
                {
                    "study": _study_link(s.id),
                    **{columns[item.domain]: item.judgement.replace("_", " ") for item in s.risk_of_bias.items},
                }
                | ({"overall": (s.risk_of_bias.overall or "").replace("_", " ")} if spec.has_overall else {})
                for s in rated
            ]
        )
        keys = "; ".join(f"{code}: {label}" for code, (_, label) in zip(columns.values(), spec.domains, strict=True))
        section.table(table, caption=f"{tool} judgements as recorded in the study files ({keys})")
        labels = dict(spec.domains)
        quotes = pd.DataFrame(
            [
                {
                    "study": _study_link(s.id),
                    "domain": labels.get(item.domain, item.domain),
                    "judgement": item.judgement.replace("_", " "),
                    "quote": item.quote,
                    "location": item.location or "",
                    "source": _reference_links(s),
                }
                for s in rated
                for item in s.risk_of_bias.items
                if item.quote
            ],
            columns=["study", "domain", "judgement", "quote", "location", "source"],
        )
        if not quotes.empty:
            # Folded: the quotes are there to check a judgement, not to read through.
            summary = f"{tool}: the {len(quotes)} judgements that rest on a quote, with the quote"
            section.raw(f"<details><summary>{escape(summary)}</summary>{table_html(quotes)}</details>")
    return section


def _newest_source(studies: Sequence[Study]) -> str:
    """The date of the newest source, as precisely as the study files give it (a year), and which it is."""
    years = [s.reference.year for s in studies if s.reference.year]
    if not years:
        return "no study file gives its year of publication"
    newest = max(years)
    ids = sorted(s.id for s in studies if s.reference.year == newest)
    shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    return f"the newest source was published in {newest} ({shown}; the study files give years, not days)"


def _summary_section(
    studies: Sequence[Study], pooled: list[PooledOutcome], compared: list[ComparedEvents], votes: list[VoteCount]
) -> Section:
    section = Section("summary", "Summary of findings")
    section.paragraph(
        f"Built on {datetime.datetime.now(datetime.UTC).date().isoformat()} from {len(studies)} studies; "
        f"{_newest_source(studies)}. One row per pooled analysis, then per "
        "outcome domain that only a vote count summarises. Certainty follows the written rules G0-G5 in Methods; "
        "effects are Hedges' g (g) between arms, the standardised mean change from baseline (SMCR) within an arm, "
        "or the proportion of patients with an event; positive g or SMCR = benefit of treatment."
    )
    table = summary_of_findings(pooled, votes, {s.id: s for s in studies}, compared)
    if table.empty:
        section.note("The corpus gives no analysis or vote to summarise.")
    else:
        # A pooled row's outcome leads to its forest plot and sensitivity analyses.
        pairs = zip(table["outcome"], table["analysis_id"], strict=True)
        outcome = [o if pd.isna(a) else Link(o, f"#analysis-{a}") for o, a in pairs]
        table = table.assign(outcome=outcome).drop(columns="analysis_id")
        section.table(table, caption="Summary of findings (GRADE-style; rules in Methods)")
    return section


def _corpus_section(studies: Sequence[Study], prisma: PrismaCounts) -> Section:
    section = Section("corpus", "Corpus")
    if prisma.n_identified:
        section.paragraph(
            "PRISMA 2020 flow (Page et al. 2021, doi:10.1136/bmj.n71): every count is a query over the store's "
            "imported records, their duplicate links and screening decisions."
        )
        section.figure(prisma_diagram(prisma), "PRISMA 2020 flow diagram of the store (Page et al. 2021).")
        section.table(_prisma_table(prisma), caption="PRISMA 2020 flow of the store")
    else:
        section.paragraph(
            "The store holds no imported database-search records or screening decisions, so its flow is drawn "
            "as PRISMA 2020's identification of studies via other methods (Page et al. 2021, doi:10.1136/bmj.n71), "
            "every count from the study files. The records that were screened and excluded before a study file "
            "was written are not kept, so no box shows a count for them rather than a guess."
        )
        section.figure(
            corpus_flow_diagram(studies),
            "PRISMA 2020 flow of the curated corpus (identification via other methods; Page et al. 2021).",
        )
    section.table(corpus_flow_table(studies), caption="Flow of the curated corpus")
    return section


def _map_section(emap: EvidenceMap) -> Section:
    section = Section("evidence-map", "Evidence map")
    # One row per (cell, study), so a study classified under two sources is counted once per product.
    cells = emap.to_frame().assign(study_id=lambda f: f["study_ids"].str.split(";")).explode("study_id")
    cells["level"] = cells["design"].map(lambda d: vocab.DESIGNS[d].evidence_level)
    if cells.empty:
        section.note("The store holds no primary study.")
        return section
    # Said before the labels replace the ids: which studies sit in an "unclassified" row or column, and why.
    axes = ["msc_source", "product", "outcome_domain"]
    unclassified = sorted(set(cells.loc[(cells[axes] == UNCLASSIFIED).any(axis=1), "study_id"]))
    # Readers see the vocabularies' labels, not their ids.
    cells["msc_source"] = cells["msc_source"].map(lambda t: _label(vocab.MSC_SOURCES, t))
    cells["product"] = cells["product"].map(lambda t: _label(vocab.PRODUCTS, t))
    cells["outcome_domain"] = cells["outcome_domain"].map(lambda t: _label(vocab.OUTCOME_DOMAINS, t))
    cells["level"] = cells["level"].map(lambda t: _label(vocab.EVIDENCE_LEVELS, t))
    cells["source / product"] = cells["msc_source"] + " / " + cells["product"]
    by_domain = (
        cells.groupby(["level", "source / product", "outcome_domain"])["study_id"].nunique().rename("n").reset_index()
    )
    section.paragraph(
        "Primary studies by MSC source x product (rows) and outcome domain (columns), one panel per evidence "
        "level, each listing only the source x product pairs its studies hold (bubble area ~ number of studies; "
        "a study counts in every cell its classification spans, with source and product paired as its arms pair "
        "them)."
    )
    if unclassified:
        section.note(
            f"'{UNCLASSIFIED}': the study file names no MSC source, product or outcome domain and neither do its "
            f"arms and results ({', '.join(unclassified)}); it is counted there rather than guessed."
        )
    section.figure(
        bubble_matrix(by_domain, row="source / product", col="outcome_domain", panel="level"),
        "Primary studies by MSC source / product (rows) and outcome domain (columns), one panel per evidence level.",
    )
    by_source = cells.groupby(["msc_source", "product", "level"])["study_id"].nunique().unstack("level", fill_value=0)
    by_source = by_source.reset_index().rename(columns={"msc_source": "MSC source"})
    section.table(by_source, caption="Primary studies by MSC source x product x evidence level")
    return section


def _synthesis_section(
    dataset: pd.DataFrame,
    pooled: list[PooledOutcome],
    compared: list[ComparedEvents],
    votes: list[VoteCount],
    arm_labels: dict[tuple[str, str], str],
) -> Section:
    section = Section("synthesis", "Synthesis by outcome domain")
    section.paragraph(
        "Pooling never crosses evidence level, product class (cells vs cell-free secretome) or measure. A "
        "comparison with a control arm, from per-arm numbers or from a between-group p-value with its direction "
        "and both group sizes (converted as metafor's escalc does; a 'P < x' at its bound x, so that |g| is a lower "
        "bound: Cochrane Handbook 6.5.2.3), is Hedges' g (positive = benefit); a single arm's change from baseline "
        f"(case series) is a standardised mean change (SMCR, pre-post correlation r = {CHANGE_R} assumed, 0.3 and "
        "0.7 in sensitivity) and never meets a comparison between arms; events of an arm are a proportion (log "
        "odds). Two or more studies with a primary source give a REML random-effects model; studies whose only "
        "source is secondary enter a sensitivity analysis only. Every domain is also summarised by vote counting "
        "on the direction of effect with a sign test (SWiM), trials and case series apart. The rows used, with "
        "yi, vi and analysis_id, are in analysis.csv and every pooled model in analyses.csv beside this report: "
        "rma(yi, vi, method='REML') on an analysis's rows reruns it. Where both arms of two or more trials give "
        "their events, the arms are also compared as a Mantel-Haenszel risk difference (rule S6), which keeps the "
        "trials without any event; rma.mh(ai=xi, n1i=n1i, ci=x2i, n2i=n2i, measure='RD') on the rows of its "
        "events_analysis_id reruns it."
    )
    for domain_id, domain in vocab.OUTCOME_DOMAINS.items():
        section.heading(domain.label)
        domain_pooled = [p for p in pooled if p.domain == domain_id]
        domain_compared = [c for c in compared if c.domain == domain_id]
        domain_votes = [v for v in votes if v.domain == domain_id]
        if not domain_pooled and not domain_votes:
            section.note("No primary study in the corpus reports an outcome in this domain.")
            continue
        for p in domain_pooled:
            _pooled_block(section, p, arm_labels)
        for c in domain_compared:
            _compared_block(section, c, arm_labels)
        if domain_votes:
            section.table(
                _vote_table(domain_votes), caption=f"{domain.label}: direction of effect (one vote per study)"
            )
        if not domain_pooled and not domain_compared:
            section.paragraph(
                "Not pooled: fewer than two studies with a primary source give numbers for any one outcome."
            )
    return section


def _pooled_block(section: Section, p: PooledOutcome, arm_labels: dict[tuple[str, str], str]) -> None:
    res = p.result
    label = vocab.OUTCOMES[p.outcome].label
    title = f"{label}: {vocab.EVIDENCE_LEVELS[p.evidence_level].label}, {p.product_class}, {p.measure} (k = {res.k})"
    axis = MEASURE_LABELS[p.measure]
    section.heading(title, level=4, anchor=f"analysis-{p.id}")
    columns, favours = _arm_columns(p.rows, p.measure), _FAVOURS.get(p.measure)
    svg = forest_plot(res, xlabel=axis, ilab=columns, favours=favours)
    section.figure(inline_svg(svg), f"Forest plot, {title}; {axis}.")
    studies = ", ".join(_study_link(s).html() for s in p.studies)
    i2 = f"I<sup>2</sup> {NO_HETEROGENEITY}" if res.I2 is None else f"I<sup>2</sup> = {res.I2:.1f}%"
    heterogeneity = f"tau<sup>2</sup> = {res.tau2:.3f}, {i2}"
    if p.measure == "PLO":
        est, lb, ub, plb, pub = back_transform([res.estimate, res.ci_lb, res.ci_ub, res.pi_lb, res.pi_ub], "PLO")
        text = (
            f"Pooled proportion {est:.1%} (95% CI {lb:.1%} to {ub:.1%}; prediction interval {plb:.1%} to "
            f"{pub:.1%}; back-transformed from the log odds), {heterogeneity}"
        )
        if p.events == 0:
            text = (
                "No study reports an event: the pooled proportion only restates the continuity correction (1/2 "
                f"added to every zero count, as metafor's escalc) and is not an estimate ({text})"
            )
    else:
        text = (
            f"Pooled {MEASURE_NAMES[p.measure]} {res.estimate:.2f} (95% CI {res.ci_lb:.2f} to {res.ci_ub:.2f}; "
            f"prediction interval {res.pi_lb:.2f} to {res.pi_ub:.2f}), {heterogeneity}"
        )
    section.raw(f"<p>{text}. {p.participants} participants. Studies: {studies}. Analysis id: {escape(p.id)}.</p>")
    for test in p.subgroup_tests:
        if test.result is None:
            section.paragraph(test.note or "")
            continue
        sub = test.result
        by = SUBGROUP_COLUMNS[test.column]
        section.figure(
            inline_svg(forest_plot(sub, xlabel=axis, ilab=columns, favours=favours)),
            f"Forest plot by {by}, {title}: one REML model per subgroup, then all studies.",
        )
        table = pd.DataFrame(
            {
                by: sub.levels,
                "k": [f.k for f in sub.fits],
                "estimate": [f.estimate for f in sub.fits],
                "ci.lb": [f.ci_lb for f in sub.fits],
                "ci.ub": [f.ci_ub for f in sub.fits],
                "tau^2": [f.tau2 for f in sub.fits],
            }
        )
        section.table(
            table,
            caption=f"{title}: by {by}; test of subgroup differences "
            f"QM(df = {sub.QM_df[0]}) = {sub.QM:.2f}, p = {sub.QM_pval:.3g}",
        )
    if p.sensitivity is not None:
        section.table(p.sensitivity, caption=f"{title}: sensitivity analyses (rule S5)", numeric_digits=3)
    if p.egger is None and res.k >= 10:
        section.paragraph("Egger's regression test: not computed, as a sampling variance is 0.")
    if p.egger is not None:
        section.figure(inline_svg(funnel_plot(res, xlabel=axis)), f"Funnel plot, {title}.")
        section.paragraph(
            f"Egger's regression test: z = {p.egger.zval:.2f}, p = {p.egger.pval:.3g} (k = {res.k}; Egger et al. 1997)."
        )
    provenance = p.rows[["study_id", "treatment", "control", "timepoint", "yi", "vi", "location", "quote", "source"]]
    provenance = provenance.assign(
        treatment=_arm_names(provenance, "treatment", arm_labels),
        control=_arm_names(provenance, "control", arm_labels),
        study_id=[_study_link(s) for s in provenance["study_id"]],
        source=[Link("source", url) for url in provenance["source"]],
    )
    section.table(provenance, caption=f"{title}: pooled rows and their provenance", numeric_digits=3)


def _arm_names(rows: pd.DataFrame, column: str, arm_labels: dict[tuple[str, str], str]) -> list[str | None]:
    """The arms of *column* as the study files label them ("XoFlo EV isolate"), not by their ids ("ev");
    analysis.csv keeps the ids."""
    return [
        None if pd.isna(arm) else arm_labels.get((study, arm), arm)
        for study, arm in zip(rows["study_id"], rows[column], strict=True)
    ]


def _compared_block(section: Section, c: ComparedEvents, arm_labels: dict[tuple[str, str], str]) -> None:
    """Rule S6: the 2x2 tables, the Mantel-Haenszel risk difference and its sensitivity analyses."""
    res = c.result
    level = vocab.EVIDENCE_LEVELS[c.evidence_level].label
    title = f"{vocab.OUTCOMES[c.outcome].label}: {level}, {c.product_class}, treatment vs comparator, RD " \
            f"(Mantel-Haenszel, k = {res.k})"  # fmt: skip
    section.heading(title, level=4, anchor=f"analysis-{c.id}")
    rows = c.rows
    tables = pd.DataFrame(
        {
            "study": [_study_link(s) for s in rows["study_id"]],
            "treatment": _arm_names(rows, "treatment", arm_labels),
            "events / n": [f"{x:g} / {n:g}" for x, n in zip(rows["xi"], rows["n1i"], strict=True)],
            "comparator": _arm_names(rows, "control", arm_labels),
            "comparator events / n": [f"{x:.3g} / {n:.3g}" for x, n in zip(rows["x2i"], rows["n2i"], strict=True)],
            "risk difference (points)": [100 * (x / n - y / m) for x, n, y, m in
                                         zip(rows["xi"], rows["n1i"], rows["x2i"], rows["n2i"], strict=True)],
            "source": [Link("source", url) for url in rows["source"]],
        }
    )  # fmt: skip
    section.figure(
        inline_svg(c.forest()),
        f"Forest plot, {title}; tables without an event in either arm are pooled (risk difference 0) but not drawn. "
        "Each drawn table's estimate is metafor's, with 1/2 added to every cell of a table with a zero (escalc's "
        "default for yi); the pooled Mantel-Haenszel estimate adds nothing, and the table below gives the "
        "observed differences.",
    )
    section.table(
        tables, caption=f"{title}: the 2x2 tables pooled (a shared comparator split, rule D6)", numeric_digits=1
    )
    events, comparator_events = c.events
    if res.k_yi < 2:
        heterogeneity = f"no test of heterogeneity ({res.k_yi} of {res.k} tables have an event)"
    else:
        heterogeneity = f"Q({res.Q_df:g}) = {res.Q:.2f}, p = {res.Q_pval:.3g}, I<sup>2</sup> = {res.I2:.1f}%"
    studies = ", ".join(_study_link(s).html() for s in c.studies)
    section.raw(
        f"<p>Risk difference, treatment minus comparator: {100 * res.estimate:+.2f} percentage points (95% CI "
        f"{100 * res.ci_lb:+.2f} to {100 * res.ci_ub:+.2f}; p = {res.pval:.3g}), {heterogeneity}. "
        f"Events: {events:g} in the treated arms, {comparator_events:.3g} in the comparators; {c.participants} "
        f"participants. Studies: {studies}. Analysis id: {escape(c.id)}.</p>"
    )
    section.table(c.sensitivity, caption=f"{title}: sensitivity analyses (rule S6)", numeric_digits=4)


_FAVOURS = {
    "SMD": ("Favours control", "Favours treatment"),
    "SMCR": ("Worse than baseline", "Better than baseline"),
}


def _arm_columns(rows: pd.DataFrame, measure: str) -> dict[str, list[str]]:
    """The numbers each forest row rests on, per arm (metafor's ``ilab``): n, mean (SD), p or events."""

    def n(value: object) -> str:
        return "" if pd.isna(value) else f"{float(value):g}"

    def mean_sd(mean: object, sd: object) -> str:
        return "" if pd.isna(mean) else f"{float(mean):.3g} ({float(sd):.3g})"

    if measure == "PLO":
        return {"events / n": [f"{x:g} / {m:g}" for x, m in zip(rows["xi"], rows["n1i"], strict=True)]}
    if measure == "SMCR":
        return {
            "n": [n(v) for v in rows["n1i"]],
            "baseline": [mean_sd(m, sd) for m, sd in zip(rows["m_pre"], rows["sd_pre"], strict=True)],
            "follow-up": [mean_sd(m, sd) for m, sd in zip(rows["m1i"], rows["sd1i"], strict=True)],
        }
    # D8 rows give a p-value instead of means: it is what the effect rests on, so it is shown.
    p_text = ["" if pd.isna(p) else ("p < " if b else "p = ") + f"{p:g}" for p, b in zip(rows["pi"], rows["p_bound"],
                                                                                     strict=True)]  # fmt: skip
    return {
        "treated\nn": [n(v) for v in rows["n1i"]],
        "treated\nmean (SD)": [mean_sd(m, sd) or p for m, sd, p in zip(rows["m1i"], rows["sd1i"], p_text, strict=True)],
        "control\nn": [n(v) for v in rows["n2i"]],
        "control\nmean (SD)": [mean_sd(m, sd) for m, sd in zip(rows["m2i"], rows["sd2i"], strict=True)],
    }


def _vote_table(votes: list[VoteCount]) -> pd.DataFrame:
    rows = []
    for v in votes:
        p = v.sign_test_p
        other = v.votes["vote"].value_counts()
        rows.append(
            {
                "level": vocab.EVIDENCE_LEVELS[v.evidence_level].label,
                "product class": v.product_class,
                "comparison": "with a control arm" if v.comparison == "between" else "within one arm",
                "studies": len(v.votes),
                "benefit": v.benefit,
                "harm": v.harm,
                "mixed": int(other.get("mixed", 0)),
                "no difference": int(other.get("no_difference", 0)),
                "not stated": int(other.get("not_stated", 0)),
                "sign test p": "" if p is None else f"{p:.3g}",
                "studies (links)": tuple(_study_link(s) for s in v.votes["study_id"]),
            }
        )
    return pd.DataFrame(rows)


def _mechanism_section(
    dataset: pd.DataFrame, subjects: int, trajectories: int, progress: ProgressCallback | None
) -> Section:
    section = Section("mechanism", "Mechanism")
    runs = run_experiments(progress=progress)
    # Read once: the lines are calibrated when a fit is shipped (rule M1), the bands when an ensemble is (M4).
    shipped = calibration_artefacts()
    fitted, ensemble = not shipped["fit"].empty, not shipped["ensemble"].empty
    section.paragraph(
        "Predictions of the mechanistic model of OA cartilage under secretome therapy (secretome.model: the "
        "inflammation core of Baker, Brook & Owen 2017, doi:10.1007/s00285-017-1104-y, extended with an anabolic "
        "TGF-beta/SOX-9 axis, MMP-13/ADAMTS-5 catabolism, macrophages and the matrix). "
        + (
            "Lines are the calibrated subject (the best fit of Evidence versus model, below). "
            if fitted
            else "Lines are the default subject (every parameter at its stated or assumed value). "
        )
        + (
            "Bands run over the calibrated ensemble (5-95% and 25-75% of the parameter sets the evidence does not "
            "reject). "
            if ensemble
            else f"Bands are prior-driven (5-95% and 25-75% of a virtual cohort of {subjects} subjects drawn from "
            "the priors of the assumed parameters). "
        )
        + "They show what the model allows, not measured variability. Most parameters are assumptions with prior "
        "ranges (table below), only a few are fitted to the evidence (most of them not identifiable from it), and "
        "no prediction is counted as evidence."
    )
    section.figure(model_diagram(), "The model: compartments, species and the processes between them.")
    votes = outcome_votes(dataset, "animal", "secretome")
    for run in runs:
        bands = {
            label: cohort_bands(model.name, subjects=subjects, progress=progress) for label, model in run.models.items()
        }
        failed = sum(int(b["failed"].iloc[0]) for b in bands.values())
        first = next(iter(bands.values()))
        kind, members = str(first["bands"].iloc[0]), int(first["subjects"].iloc[0])
        who = "calibrated ensemble members" if kind == "calibrated" else "virtual subjects"
        section.heading(run.experiment.title)
        section.figure(
            trajectories_figure(run, PLOTTED, bands),
            f"{run.experiment.title}: model readouts over time (lines: {'calibrated' if fitted else 'default'} "
            f"subject; bands: {kind} 5-95% and 25-75% of {members} {who} per arm, {failed} failed and left out); "
            "dotted lines mark the readout days.",
        )
        table = readout_table(run).pivot_table(index=["readout", "unit"], columns=["arm", "day"], values="value")
        table.columns = [f"{arm}, day {day:g}" for arm, day in table.columns]
        section.table(table.reset_index(), caption=f"{run.experiment.title}: readouts at the readout days")
        section.table(
            predictions_beside_evidence(run, votes),
            caption="Predicted direction at the last readout day beside the animal secretome studies of the same "
            "outcome (one vote per study)",
        )
        treated = run.experiment.arms[-1][1]
        day = run.experiment.readout_days[-1]
        try:
            ranking = influential_parameters(treated, "aggrecan", day, trajectories=trajectories, progress=progress)
        except NumericalError as exc:
            # The screening's own failure is a finding about the model: report it, do not hide the section.
            section.note(f"Influential parameters for {treated} could not be ranked: {exc}")
            continue
        section.table(
            ranking.head(8),
            caption=f"Most influential parameters for aggrecan at day {day:g} in {treated} (Morris screening, "
            f"{trajectories} trajectories; mu* = mean absolute elementary effect, Morris 1991)",
            numeric_digits=3,
        )
    section.table(assumption_counts(runs), caption="Model parameters: with a source, or assumed with a prior range")
    _calibration_tables(section, shipped, set(dataset["study_id"]))
    return section


def _link_studies(table: pd.DataFrame, study_ids: set[str]) -> pd.DataFrame:
    """*table* whose ``study`` column links each id of this report's studies to its row of the study table, and
    whose ``day`` reads as a reader writes it (120, not 120.00; 91.3125, three months, as it is)."""
    return table.assign(
        study=[_study_link(s) if s in study_ids else s for s in table["study"]],
        day=[f"{d:g}" for d in table["day"]],
    )


def _calibration_tables(section: Section, shipped: dict[str, pd.DataFrame], study_ids: set[str]) -> None:
    if shipped["directions"].empty:
        section.note("No calibration results are shipped (tools/make_calibration.py writes them).")
        return
    held = shipped["directions"].query("parameters == 'calibrated' and split == 'test'")
    section.heading("Evidence versus model")
    section.paragraph(
        f"Calibration: {len(shipped['table'])} rows (quantitative untreated time courses with their quotes, and "
        f"the direction of every usable animal secretome result); {len(shipped['skipped'])} results had no "
        f"matching preset, readout or direction and are listed in the artefacts. Held-out directions reproduced "
        f"by the calibrated model: {int(held['agrees'].sum())} of {len(held)}."
    )
    directions = _link_studies(evidence_versus_model(shipped["directions"]), study_ids)
    section.table(directions, caption="Evidence versus model, per direction")
    if not shipped["points"].empty:
        section.table(
            _link_studies(points_versus_model(shipped["points"]), study_ids),
            caption="Evidence versus model, per quantitative point (untreated time courses; z = (model - reported) "
            "/ its SD)",
        )
    if not shipped["fit"].empty:
        section.table(
            fitted_parameters(shipped["fit"], shipped["profiles"]),
            caption="Fitted parameters (mechanism first, then readout maps), with 95% profile-likelihood intervals "
            "(chi2 threshold 3.84); an interval open at a prior bound means the data do not identify the parameter",
        )
    if not shipped["profiles"].empty:
        section.figure(
            profiles_figure(shipped["profiles"]),
            "Profile likelihood of each fitted parameter: chi2 above the best fit as the parameter is fixed along "
            "its prior range and the others refitted; the dashed line is the 95% threshold (3.84). A profile that "
            "stays under it up to a prior bound leaves the parameter unidentified.",
        )


def _methods_section(dataset: pd.DataFrame, digest: str, store_url: str, studies: int) -> Section:
    section = Section("methods", "Methods and reproducibility")
    section.items(
        [
            "Effect sizes: Hedges' g with the exact small-sample correction (Hedges 1981, "
            "doi:10.3102/10769986006002107), as metafor's escalc(measure='SMD').",
            "Random effects: REML estimate of tau^2 by Fisher scoring (Viechtbauer 2005, "
            "doi:10.3102/10769986030003261); prediction interval as metafor's predict.rma.",
            "Vote counting and sign test: SWiM (Campbell et al. 2020, doi:10.1136/bmj.l6890).",
            "Time points: one per study, outcome and comparison, by one rule set in advance for every study "
            "(a pre-specified rule, as the Cochrane Handbook asks of time points): the latest with the numbers its "
            "effect size needs, else the latest stated at all (a direction, counted as a vote); baseline never.",
            "Shared control groups split between comparisons: Cochrane Handbook, section 23.3.4.",
            "Medians with quartiles or range converted to means (Luo et al. 2018, doi:10.1177/0962280216669183) "
            "and SDs (Wan et al. 2014, doi:10.1186/1471-2288-14-135).",
            "Subgroup differences: QM of a mixed-effects meta-regression on the subgroup (metafor's "
            "rma(mods = ~ factor(group))).",
            "Within-arm change: standardised mean change with raw-score standardisation (Becker 1988, "
            "doi:10.1111/j.2044-8317.1988.tb00901.x), metafor's escalc(measure='SMCR'); proportions on the logit "
            "scale, escalc(measure='PLO'), back-transformed for display.",
            "Funnel plot and Egger's regression test (Egger et al. 1997, doi:10.1136/bmj.315.7109.629) where k >= 10 "
            "(Sterne et al. 2011, doi:10.1136/bmj.d4002).",
            "Risk-of-bias figures in the layout of robvis (McGuinness & Higgins 2021, doi:10.1002/jrsm.1411).",
            "Model uncertainty: virtual cohorts drawn from the priors of the assumed parameters; Morris "
            "screening (Morris 1991, doi:10.1080/00401706.1991.10484804) with SALib (Herman & Usher 2017, "
            "doi:10.21105/joss.00097).",
        ]
    )
    section.table(
        pd.DataFrame(
            {
                "data": ["store", "study-file schema version", "studies", "analysis dataset (sha256)"],
                "version": [store_url, str(SCHEMA_VERSION), str(studies), digest],
            }
        ),
        caption="Data",
    )
    software = pd.DataFrame(
        {
            "software": ["secretome", "python", *_PACKAGES],
            "version": [__version__, platform.python_version(), *(version(name) for name in _PACKAGES)],
        }
    )
    section.table(software, caption="Software")
    section.heading("Certainty of the evidence (summary of findings)")
    section.paragraph(
        "Each row of the summary of findings is judged by the same written rules (GRADE: Guyatt et al. 2011, "
        "J Clin Epidemiol 64(4):383-394; animal evidence: Hooijmans et al. 2018, doi:10.1371/journal.pone.0187271); "
        "they operationalise the five GRADE domains and a review team would refine them by judgement:"
    )
    section.items(GRADE_RULES)
    section.heading("What the evidence does not contain")
    if dataset.empty:
        section.note("The corpus holds no primary study.")
        return section
    primary = dataset.groupby(["evidence_level", "product_class"], dropna=False)
    gaps = primary.agg(
        results=("study_id", "size"),
        studies=("study_id", "nunique"),
        studies_with_numbers=("poolable", lambda s: int(dataset.loc[s.index[s], "study_id"].nunique())),
    ).reset_index()
    section.table(gaps, caption="Results and studies with per-arm numbers (mean with SD or SE) by level and class")
    section.paragraph(
        "Results stated only as a direction, or as medians, are not pooled; missing values stay missing and are "
        "never estimated."
    )
    return section
