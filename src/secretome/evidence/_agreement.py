"""Agreement between two screeners: Cohen's kappa.

References
----------
.. [1] Cohen J (1960). A coefficient of agreement for nominal scales. Educational and Psychological
   Measurement 20(1):37-46. https://doi.org/10.1177/001316446002000104
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from secretome.errors import InputError

__all__ = ["cohen_kappa"]


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa [1]_ of two raters' labels of the same items: (p_o - p_e) / (1 - p_e).

    ``p_o`` is the share of items both label alike, ``p_e`` the share expected by chance from each
    rater's label frequencies. Checked against scikit-learn's ``cohen_kappa_score``
    (tests/evidence/test_agreement.py).

    Parameters
    ----------
    first, second : sequence of str
        The labels (``include``/``exclude``), aligned by item.

    Returns
    -------
    float or None
        Kappa in [-1, 1]; ``None`` when there is no item, or when both raters gave one and the same
        label to every item (``p_e = 1``: kappa is undefined, not perfect).

    Examples
    --------
    >>> cohen_kappa(["include", "exclude", "exclude", "exclude"], ["include", "exclude", "include", "exclude"])
    0.5
    """
    if len(first) != len(second):
        raise InputError(f"the raters labelled {len(first)} and {len(second)} items", field="labels")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    left, right = Counter(first), Counter(second)
    expected = sum(left[label] * right[label] for label in left) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1.0 - expected)
