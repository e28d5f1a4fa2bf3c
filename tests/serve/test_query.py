"""Malformed query parameters of the list views: the view itself, with one line naming parameter and value."""

from __future__ import annotations

import re

import pytest

_ROWS = re.compile(r'<a href="/studies/([a-z0-9-]+)">')


@pytest.mark.parametrize(
    ("params", "line"),
    [
        (
            {"page": "abc"},
            "parameter &#39;page&#39;: must be a whole number (got &#39;abc&#39;); showing 1 instead",
        ),
        ({"page": "2.5"}, "query parameter &#39;page&#39;: must be a whole number (got &#39;2.5&#39;)"),
        ({"per_page": "many"}, "query parameter &#39;per_page&#39;: must be a whole number (got &#39;many&#39;)"),
        ({"per_page": "9999"}, "query parameter &#39;per_page&#39;: must be between 1 and 500 (got 9999); showing 50"),
        ({"sort": "colour"}, "query parameter &#39;sort&#39;: must be one of &#39;id&#39;, &#39;year&#39;"),
        ({"q": "x" * 201}, "query parameter &#39;q&#39;: at most 200 characters"),
    ],
)
def test_a_malformed_studies_parameter_gives_the_list_with_one_line(local_client, params, line):
    response = local_client.get("/studies", params=params)
    assert response.status_code == 400
    html = response.text
    assert line in html
    assert html.count('class="error query-problem"') == 1
    assert "Traceback" not in html
    assert 'id="filters"' in html  # the form
    assert 'id="study-table"' in html
    # The defaults are shown instead: the 4 synthetic studies, page 1, by id.
    assert _ROWS.findall(html) == ["alpha-2019-synthetic", "beta-2020-synthetic", "delta-2022-synthetic",
                                   "gamma-2021-synthetic"]  # fmt: skip


def test_a_good_parameter_is_kept_beside_a_bad_one_and_the_pager_drops_the_bad_one(local_client):
    sources = [("msc_source", "adipose"), ("msc_source", "umbilical_cord")]  # 2 studies each
    response = local_client.get("/studies", params=[("per_page", "1"), ("page", "x"), ("sort", "year"), *sources])
    assert response.status_code == 400
    assert "page 1 of 4" in response.text  # both sources, one study a page
    assert _ROWS.findall(response.text) == ["alpha-2019-synthetic"]  # by year
    (link,) = re.findall(r'<a href="/studies\?([^"]+)"[^>]*id="next-page"', response.text)
    # Both checked sources survive in the link (one per value); the bad page is not carried along.
    assert link.count("msc_source=") == 2
    assert "page=x" not in link
    assert "page=2" in link


def test_an_htmx_fragment_carries_the_line_with_status_200(local_client):
    response = local_client.get("/studies", params={"page": "abc"}, headers={"hx-request": "true"})
    assert response.status_code == 200  # htmx swaps no 4xx answer into the page
    assert "<html" not in response.text
    assert "query parameter &#39;page&#39;: must be a whole number" in response.text


@pytest.mark.parametrize(
    ("params", "count", "rows"),
    [
        ({"page": "5"}, "4 studies, page 1 of 1", ["alpha-2019-synthetic", "beta-2020-synthetic",
                                                   "delta-2022-synthetic", "gamma-2021-synthetic"]),
        ({"page": "5", "per_page": "3"}, "4 studies, page 2 of 2", ["gamma-2021-synthetic"]),
        ({"page": "2", "msc_source": "adipose"}, "2 studies, page 1 of 1", ["delta-2022-synthetic",
                                                                            "gamma-2021-synthetic"]),
    ],
)  # fmt: skip
def test_a_page_beyond_the_last_shows_the_last_page_with_one_line(local_client, params, count, rows):
    # A stale link (the list shrank after a filter or a deletion) gives the last page, not an empty "page 5 of 1".
    response = local_client.get("/studies", params=params)
    assert response.status_code == 400
    last = count.split()[-1]
    line = f"query parameter &#39;page&#39;: beyond the last page (got {params['page']}); showing {last} instead"
    assert line in response.text
    assert response.text.count('class="error query-problem"') == 1
    assert count in response.text
    assert _ROWS.findall(response.text) == rows
    fragment = local_client.get("/studies", params=params, headers={"hx-request": "true"})
    assert fragment.status_code == 200
    assert line in fragment.text
    assert _ROWS.findall(fragment.text) == rows


def test_the_evidence_map_names_an_unknown_design_and_shows_all(local_client):
    response = local_client.get("/map", params={"design": "bogus"})
    assert response.status_code == 400
    assert "query parameter &#39;design&#39;: must be one of" in response.text
    assert "(got &#39;bogus&#39;); showing all instead" in response.text
    assert response.text.count('class="cell heat-') == local_client.get("/map").text.count('class="cell heat-') > 0


def test_the_screening_view_names_a_bad_stage_or_reviewer_count(local_client):
    response = local_client.get("/screening", params={"stage": "abstracts", "reviewers": "3"})
    assert response.status_code == 400
    assert "query parameter &#39;stage&#39;: must be one of &#39;title_abstract&#39;, &#39;full_text&#39;" in (
        response.text
    )
    assert "query parameter &#39;reviewers&#39;: must be one of &#39;1&#39;, &#39;2&#39; (got &#39;3&#39;)" in (
        response.text
    )
    assert "<small>Title and abstract</small>" in response.text


def test_the_extraction_index_names_a_search_text_too_long(local_client):
    response = local_client.get("/extraction", params={"q": "y" * 201})
    assert response.status_code == 400
    assert "query parameter &#39;q&#39;: at most 200 characters" in response.text
    assert "alpha-2019-synthetic" in response.text
