"""Fisher's and Stouffer's combined p-values against base R arithmetic (tools/metafor_reference_effects.R)."""

from __future__ import annotations

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import combine_p


@pytest.mark.parametrize("case", load_cases("effects_pvalues"), ids=case_id)
def test_combined_p_matches_r(case):
    # R: one <- ifelse(dir > 0, p/2, 1 - p/2); pchisq(-2 sum(log(one)), 2k, lower=F);
    #    z <- qnorm(one, lower=F); pnorm(sum(w z) / sqrt(sum(w^2)), lower=F), w = sqrt(n) or 1
    fisher = combine_p(case["p"], direction=case["direction"], method="fisher")
    assert fisher.statistic == pytest.approx(case["fisher"], rel=1e-10)
    assert fisher.df == case["fisher_df"]
    assert fisher.pval == pytest.approx(case["fisher_pval"], rel=1e-8)
    assert list(fisher.one_sided) == pytest.approx(case["one_sided"], rel=1e-12)
    plain = combine_p(case["p"], direction=case["direction"])
    assert plain.statistic == pytest.approx(case["stouffer"], rel=1e-10)
    assert plain.pval == pytest.approx(case["stouffer_pval"], rel=1e-8)
    assert not plain.weighted
    weighted = combine_p(case["p"], direction=case["direction"], ni=case["n"])
    assert weighted.statistic == pytest.approx(case["weighted"], rel=1e-10)
    assert weighted.pval == pytest.approx(case["weighted_pval"], rel=1e-8)
    assert weighted.weighted


def test_signed_p_values_equal_p_with_directions():
    signed = combine_p([0.04, -0.2, 0.001], ni=[12, 20, 40])
    split = combine_p([0.04, 0.2, 0.001], direction=[1, -1, 1], ni=[12, 20, 40])
    assert signed.statistic == split.statistic


def test_flipping_every_direction_flips_stouffers_z():
    up = combine_p([0.04, 0.2, 0.3], direction=[1, -1, 1])
    down = combine_p([0.04, 0.2, 0.3], direction=[-1, 1, -1])
    assert up.statistic == pytest.approx(-down.statistic)


def test_bounds_are_flagged_and_their_meaning_stated():
    with pytest.warns(SecretomeWarning, match=r"row 1 entered at the bound .* not a bound"):
        res = combine_p(["P < 0.05", 0.3], direction=[1, -1], method="fisher")
    assert res.bound == (True, False)
    assert res.one_sided[0] == pytest.approx(0.025)
    assert "note: row 1 entered at the bound" in res.summary()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"p": [0.04, None]}, r"row 2, field 'p': is missing"),
        ({"p": [0.04, 0.0]}, r"row 2, field 'p': p = 0 has no direction"),
        ({"p": [0.04, 0.0], "direction": [1, 1]}, r"row 2, field 'p': p = 0 gives an infinite z"),
        ({"p": [0.04, 0.2], "direction": [1, 0]}, r"row 2, field 'direction': direction must be \+1 or -1"),
        ({"p": [0.04, 0.2], "ni": [10, -1]}, r"row 2, field 'ni': sample size must be > 0"),
        ({"p": [0.04], "method": "tippett"}, r"field 'method': must be one of 'fisher', 'stouffer'"),
    ],
)
def test_bad_input_names_row_and_field(kwargs, message):
    with pytest.raises(InputError, match=message):
        combine_p(**kwargs)


def test_a_tiny_p_against_the_direction_keeps_its_z():
    # 1 - p/2 rounds to 1 for p = 1e-28, but z is still -qnorm(5e-29, lower = FALSE).
    res = combine_p([1e-28, 0.2], direction=[-1, 1], method="stouffer")
    # R: (-qnorm(5e-29, lower=FALSE) + qnorm(0.1, lower=FALSE)) / sqrt(2), with 11.12024233 and 1.281551566
    assert res.statistic == pytest.approx((-11.12024233 + 1.281551566) / np.sqrt(2), rel=1e-8)
