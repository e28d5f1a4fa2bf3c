"""Dosing regimens from YAML files (format: docs/regimen-format.md).

A regimen gives doses (single or repeated), optionally an end time and parameter overrides, and is
applied to a preset's model. Every problem is an :class:`~secretome.errors.InputError` that names the
file and the field (``doses[2].every``), and nothing is simulated from a half-read file.

The declared limits of :mod:`secretome._limits` are checked before any work: the file's size and
nesting before it is parsed, the number of doses before they are listed, the end time, amounts and
parameter overrides before anything is simulated.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from secretome._limits import (
    MAX_AMOUNT,
    MAX_DOSES,
    MAX_END_TIME,
    MAX_FILE_BYTES,
    MAX_NESTING,
    MAX_PARAMETER_VALUE,
    MIN_END_TIME,
)
from secretome.errors import InputError
from secretome.model._spec import Dose, Model

__all__ = ["apply_regimen", "parse_regimen", "read_regimen"]

_TOP = ("end_time", "doses", "parameters")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader where PyYAML was built with it (the same documents, parsed about 10x faster),
    reading ``1e-3`` and ``1.5e1`` as numbers as YAML 1.2 does: PyYAML follows YAML 1.1, whose floats need a
    dot and a signed exponent, so ``end_time: 1e300`` was the text '1e300', refused as 'not a finite number'."""


# YAML 1.2's decimal floats that YAML 1.1 reads as text: an exponent without a sign (1.5e1) or without a dot (1e-3).
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)
_LOADER = _Loader
_DOSE = ("product", "species", "amount", "time", "start", "every", "count")


def _number(
    value: object,
    file: str | None,
    field: str,
    *,
    minimum: float = 0.0,
    strict: bool = False,
    maximum: float = MAX_END_TIME,
) -> float:
    # A 400-digit integer is a valid YAML int that float() cannot hold: compared, not converted, first.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -math.inf < value < math.inf:
        raise InputError("must be a finite number", file=file, field=field, value=value)
    if value < minimum or (strict and value == minimum):
        raise InputError(f"must be {'>' if strict else '>='} {minimum:g}", file=file, field=field, value=value)
    if value > maximum:
        raise InputError(f"must be <= {maximum:g} (a declared limit)", file=file, field=field, value=value)
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
    amount = _number(entry["amount"], file, f"{where}.amount", maximum=MAX_AMOUNT)
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
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_DOSES:
        raise InputError(
            f"must be an integer from 1 to {MAX_DOSES} (a declared limit)",
            file=file,
            field=f"{where}.count",
            value=count,
        )
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
    end = model.t_end
    if data.get("end_time") is not None:
        end = _number(data["end_time"], file, "end_time", minimum=MIN_END_TIME)
    doses: list[Dose] = []
    entries: list[int] = []
    for i, entry in enumerate(data["doses"], start=1):
        if i > MAX_DOSES:
            raise InputError(f"more than {MAX_DOSES} doses (a declared limit)", file=file, field=f"doses[{i}]")
        new = _doses(entry, i, file, model)
        doses += new
        entries += [i] * len(new)
        if len(doses) > MAX_DOSES:
            raise InputError(f"more than {MAX_DOSES} doses in all (a declared limit)", file=file, field=f"doses[{i}]")
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
        value = _number(raw, file, field, minimum=-MAX_PARAMETER_VALUE, maximum=MAX_PARAMETER_VALUE)
        if model.parameter(name).nonnegative and value < 0:
            raise InputError("a rate constant must be >= 0", file=file, field=field, value=value)
        values[name] = value
    return model.with_values(**values).with_doses(sorted(doses, key=lambda d: d.time), t_end=end)


def _check_nesting(text: str, file: str) -> None:
    """An :class:`InputError` if mappings and lists nest deeper than MAX_NESTING.

    Read from PyYAML's event stream, which is built without recursion: the composer that builds
    the objects recurses once per level, and 5,000 levels would end in a RecursionError.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                line = event.start_mark.line + 1 if event.start_mark else None
                reason = f"nested more than {MAX_NESTING} levels deep (a declared limit; a regimen needs 3)"
                raise InputError(reason, file=file, row=line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def read_regimen(path: str | os.PathLike[str]) -> object:
    """The parsed YAML of a regimen file (an :class:`InputError` naming the file if unreadable).

    The file must be UTF-8, at most :data:`~secretome._limits.MAX_FILE_BYTES` long and nested at
    most :data:`~secretome._limits.MAX_NESTING` deep; both are checked before it is parsed.
    """
    file = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"larger than {MAX_FILE_BYTES} bytes (a declared limit)", file=file, value=size)
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", file=file) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=file) from None
    try:
        _check_nesting(text, file)
        return yaml.load(text, Loader=_LOADER)  # a safe loader: libyaml's when present
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML ({str(exc).splitlines()[0]})", file=file) from None
    except InputError:
        raise
    except ValueError as exc:  # an integer longer than Python converts (4,300 digits)
        raise InputError(f"not a usable YAML value ({exc})", file=file) from None


def apply_regimen(model: Model, path: str | os.PathLike[str]) -> Model:
    """*model* dosed as the regimen file at *path* says (see :func:`parse_regimen`)."""
    return parse_regimen(read_regimen(path), model, file=str(path))
