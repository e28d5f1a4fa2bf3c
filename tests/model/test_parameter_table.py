"""The parameter table: every parameter with value, unit and source or `assumed` with a prior."""

from __future__ import annotations

from secretome.model import parameter_table, preset


def test_counts_and_views():
    table = parameter_table(preset("rat-mia"))
    assert table.n_sourced + table.n_assumed == len(table.parameters)
    # Baker Table 1 minus Fdam (the MIA preset assumes it), plus the rat cartilage thickness h0 (Chen 2013)
    assert table.n_sourced == 15
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
    sourced = frame.loc[~frame.assumed].set_index("name")["source"]
    assert sourced.drop("h0").str.contains("doi:10.1007/s00285-017-1104-y").all()
    assert "doi:10.1186/1746-6148-9-62" in sourced["h0"]
    d = table.to_dict()
    assert d["model"] == "rat-mia"
    assert {"name": "n", "value": 2.0}.items() <= d["parameters"][14].items()
    text = table.summary()
    assert text.startswith("Parameters of 'rat-mia' (k = 65; sourced = 15; assumed = 50; time unit: day)")
    assert "assumed, prior [" in text
