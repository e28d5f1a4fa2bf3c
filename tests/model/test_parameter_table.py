"""The parameter table: every parameter with value, unit and source or `assumed` with a prior."""

from __future__ import annotations

from secretome.model import parameter_table, preset


def test_counts_and_views():
    table = parameter_table(preset("rat-mia"))
    assert table.n_sourced + table.n_assumed == len(table.parameters)
    assert table.n_sourced == 14  # Baker Table 1 minus Fdam, which the MIA preset assumes
    frame = table.to_frame()
    assert list(frame.columns) == [
        "name",
        "value",
        "unit",
        "description",
        "source",
        "assumed",
        "prior_low",
        "prior_high",
    ]
    assert frame.loc[frame.assumed, "prior_low"].notna().all()
    assert frame.loc[~frame.assumed, "source"].str.contains("doi:10.1007/s00285-017-1104-y").all()
    d = table.to_dict()
    assert d["model"] == "rat-mia"
    assert {"name": "n", "value": 2.0}.items() <= d["parameters"][14].items()
    text = table.summary()
    assert text.startswith("Parameters of 'rat-mia' (k = 41; sourced = 14; assumed = 27; time unit: day)")
    assert "assumed, prior [" in text
