"""Named presets, built from one table: organism x induction x protocol (doses per joint), end time.

``baker2017`` and ``baker2017-rest`` are the published inflammation core (pulse and rest). The others
are the OA joint model (:mod:`secretome.model._cartilage`) in days, named ``<species>-<induction>`` and
optionally ``-<protocol>``: species facts from :data:`~secretome.model._cartilage.ORGANISMS`, inductions
from :data:`~secretome.model._cartilage.INDUCTIONS`, protocols from :data:`PROTOCOLS`.

End times follow the usual read-out times: rat MIA and focal defect 120 days (the review reads months
2, 3, 4), rat ACLT 12 weeks (OARSI at 12 weeks, Bone Joint Res 2018 7(3)), rat collagenase and rabbit
focal defect 12 weeks (the corpus's rabbit defect studies read weeks 6 and 12), mouse DMM 8 weeks and
collagenase 8 weeks (Utomo et al. 2018 read days 1-56), people 2 years (the 2-year JSW trajectories of
Bartlett et al.).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from secretome.errors import InputError
from secretome.model._baker2017 import baker2017
from secretome.model._cartilage import induced_model
from secretome.model._products import PRODUCTS
from secretome.model._spec import Dose, Model

__all__ = ["PRESETS", "PROTOCOLS", "PresetEntry", "Protocol", "preset", "preset_lines"]


@dataclass(frozen=True)
class Protocol:
    """A dosing schedule per joint: *count* doses of *amount* (in the product's unit) every *every* days.

    The amounts are assumptions about what the studies inject, stated in *note*.
    """

    product: str
    amount: float
    start: float
    every: float
    count: int
    note: str

    def doses(self) -> tuple[Dose, ...]:
        """The species doses of this schedule."""
        product = next(p for p in PRODUCTS if p.name == self.product)
        return tuple(d for i in range(self.count) for d in product.doses(self.start + self.every * i, self.amount))

    def label(self) -> str:
        unit = next(p.unit for p in PRODUCTS if p.name == self.product)
        times = "once" if self.count == 1 else f"every {self.every:g} days x {self.count}"
        return f"{self.product.upper()} {self.amount:g} {unit} per joint {times} from day {self.start:g}"


_CM_NOTE = (
    "The review's rat protocol is conditioned medium 1 mL/kg; per joint that is 30 µg protein for a 0.3 kg rat "
    "at 100 µg protein per mL of CM (both assumed)."
)
_EV_NOTE = "1e9 EV particles per injection per joint (assumed; rodent studies inject 1e8-1e10 particles)."

PROTOCOLS: dict[str, Protocol] = {
    "cm-weekly": Protocol("cm", 30.0, 7.0, 7.0, 5, _CM_NOTE),
    # Single versus repeated dosing at equal total dose.
    "cm-single": Protocol("cm", 150.0, 7.0, 7.0, 1, _CM_NOTE),
    "ev-weekly": Protocol("ev", 1e9, 7.0, 7.0, 5, _EV_NOTE),
    "ev-single": Protocol("ev", 5e9, 7.0, 7.0, 1, _EV_NOTE),
}


@dataclass(frozen=True)
class PresetEntry:
    """One row of the preset table."""

    organism: str
    induction: str
    t_end: float
    protocol: str | None = None

    def build(self, name: str) -> Model:
        protocol = None if self.protocol is None else PROTOCOLS[self.protocol]
        model = induced_model(
            self.organism, self.induction, t_end=self.t_end, name=name,
            doses=() if protocol is None else protocol.doses(),
        )  # fmt: skip
        if protocol is None:
            return model
        return replace(model, notes=(*model.notes, f"Protocol: {protocol.label()}.", protocol.note))


TABLE: dict[str, PresetEntry] = {
    "rat-mia": PresetEntry("rat", "mia", 120.0),
    "rat-mia-cm-weekly": PresetEntry("rat", "mia", 120.0, "cm-weekly"),
    "rat-mia-cm-single": PresetEntry("rat", "mia", 120.0, "cm-single"),
    "rat-mia-ev-weekly": PresetEntry("rat", "mia", 120.0, "ev-weekly"),
    "rat-mia-ev-single": PresetEntry("rat", "mia", 120.0, "ev-single"),
    "rat-focal-defect": PresetEntry("rat", "focal-defect", 120.0),
    # The review's rat protocol: conditioned medium weekly x 5.
    "rat-focal-defect-cm": PresetEntry("rat", "focal-defect", 120.0, "cm-weekly"),
    "rat-aclt": PresetEntry("rat", "aclt", 84.0),
    "rat-collagenase": PresetEntry("rat", "collagenase", 84.0),
    "rabbit-focal-defect": PresetEntry("rabbit", "focal-defect", 84.0),
    "rat-dmm": PresetEntry("rat", "dmm", 84.0),
    "mouse-dmm": PresetEntry("mouse", "dmm", 56.0),
    "mouse-collagenase": PresetEntry("mouse", "collagenase", 56.0),
    "mouse-mia": PresetEntry("mouse", "mia", 56.0),
    "human-knee-oa": PresetEntry("human", "spontaneous", 730.0),
}

PRESETS: dict[str, Callable[[], Model]] = {
    "baker2017": baker2017,
    "baker2017-rest": lambda: baker2017(p0=0.0, name="baker2017-rest"),
    **{name: (lambda name=name, entry=entry: entry.build(name)) for name, entry in TABLE.items()},
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


def preset_lines() -> list[tuple[str, str]]:
    """``(name, one line)`` per preset: organism, induction, protocol and end time.

    >>> dict(preset_lines())["rat-mia-cm-weekly"]
    'Rat knee, OA by monoiodoacetate (MIA) injection; CM 30 ug per joint every 7 days x 5 from day 7; 120 days'
    """
    from secretome.model._cartilage import INDUCTIONS, ORGANISMS

    lines = [
        ("baker2017", "Baker, Brook & Owen 2017 inflammation core as published, pulse p(0) = 5; dimensionless time"),
        ("baker2017-rest", "Baker, Brook & Owen 2017 inflammation core at rest, p(0) = 0; dimensionless time"),
    ]
    for name, entry in TABLE.items():
        what = f"{ORGANISMS[entry.organism].label.capitalize()}, OA by {INDUCTIONS[entry.induction].label}"
        dosing = "untreated" if entry.protocol is None else PROTOCOLS[entry.protocol].label()
        lines.append((name, f"{what}; {dosing}; {entry.t_end:g} days"))
    return lines
