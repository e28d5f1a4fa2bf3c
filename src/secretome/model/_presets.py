"""Named presets: a model with its induction and protocol, ready to simulate or export.

``baker2017`` and ``baker2017-rest`` are the published inflammation core (pulse and rest). The others
are the v0 OA cartilage model (:mod:`secretome.model._cartilage`) in days, named ``<species>-<induction>``:
species facts from :data:`~secretome.model._cartilage.ORGANISMS`, inductions from
:data:`~secretome.model._cartilage.INDUCTIONS`.

End times follow the usual read-out times: rat ACLT 12 weeks (OARSI at 12 weeks, Bone Joint Res 2018 7(3)),
mouse DMM 8 weeks and collagenase 6 weeks (assumed), people 2 years (the 2-year JSW trajectories of
Bartlett et al.).
"""

from __future__ import annotations

from collections.abc import Callable

from secretome.errors import InputError
from secretome.model._baker2017 import baker2017
from secretome.model._cartilage import induced_model, rat_focal_defect, rat_mia, weekly_cm, weekly_ev
from secretome.model._spec import Model

__all__ = ["PRESETS", "preset"]

PRESETS: dict[str, Callable[[], Model]] = {
    "baker2017": baker2017,
    "baker2017-rest": lambda: baker2017(p0=0.0, name="baker2017-rest"),
    "rat-mia": rat_mia,
    # Single vs repeated dosing at equal total dose (5 mL/kg of conditioned medium).
    "rat-mia-cm-weekly": lambda: rat_mia(doses=weekly_cm(), name="rat-mia-cm-weekly"),
    "rat-mia-cm-single": lambda: rat_mia(doses=weekly_cm(amount=5.0, count=1), name="rat-mia-cm-single"),
    # The same pair for EVs (25e9 particles/kg in total): their cargo outlasts the vesicles (section 4.3).
    "rat-mia-ev-weekly": lambda: rat_mia(doses=weekly_ev(), name="rat-mia-ev-weekly"),
    "rat-mia-ev-single": lambda: rat_mia(doses=weekly_ev(amount=25.0, count=1), name="rat-mia-ev-single"),
    "rat-focal-defect": rat_focal_defect,
    # The review's rat protocol: conditioned medium 1 mL/kg weekly x 5.
    "rat-focal-defect-cm": lambda: rat_focal_defect(doses=weekly_cm(), name="rat-focal-defect-cm"),
    "rat-aclt": lambda: induced_model("rat", "aclt", t_end=84.0),
    "mouse-dmm": lambda: induced_model("mouse", "dmm", t_end=56.0),
    "mouse-collagenase": lambda: induced_model("mouse", "collagenase", t_end=42.0),
    "human-knee-oa": lambda: induced_model("human", "spontaneous", t_end=730.0, name="human-knee-oa"),
}


def preset(name: str) -> Model:
    """The model of preset *name* (see :data:`PRESETS`).

    >>> preset("baker2017").name
    'baker2017'
    >>> preset("rabit")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'preset': unknown preset; one of ... (got 'rabit')
    """
    if name not in PRESETS:
        raise InputError(f"unknown preset; one of {', '.join(PRESETS)}", field="preset", value=name)
    return PRESETS[name]()
