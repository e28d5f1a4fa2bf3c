"""The report as a reader sees it: every figure renders in headless Chromium, the console is clean."""

from __future__ import annotations

import pytest

from secretome.evidence import load_corpus
from secretome.report._browser import check_rendering, screenshot_sections
from secretome.report._build import _studies_section
from secretome.report._html import document


@pytest.mark.needs_chromium
def test_every_figure_renders_and_the_console_is_clean(built):
    seen = check_rendering(built.html)
    assert seen.sections == ("summary", "corpus", "evidence-map", "synthesis", "mechanism", "methods", "studies")
    # The PRISMA flow of the curated corpus, evidence map, five forests and two by subgroup, a funnel (k = 14),
    # the Mantel-Haenszel forest of adverse events, model diagram, three experiments, the profiles of the shipped
    # calibration, the two robvis plots of the one RoB 2 assessment.
    assert seen.figures == 18
    assert seen.empty_figures == ()
    assert seen.console_errors == ()
    assert seen.wide_tables == ()


@pytest.mark.needs_chromium
@pytest.mark.parametrize("width", [1280, 1920])
def test_the_bundled_study_table_fits_the_text_column(tmp_path, width):
    # The bundled corpus has ids such as bmscexoferro-2023-pmid38012335 and a title that is a URL: before long
    # tokens could wrap, the table's right edge sat 128 px (1920 px window) past the 1,100 px text column.
    page = tmp_path / "studies.html"
    page.write_text(document("Studies", "", [_studies_section(load_corpus().studies)]), encoding="utf-8")
    assert check_rendering(page, width=width).wide_tables == ()


@pytest.mark.needs_chromium
def test_a_window_too_narrow_for_a_table_scrolls_the_table_not_the_page(built):
    # At 800 px the study table and the summary of findings are wider than the text column (ordinary words).
    seen = check_rendering(built.html, width=800)
    assert seen.wide_tables  # they do not fit ...
    assert seen.page_overflow == 0  # ... but scroll in their own box


@pytest.mark.needs_chromium
def test_screenshots_one_png_per_section(built, tmp_path):
    paths = screenshot_sections(built.html, tmp_path / "shots")
    assert [p.name for p in paths][:3] == ["01-summary.png", "02-corpus.png", "03-evidence-map.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)
    # Each section's picture is as tall as the section: nothing cut off at the window's edge.
    assert all(p.stat().st_size > 5000 for p in paths)
