"""Readout values: each readout expression evaluated over the species trajectories of every subject."""

from __future__ import annotations

import numpy as np

from secretome.model._expressions import NUMPY_FUNCTIONS
from secretome.model._spec import Model

__all__ = ["readout_values"]


def readout_values(model: Model, values: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Readouts of *model*, shape ``(n_subjects, n_times, n_readouts)``.

    Parameters
    ----------
    model : Model
        The declarations (readout expressions over species and parameters).
    values : ndarray, shape (n_subjects, n_times, n_species)
        Species trajectories (NaN rows of failed subjects give NaN readouts).
    matrix : ndarray, shape (n_subjects, n_parameters)
        Parameter values per subject, in model order (:func:`secretome.model._overrides.parameter_matrix`).
    """
    out = np.empty((*values.shape[:2], len(model.readouts)))
    for j, readout in enumerate(model.readouts):
        code = compile(readout.expression, f"<readout {readout.name}>", "eval")
        for s in range(values.shape[0]):
            namespace: dict[str, object] = dict(NUMPY_FUNCTIONS)
            namespace.update({sp.name: values[s, :, i] for i, sp in enumerate(model.species)})
            namespace.update({p.name: matrix[s, i] for i, p in enumerate(model.parameters)})
            out[s, :, j] = np.broadcast_to(eval(code, namespace), values.shape[1])  # validated expression
    return out
