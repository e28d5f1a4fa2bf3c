from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.evidence._records import make_record, normalise_doi


@pytest.mark.parametrize(
    ("text", "doi"),
    [("10.1000/ABC", "10.1000/abc"), ("https://dx.doi.org/10.1000/x", "10.1000/x"), ("doi: 10.1000/x", "10.1000/x")],
)
def test_doi_is_normalised(text, doi):
    assert normalise_doi(text) == doi


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "t", "year": "99"}, "year"),
        ({"title": "t", "doi": "not-a-doi"}, "doi"),
        ({"title": "t", "pmid": "PMC123"}, "pmid"),
    ],
)
def test_bad_field_is_named(values, field):
    with pytest.raises(InputError) as info:
        make_record(values, file="f.ris", line=3, record="1")
    assert (info.value.file, info.value.row, info.value.record, info.value.field) == ("f.ris", 3, "1", field)


def test_whitespace_is_collapsed_and_empty_list_items_dropped():
    record = make_record({"title": " A\n  title ", "authors": ["X A", " ", None]}, file="f", line=1, record="1")
    assert (record.title, record.authors) == ("A title", ("X A",))
