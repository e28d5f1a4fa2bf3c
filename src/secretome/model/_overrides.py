"""Parameter overrides checked once, at the edge: one row of parameter values per subject."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from secretome.errors import InputError
from secretome.model._spec import Model

__all__ = ["parameter_matrix"]


def parameter_matrix(model: Model, parameters: Mapping[str, ArrayLike] | None) -> np.ndarray:
    """One row of parameter values per subject, in model order; overrides are validated against the model (PySB).

    Arrays of length *n* give *n* subjects; scalars (length 1) apply to all. Unknown names, unequal
    lengths, non-finite values and negative values of non-negative parameters are an :class:`InputError`
    naming the (1-based) row and the parameter.

    >>> from secretome.model import preset
    >>> parameter_matrix(preset("baker2017"), {"Fdam": [0.0, 0.5]}).shape
    (2, 15)
    """
    base = np.array([p.value for p in model.parameters], dtype=float)
    if not parameters:
        return base[None, :]
    index = {p.name: i for i, p in enumerate(model.parameters)}
    columns = {}
    for name, raw in parameters.items():
        if name not in index:
            raise InputError("unknown parameter", record=model.name, field=name, value=name)
        columns[name] = np.atleast_1d(np.asarray(raw, dtype=float))
    lengths = {len(c) for c in columns.values() if len(c) != 1}
    if len(lengths) > 1:
        raise InputError(
            f"parameter arrays differ in length ({sorted(lengths)})", record=model.name, field="parameters"
        )
    n = lengths.pop() if lengths else 1
    matrix = np.tile(base, (n, 1))
    for name, column in columns.items():
        matrix[:, index[name]] = column
        bad = np.flatnonzero(~np.isfinite(column))
        if bad.size:
            raise InputError("must be finite", row=int(bad[0]) + 1, field=name, value=float(column[bad[0]]))
        if model.parameters[index[name]].nonnegative:
            bad = np.flatnonzero(column < 0)
            if bad.size:
                raise InputError(
                    "a rate constant must be >= 0", row=int(bad[0]) + 1, field=name, value=float(column[bad[0]])
                )
    return matrix
