"""Named presets: a model with its induction and protocol, ready to simulate or export.

``baker2017`` and ``baker2017-rest`` are the published inflammation core (pulse and rest). The ``rat-*``
presets are the v0 OA cartilage model (:mod:`secretome.model._cartilage`) in days.
"""

from __future__ import annotations

from collections.abc import Callable

from secretome.errors import InputError
from secretome.model._baker2017 import baker2017
from secretome.model._cartilage import rat_focal_defect, rat_mia, weekly_cm
from secretome.model._spec import Model

__all__ = ["PRESETS", "preset"]

PRESETS: dict[str, Callable[[], Model]] = {
    "baker2017": baker2017,
    "baker2017-rest": lambda: baker2017(p0=0.0, name="baker2017-rest"),
    "rat-mia": rat_mia,
    # Single vs repeated dosing at equal total dose (5 mL/kg of conditioned medium).
    "rat-mia-cm-weekly": lambda: rat_mia(doses=weekly_cm(), name="rat-mia-cm-weekly"),
    "rat-mia-cm-single": lambda: rat_mia(doses=weekly_cm(amount=5.0, count=1), name="rat-mia-cm-single"),
    "rat-focal-defect": rat_focal_defect,
    # The review's rat protocol: conditioned medium 1 mL/kg weekly x 5.
    "rat-focal-defect-cm": lambda: rat_focal_defect(doses=weekly_cm(), name="rat-focal-defect-cm"),
}


def preset(name: str) -> Model:
    """The model of preset *name* (see :data:`PRESETS`).

    >>> preset("baker2017").name
    'baker2017'
    >>> preset("rabit")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field '--preset': unknown preset; one of ... (got 'rabit')
    """
    if name not in PRESETS:
        raise InputError(f"unknown preset; one of {', '.join(PRESETS)}", field="--preset", value=name)
    return PRESETS[name]()
