"""The parameter table: every parameter with value, unit and source or `assumed` with a prior."""

from __future__ import annotations

from secretome.model import parameter_table, preset


def test_counts_and_views():
    table = parameter_table(preset("rat-mia"))
    assert table.n_sourced + table.n_assumed == len(table.parameters)
    # The rat cartilage thickness h0 (Chen 2013), the protein clearance k_prot (Vugmeyster 2012), the MSC loss
    # k_msc (doi:10.1186/s13287-016-0420-2), the two unit compartment sizes and the three rest-state levels the
    # score maps read loss from (definitions)
    assert table.n_sourced == 8
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
    assert "doi:10.1208/s12248-011-9315-4" in sourced["k_prot"]
    assert "doi:10.1186/s13287-016-0420-2" in sourced["k_msc"]
    assert sourced.drop(["h0", "k_prot", "k_msc"]).str.startswith("definition").all()
    d = table.to_dict()
    assert d["model"] == "rat-mia"
    assert {"name": "V_sf", "value": 0.03}.items() <= d["parameters"][0].items()
    text = table.summary()
    k = len(table.parameters)
    assert text.startswith(f"Parameters of 'rat-mia' (k = {k}; sourced = 8; assumed = {k - 8}; time unit: day)")
    assert "assumed, prior [" in text
