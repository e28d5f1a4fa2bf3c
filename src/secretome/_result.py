"""The shape every result of secretome takes: a frozen dataclass with three views.

``summary()`` is text a reviewer reads at a glance (laid out like metafor's print), ``to_dict()`` is
JSON-safe (what ``--format json`` prints) and ``to_frame()`` is a tidy one-row table (pingouin).
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Result", "json_safe"]


def json_safe(value: Any) -> Any:
    """Turn numpy scalars and arrays, tuples, dataclasses and non-finite floats into JSON values.

    Non-finite floats become ``None``: JSON has no NaN, and a NaN in a result is a bug we report
    elsewhere, never a value we print.

    >>> import numpy as np
    >>> json_safe({"a": np.float64(1.5), "b": (np.int64(2), float("nan")), "c": np.array([1, 2])})
    {'a': 1.5, 'b': [2, None], 'c': [1, 2]}
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_safe({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    # numpy and pandas are looked up, not imported: a value can only be theirs once they are loaded,
    # and `secretome --help` must not pay for loading them.
    np, pd = sys.modules.get("numpy"), sys.modules.get("pandas")
    if np is not None and isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if np is not None and isinstance(value, np.bool_ | np.integer | np.floating):
        value = value.item()
    if isinstance(value, bool | int):
        return value if isinstance(value, bool) else int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if pd is not None and isinstance(value, pd.DataFrame):
        return json_safe(value.to_dict(orient="records"))
    return value


class Result:
    """Mixin for frozen result dataclasses: ``to_dict`` and ``to_frame`` come for free.

    Subclasses define ``summary()``. Fields holding sequences or tables are left out of
    ``to_frame`` so that it stays one tidy row of scalars.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """All fields as JSON-safe values."""
        return json_safe(self)

    def to_frame(self) -> pd.DataFrame:
        """The scalar fields as a one-row :class:`pandas.DataFrame`."""
        import pandas as pd

        row = {k: v for k, v in self.to_dict().items() if not isinstance(v, (list, dict))}
        return pd.DataFrame([row])

    def summary(self) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()
