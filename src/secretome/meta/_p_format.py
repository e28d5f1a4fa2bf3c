"""A p-value as metafor prints it in its result tables and test lines.

Shared by every result's ``summary()`` (random effects, meta-regression, multilevel, robust,
permutation, selection models, model comparisons, fail-safe N), so that all print p alike.
"""

from __future__ import annotations

__all__: list[str] = []


def format_p(p: float, *, equals: bool = False) -> str:
    """*p* with four decimals, or ``<.0001`` below 1e-4, as metafor's internal ``.pval()`` prints it.

    With *equals* (the ``p-val`` of a Q, QM or LRT line) the number gets ``"= "`` and the bound a
    space: ``= 0.0123``, ``< .0001``.
    """
    if p < 1e-4:
        return "< .0001" if equals else "<.0001"
    return f"= {p:.4f}" if equals else f"{p:.4f}"
