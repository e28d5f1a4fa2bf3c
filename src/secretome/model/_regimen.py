"""Dosing regimens from YAML files (format: docs/regimen-format.md).

A regimen gives doses (single or repeated), optionally an end time and parameter overrides, and is
applied to a preset's model. Every problem is an :class:`~secretome.errors.InputError` that names the
file and the field (``doses[2].every``), and nothing is simulated from a half-read file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from secretome.errors import InputError
from secretome.model._spec import Dose, Model

__all__ = ["apply_regimen", "parse_regimen", "read_regimen"]

_TOP = ("end_time", "doses", "parameters")
_DOSE = ("product", "species", "amount", "time", "start", "every", "count")


def _number(value: object, file: str | None, field: str, *, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError("must be a finite number", file=file, field=field, value=value)
    if value < minimum or (strict and value == minimum):
        raise InputError(f"must be {'>' if strict else '>='} {minimum:g}", file=file, field=field, value=value)
    return float(value)


def _doses(entry: object, i: int, file: str | None, model: Model) -> list[Dose]:
    where = f"doses[{i}]"
    if not isinstance(entry, Mapping):
        raise InputError(
            "each dose must be a mapping (product or species, amount, time or start/every/count)",
            file=file,
            field=where,
            value=entry,
        )
    unknown = sorted(set(entry) - set(_DOSE))
    if unknown:
        raise InputError(
            f"unknown key; one of {', '.join(_DOSE)}", file=file, field=f"{where}.{unknown[0]}", value=unknown[0]
        )
    if "product" in entry and "species" in entry:
        raise InputError("give either product or species, not both", file=file, field=f"{where}.product")
    if "product" not in entry and "species" not in entry:
        raise InputError("is required (or give product)", file=file, field=f"{where}.species")
    if "amount" not in entry:
        raise InputError("is required", file=file, field=f"{where}.amount")
    amount = _number(entry["amount"], file, f"{where}.amount")
    product, species = None, entry.get("species")
    if "product" in entry:
        try:
            product = model.product(entry["product"])
        except InputError as exc:
            raise InputError(exc.reason, file=file, field=f"{where}.product", value=entry["product"]) from None
    elif not isinstance(species, str):
        raise InputError("must be a species id", file=file, field=f"{where}.species", value=species)
    if "time" in entry:
        if any(k in entry for k in ("start", "every", "count")):
            raise InputError("give either time or start/every/count", file=file, field=f"{where}.time")
        times = [_number(entry["time"], file, f"{where}.time")]
    else:
        times = _schedule(entry, where, file)
    if product is not None:
        return [dose for t in times for dose in product.doses(t, amount)]
    return [Dose(t, str(species), amount) for t in times]


def _schedule(entry: Mapping, where: str, file: str | None) -> list[float]:
    for key in ("start", "every", "count"):
        if key not in entry:
            raise InputError("is required (or give time for a single dose)", file=file, field=f"{where}.{key}")
    start = _number(entry["start"], file, f"{where}.start")
    every = _number(entry["every"], file, f"{where}.every", strict=True)
    count = entry["count"]
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InputError("must be an integer >= 1", file=file, field=f"{where}.count", value=count)
    return [start + every * j for j in range(count)]


def parse_regimen(data: object, model: Model, *, file: str | None = None) -> Model:
    """Apply a regimen given as parsed YAML (*data*) to *model*; return the new model.

    Parameters
    ----------
    data : mapping
        ``{"end_time": float, "doses": [...], "parameters": {name: value}}``; every key optional
        except ``doses``.
    model : Model
        The preset to dose.
    file : str, optional
        File name for error messages.

    Examples
    --------
    A dose names a product of the preset (``amount`` in the product's unit) or a species directly.

    >>> from secretome.model import preset
    >>> m = parse_regimen({"doses": [{"species": "cm", "amount": 1, "start": 7, "every": 7, "count": 5}]},
    ...                   preset("rat-mia"))
    >>> [d.time for d in m.doses]
    [7.0, 14.0, 21.0, 28.0, 35.0]
    >>> parse_regimen({"end_time": 10, "doses": [{"species": "cm", "amount": 1, "time": 12}]}, preset("rat-mia"))
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'doses[1].time': dose after the end time (10 day) (got 12.0)
    """
    if not isinstance(data, Mapping):
        raise InputError("a regimen must be a mapping with 'doses'", file=file, field="doses", value=data)
    unknown = sorted(set(data) - set(_TOP))
    if unknown:
        raise InputError(f"unknown key; one of {', '.join(_TOP)}", file=file, field=unknown[0], value=unknown[0])
    if "doses" not in data or not isinstance(data["doses"], list):
        raise InputError("must be a list of doses", file=file, field="doses", value=data.get("doses"))
    end = model.t_end if data.get("end_time") is None else _number(data["end_time"], file, "end_time", strict=True)
    doses: list[Dose] = []
    entries: list[int] = []
    for i, entry in enumerate(data["doses"], start=1):
        new = _doses(entry, i, file, model)
        doses += new
        entries += [i] * len(new)
    species = {s.name for s in model.species}
    for dose, i in zip(doses, entries, strict=True):
        if dose.species not in species:
            raise InputError(
                f"not a species of {model.name}; one of {', '.join(sorted(species))}",
                file=file,
                field=f"doses[{i}].species",
                value=dose.species,
            )
        if dose.time > end:
            raise InputError(
                f"dose after the end time ({end:g} {model.time_unit})",
                file=file,
                field=f"doses[{i}].time",
                value=dose.time,
            )
    overrides = data.get("parameters") or {}
    if not isinstance(overrides, Mapping):
        raise InputError(
            "must be a mapping of parameter names to values", file=file, field="parameters", value=overrides
        )
    values = {}
    for name, raw in overrides.items():
        field = f"parameters.{name}"
        if name not in {p.name for p in model.parameters}:
            raise InputError("unknown parameter", file=file, field=field, value=name)
        value = _number(raw, file, field, minimum=-math.inf)
        if model.parameter(name).nonnegative and value < 0:
            raise InputError("a rate constant must be >= 0", file=file, field=field, value=value)
        values[name] = value
    return model.with_values(**values).with_doses(sorted(doses, key=lambda d: d.time), t_end=end)


def read_regimen(path: str | os.PathLike[str]) -> object:
    """The parsed YAML of a regimen file (an :class:`InputError` naming the file if unreadable)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=str(path)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML ({str(exc).splitlines()[0]})", file=str(path)) from None


def apply_regimen(model: Model, path: str | os.PathLike[str]) -> Model:
    """*model* dosed as the regimen file at *path* says (see :func:`parse_regimen`)."""
    return parse_regimen(read_regimen(path), model, file=str(path))
