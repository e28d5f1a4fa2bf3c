"""format_p prints p as metafor does: the Q line and the pval column of the R output in the fixtures."""

from __future__ import annotations

import re

import pytest
from metafor_fixtures import load_cases

from secretome.meta._p_format import format_p

# Printed by tools/metafor_reference_effects.R (print.rma.mh, print.rma.peto); a pooled estimate R gives as NA has no p.
CASES = [c for c in load_cases("effects_pooling") if c["pval"] is not None]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_q_line_and_pval_column_print_as_metafor(case):
    printed = case["printed"]
    q_line = next(line for line in printed if line.startswith("Q(df = "))
    assert q_line.endswith(f"p-val {format_p(case['Q_pval'], equals=True)}")
    # The row under the "estimate se zval pval ci.lb ci.ub" header: pval is its fourth cell.
    header = printed.index(next(line for line in printed if re.match(r"^estimate\s+se\s+zval\s+pval", line)))
    assert printed[header + 1].split()[3] == format_p(case["pval"])
