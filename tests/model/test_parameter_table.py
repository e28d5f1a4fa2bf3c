"""The parameter table: every parameter with value, unit and source or `assumed` with a prior."""

from __future__ import annotations

from secretome.model import parameter_table, preset


def test_counts_and_views():
    table = parameter_table(preset("rat-mia"))
    assert table.n_sourced + table.n_assumed == len(table.parameters)
    # The rat cartilage thickness h0 (Chen 2013) and the two unit compartment sizes (definitions)
    assert table.n_sourced == 3
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
    assert "doi:10.1186/1746-6148-9-62" in sourced["h0"]
    assert sourced.drop("h0").str.startswith("definition").all()
    d = table.to_dict()
    assert d["model"] == "rat-mia"
    assert {"name": "V_sf", "value": 0.03}.items() <= d["parameters"][0].items()
    text = table.summary()
    k = len(table.parameters)
    assert text.startswith(f"Parameters of 'rat-mia' (k = {k}; sourced = 3; assumed = {k - 3}; time unit: day)")
    assert "assumed, prior [" in text
