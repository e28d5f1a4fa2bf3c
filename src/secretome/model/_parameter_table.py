"""The parameter table of a model: value, unit, and source or `assumed` with the prior range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from secretome._result import Result
from secretome.model._spec import Model, Parameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ParameterTable", "parameter_table"]


@dataclass(frozen=True)
class ParameterTable(Result):
    """Every parameter of a model with its provenance.

    Attributes
    ----------
    model : str
        Model name.
    time_unit : str
        The model's time unit.
    parameters : tuple of Parameter
        In declaration order.
    notes : tuple of str
        The model's assumptions.
    """

    model: str
    time_unit: str
    parameters: tuple[Parameter, ...]
    notes: tuple[str, ...] = ()

    @property
    def n_sourced(self) -> int:
        """Number of parameters with a literature source."""
        return sum(not p.assumed for p in self.parameters)

    @property
    def n_assumed(self) -> int:
        """Number of assumed parameters (each with a prior)."""
        return sum(p.assumed for p in self.parameters)

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: name, value, unit, description, source, assumed, prior_low, prior_high."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "name": p.name,
                    "value": p.value,
                    "unit": p.unit,
                    "description": p.description,
                    "source": p.source,
                    "assumed": p.assumed,
                    "prior_low": p.prior[0] if p.prior else None,
                    "prior_high": p.prior[1] if p.prior else None,
                }
                for p in self.parameters
            ]
        )

    def summary(self) -> str:
        """Header with counts, then one line per parameter."""
        lines = [
            f"Parameters of {self.model!r} (k = {len(self.parameters)}; sourced = {self.n_sourced}; "
            f"assumed = {self.n_assumed}; time unit: {self.time_unit})",
            "",
        ]
        # Columns as wide as their longest entry, so that a long unit never runs into the next column.
        name_width = max([4, *(len(p.name) for p in self.parameters)]) + 2
        unit_width = max([4, *(len(p.unit) for p in self.parameters)]) + 2
        lines.append(f"{'name':<{name_width}}{'value':>12}  {'unit':<{unit_width}}provenance")
        for p in self.parameters:
            provenance = f"assumed, prior [{p.prior[0]:.4g}, {p.prior[1]:.4g}]" if p.prior else p.source
            lines.append(f"{p.name:<{name_width}}{p.value:>12.5g}  {p.unit:<{unit_width}}{provenance}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def parameter_table(model: Model) -> ParameterTable:
    """The :class:`ParameterTable` of *model*.

    >>> from secretome.model import preset
    >>> table = parameter_table(preset("baker2017"))
    >>> table.n_sourced, table.n_assumed
    (15, 0)
    """
    return ParameterTable(model.name, model.time_unit, tuple(model.parameters), tuple(model.notes))
