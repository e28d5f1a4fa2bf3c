"""The schema of a study file (version 1): frozen dataclasses, a JSON Schema and the validation.

A study file is the YAML layout of ``docs/corpus-format.md``. :func:`parse_study` checks it in two
passes and stops at the first problem, with an :class:`~secretome.errors.InputError` that names the
file, the record (the study id), the field path (``results[2].arm_data.cm.sd``; list indices count
from 0, as in ``jq``) and the value:

1. structure, against :func:`study_json_schema` (types, required and unknown fields, one result kind);
2. meaning: vocabulary ids resolved through :mod:`secretome.vocab` (synonyms normalised), arm ids
   that exist, value ranges, an abstract only with a redistributable licence, and the honesty
   check: every number taken from a source must be stated by its provenance quote
   (:mod:`secretome.evidence._quotes`); numbers with status ``converted``, ``derived`` or
   ``digitised`` are not in the quote by nature and must say how they were obtained (``method``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jsonschema

from secretome import vocab
from secretome._files import atomic_write_text
from secretome._result import Result
from secretome.errors import InputError
from secretome.evidence._quotes import number_literal, quote_states

__all__ = [
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "Arm",
    "ArmData",
    "Classification",
    "Dose",
    "Effect",
    "Intervention",
    "PValue",
    "Population",
    "Provenance",
    "Reference",
    "RiskOfBias",
    "RiskOfBiasItem",
    "Statistic",
    "Study",
    "StudyResult",
    "parse_study",
    "study_json_schema",
    "write_study_json_schema",
]

SCHEMA_VERSION = 1

STATUSES = ("verbatim", "converted", "derived", "digitised", "curator_classification")
# A value with one of these statuses is not literally in its quote; ``method`` says how it was obtained.
COMPUTED_STATUSES = ("converted", "derived", "digitised")
DIRECTIONS = ("improved", "worsened", "no_difference")
DONORS = ("autologous", "allogeneic", "xenogeneic")
EFFECT_MEASURES = ("MD", "SMD", "ROM", "OR", "RR", "RD", "HR")
# Per-arm statistics as a paper states them: the summary at the time point, a confidence interval of the
# mean (at ``mean_ci_level``), and for within-arm change the baseline summary or the change itself.
ARM_STATISTICS = (
    "n",
    "events",
    "mean",
    "sd",
    "se",
    "mean_ci_lb",
    "mean_ci_ub",
    "median",
    "q1",
    "q3",
    "min",
    "max",
    "mean_pre",
    "sd_pre",
    "se_pre",
    "mean_change",
    "sd_change",
    "se_change",
)
# Test statistics a result may state beside its p-value (t and F with their degrees of freedom).
STATISTIC_NAMES = ("t", "F", "z", "chi2", "U", "H")
SOURCE_QUALITIES = ("primary", "secondary")
SCOPES = ("msc_therapy", "background")
ROB_TOOLS = tuple(vocab.RISK_OF_BIAS_TOOLS)
# A p-value as printed: an optional relation, then the number ("0.003", "<0.05", "≤ 0.001", ">.09").
P_PATTERN = r"^\s*(=|<|<=|≤|>|>=|≥)?\s*(\d*\.?\d+([eE]-?\d+)?)\s*$"
# Licences that allow an abstract to be redistributed with the package (Creative Commons, public domain).
LICENCE_PATTERN = r"^(CC-BY(-(SA|NC|ND))*-[1-4]\.0|CC0-1\.0|public-domain)$"

Status = Literal["verbatim", "converted", "derived", "digitised", "curator_classification"]


# ----------------------------------------------------------------------------------------------
# dataclasses


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a datum was read: ``source`` (``doi:...``, ``pmid:...`` or a URL), ``location``, ``quote``, ``status``."""

    source: str
    location: str
    quote: str
    status: Status
    method: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """The bibliographic reference of a study; ``abstract`` only with a redistributable ``licence``."""

    authors: tuple[str, ...]
    year: int | None
    title: str
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    keywords: tuple[str, ...] = ()
    licence: str | None = None
    abstract: str | None = None
    review_ref: int | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """The curator's classification of a study, for the evidence map (vocabulary ids)."""

    msc_sources: tuple[str, ...]
    products: tuple[str, ...]
    species: tuple[str, ...]
    outcome_domains: tuple[str, ...]
    provenance: Provenance
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Population:
    """Who or what was studied: species, OA model and its induction; for patients KL grade, age, BMI."""

    provenance: Provenance
    species: str | None = None
    strain: str | None = None
    sex: str | None = None
    age: str | None = None
    oa_model: str | None = None
    induction: str | None = None
    kellgren_lawrence: str | None = None
    bmi: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Dose:
    """A dose as stated: ``value`` in ``unit`` (a :data:`secretome.vocab.DOSE_UNITS` id)."""

    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class Intervention:
    """What an arm received: product, MSC tissue source, donor, preparation, dose, route, schedule."""

    product: str | None = None
    msc_source: str | None = None
    donor: str | None = None
    preparation: str | None = None
    dose: Dose | None = None
    route: str | None = None
    schedule: str | None = None


@dataclass(frozen=True, slots=True)
class Arm:
    """A group of a study with its ``role`` (a :data:`secretome.vocab.ARM_ROLES` id) and ``n`` if stated."""

    id: str
    role: str
    label: str
    n: int | None = None
    intervention: Intervention | None = None
    provenance: Provenance | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class ArmData:
    """Summary statistics of one arm in one result, each only if stated.

    ``mean``, ``sd``, ``se`` (or ``median`` with quartiles or range, or ``events`` of ``n``) describe the
    arm at the result's time point, ``mean_ci_lb``/``mean_ci_ub`` a confidence interval of its mean at
    ``mean_ci_level``; ``*_pre`` the same arm at baseline and ``*_change`` its change from baseline.
    """

    arm: str
    n: int | None = None
    events: int | None = None
    mean: float | None = None
    sd: float | None = None
    se: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    min: float | None = None
    max: float | None = None
    mean_pre: float | None = None
    sd_pre: float | None = None
    se_pre: float | None = None
    mean_change: float | None = None
    sd_change: float | None = None
    se_change: float | None = None
    mean_ci_lb: float | None = None
    mean_ci_ub: float | None = None
    mean_ci_level: float = 0.95


@dataclass(frozen=True, slots=True)
class Effect:
    """An effect estimate (treatment vs control) with its confidence interval at ``level``."""

    measure: str
    estimate: float
    ci_lb: float | None = None
    ci_ub: float | None = None
    se: float | None = None
    level: float = 0.95


@dataclass(frozen=True, slots=True)
class Statistic:
    """A test statistic as stated: ``name`` (t, F, z, chi2, U, H), ``value`` and degrees of freedom."""

    name: str
    value: float
    df: float | None = None
    df2: float | None = None


@dataclass(frozen=True, slots=True)
class PValue:
    """A p-value read from its printed form: ``value`` and whether it is exact or only a bound.

    >>> PValue.parse("< 0.05")
    PValue(value=0.05, relation='<')
    >>> PValue.parse(".003").exact
    True
    """

    value: float
    relation: Literal["=", "<", ">"]

    @property
    def exact(self) -> bool:
        return self.relation == "="

    @classmethod
    def parse(cls, text: str) -> PValue:
        match = re.match(P_PATTERN, text)
        if match is None:
            raise ValueError(f"not a p-value: {text!r}")
        relation = {"<=": "<", "≤": "<", ">=": ">", "≥": ">", None: "="}.get(match[1], match[1])
        return cls(float(match[2]), relation)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class StudyResult:
    """One outcome at one time point, of exactly one ``kind``: ``arm_data``, ``effect`` or ``direction``."""

    outcome: str
    kind: Literal["arm_data", "effect", "direction"]
    treatment: str
    provenance: Provenance
    control: str | None = None
    timepoint: str | None = None
    timepoint_days: float | None = None
    arm_data: tuple[ArmData, ...] = ()
    effect: Effect | None = None
    direction: str | None = None
    significant: bool | None = None
    p: str | None = None
    statistic: Statistic | None = None
    group_sizes: tuple[tuple[str, int], ...] = ()
    notes: str | None = None

    @property
    def p_value(self) -> PValue | None:
        """The printed ``p`` read as a :class:`PValue` (validated on load, so it always parses)."""
        return None if self.p is None else PValue.parse(self.p)


@dataclass(frozen=True, slots=True)
class RiskOfBiasItem:
    """One domain's judgement with the verbatim quote it rests on; no quote means "not reported"."""

    domain: str
    judgement: str
    quote: str | None = None
    location: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class RiskOfBias:
    """A risk-of-bias assessment with a tool of :data:`secretome.vocab.RISK_OF_BIAS_TOOLS`.

    SYRCLE (Hooijmans et al. 2014) for animal studies, RoB 2 (Sterne et al. 2019) for randomised trials,
    ROBINS-I (Sterne et al. 2016) for non-randomised studies; ``items`` in the tool's domain order, each
    judged from ``source`` (the text that was read).
    """

    tool: str
    source: str
    items: tuple[RiskOfBiasItem, ...]
    notes: str | None = None

    @property
    def overall(self) -> str | None:
        """The overall judgement by the tool's mechanical rule; ``None`` for SYRCLE, which has none.

        RoB 2: low if every domain is low, high if any is high, else some concerns (the tool lets an
        assessor raise several "some concerns" to high; that judgement is not made here). ROBINS-I: the
        most severe domain, or "no information" where a domain lacks it and none is serious or critical.
        """
        tool = vocab.RISK_OF_BIAS_TOOLS[self.tool]
        if not tool.has_overall:
            return None
        judged = [item.judgement for item in self.items]
        definite = [j for j in judged if j not in tool.not_reported]
        worst = max(definite, key=tool.judgements.index, default=None)
        if self.tool == "RoB2":
            if "high" in judged:
                return "high"
            return "low" if all(j == "low" for j in judged) else "some_concerns"
        if len(definite) < len(judged) and worst in (None, "low", "moderate"):
            return "no_information"
        return worst


@dataclass(frozen=True, slots=True)
class Study(Result):
    """One study file, validated: reference, design, classification, population, arms, results."""

    id: str
    schema_version: int
    reference: Reference
    design: str
    classification: Classification | None = None
    population: Population | None = None
    arms: tuple[Arm, ...] = ()
    results: tuple[StudyResult, ...] = ()
    risk_of_bias: RiskOfBias | None = None
    source_quality: Literal["primary", "secondary"] = "primary"
    scope: Literal["msc_therapy", "background"] = "msc_therapy"
    notes: str | None = None
    file: str | None = field(default=None, compare=False)

    @property
    def is_primary(self) -> bool:
        """A primary study of MSC therapy: not a review, and not a background paper."""
        return vocab.DESIGNS[self.design].evidence_level != "review" and self.scope == "msc_therapy"

    def summary(self) -> str:
        """The study, its arms and results with the provenance of each result."""
        ref = self.reference
        lines = [
            f"Study {self.id} ({vocab.DESIGNS[self.design].label}; {len(self.arms)} arms; {len(self.results)} results)",
            f"{', '.join(ref.authors[:3])}{' et al.' if len(ref.authors) > 3 else ''} ({ref.year}). {ref.title}",
        ]
        if ref.journal:
            lines.append(f"{ref.journal}{f' {ref.volume}' if ref.volume else ''}{f':{ref.pages}' if ref.pages else ''}")
        lines.append(f"doi: {ref.doi or '-'}   pmid: {ref.pmid or '-'}   url: {ref.url or '-'}")
        for arm in self.arms:
            product = arm.intervention.product if arm.intervention and arm.intervention.product else "-"
            lines.append(f"  arm {arm.id:<14} {arm.role:<14} n={arm.n if arm.n is not None else '?':<4} {product}")
        for i, res in enumerate(self.results):
            lines.append(f"[{i}] {res.outcome} at {res.timepoint or '?'}: {res.treatment} vs {res.control or '-'}")
            lines.append(f"    {_describe(res)}")
            prov = res.provenance
            lines.append(f"    {prov.status}, {prov.location}, {prov.source}")
            lines.append(f'    "{prov.quote}"')
        return "\n".join(lines)


def _describe(res: StudyResult) -> str:
    if res.kind == "arm_data":
        parts = []
        for data in res.arm_data:
            stats = ", ".join(f"{k}={getattr(data, k):g}" for k in ARM_STATISTICS if getattr(data, k) is not None)
            parts.append(f"{data.arm}: {stats}")
        text = "; ".join(parts)
    elif res.kind == "effect" and res.effect is not None:
        eff = res.effect
        ci = f" [{eff.ci_lb:g}, {eff.ci_ub:g}]" if eff.ci_lb is not None and eff.ci_ub is not None else ""
        text = f"{eff.measure} = {eff.estimate:g}{ci}"
    else:
        text = f"direction: {res.direction}"
    if res.statistic is not None:
        stat = res.statistic
        dfs = ", ".join(f"{d:g}" for d in (stat.df, stat.df2) if d is not None)
        text += f"; {stat.name}{f'({dfs})' if dfs else ''} = {stat.value:g}"
    if res.group_sizes:
        text += "; n " + ", ".join(f"{arm}={n}" for arm, n in res.group_sizes)
    if res.significant is not None:
        text += f"; significant: {'yes' if res.significant else 'no'}"
    if res.p:
        text += f"; p {res.p}"
    return text


# ----------------------------------------------------------------------------------------------
# JSON Schema (pass 1)

_NOTES = {"type": ["string", "null"]}
_TEXT = {"type": "string", "minLength": 1}
_OPT_TEXT = {"type": ["string", "null"]}
_NUMBER = {"type": "number"}
_OPT_NUMBER = {"type": ["number", "null"]}
_SHORT_ID = r"^[a-z0-9][a-z0-9_]*$"


def _object(properties: dict[str, Any], required: Sequence[str] = (), **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False} | (
        extra
    )


_SOURCE = {
    "type": "string",
    "pattern": r"^(doi:10\.\S+|pmid:\d+|https?://\S+)$",
    "description": "doi:10..., pmid:123 or the URL actually read",
}


def _provenance_schema() -> dict[str, Any]:
    return _object(
        {
            "source": _SOURCE,
            "location": {**_TEXT, "description": "abstract, Table 2, Figure 3 legend, ..."},
            "quote": {**_TEXT, "description": "verbatim text containing every number it supports"},
            "status": {"enum": list(STATUSES)},
            "method": {**_OPT_TEXT, "description": "formula, arithmetic or digitising tool (computed statuses)"},
        },
        ["source", "location", "quote", "status"],
    )


def study_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a study file, version :data:`SCHEMA_VERSION`.

    Vocabulary fields are strings here (synonyms are allowed and resolved by :func:`parse_study`);
    the committed copy is ``secretome/evidence/study.schema.json``.

    >>> study_json_schema()["properties"]["schema_version"]
    {'const': 1}
    """
    provenance = {"$ref": "#/$defs/provenance"}
    vocab_list = {"type": "array", "items": {"type": "string"}}
    stats = {
        name: ({"type": ["integer", "null"], "minimum": 0} if name in ("n", "events") else _OPT_NUMBER)
        for name in ARM_STATISTICS
    } | {"mean_ci_level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}}
    result = _object(
        {
            "outcome": {**_TEXT, "description": "secretome.vocab.OUTCOMES id or synonym"},
            "timepoint": _OPT_TEXT,
            "timepoint_days": {"type": ["number", "null"], "minimum": 0},
            "treatment": {"type": "string", "pattern": _SHORT_ID},
            "control": {"type": ["string", "null"], "pattern": _SHORT_ID},
            "arm_data": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": _SHORT_ID},
                "additionalProperties": _object(stats),
            },
            "effect": _object(
                {
                    "measure": {"enum": list(EFFECT_MEASURES)},
                    "estimate": _NUMBER,
                    "ci_lb": _OPT_NUMBER,
                    "ci_ub": _OPT_NUMBER,
                    "se": _OPT_NUMBER,
                    "level": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                },
                ["measure", "estimate"],
            ),
            "direction": {"enum": list(DIRECTIONS)},
            "significant": {"type": ["boolean", "null"]},
            "p": {"type": ["string", "null"], "pattern": P_PATTERN, "description": 'as printed: "0.003", "<0.05"'},
            "statistic": _object(
                {
                    "name": {"enum": list(STATISTIC_NAMES)},
                    "value": _NUMBER,
                    "df": {"type": ["number", "null"], "exclusiveMinimum": 0},
                    "df2": {"type": ["number", "null"], "exclusiveMinimum": 0},
                },
                ["name", "value"],
            ),
            "group_sizes": {
                "type": "object",
                "description": "n per compared arm as this result states it",
                "propertyNames": {"pattern": _SHORT_ID},
                "additionalProperties": {"type": "integer", "minimum": 1},
            },
            "notes": _NOTES,
            "provenance": provenance,
        },
        ["outcome", "treatment", "provenance"],
        oneOf=[{"required": [kind]} for kind in ("arm_data", "effect", "direction")],
    )
    arm = _object(
        {
            "id": {"type": "string", "pattern": _SHORT_ID},
            "role": {**_TEXT, "description": "secretome.vocab.ARM_ROLES id or synonym"},
            "label": _TEXT,
            "n": {"type": ["integer", "null"], "minimum": 1},
            "intervention": {
                "oneOf": [
                    {"type": "null"},
                    _object(
                        {
                            "product": _OPT_TEXT,
                            "msc_source": _OPT_TEXT,
                            "donor": {"enum": [*DONORS, None]},
                            "preparation": _OPT_TEXT,
                            "dose": {
                                "oneOf": [
                                    {"type": "null"},
                                    _object(
                                        {"value": {"type": "number", "minimum": 0}, "unit": _TEXT}, ["value", "unit"]
                                    ),
                                ]
                            },
                            "route": _OPT_TEXT,
                            "schedule": _OPT_TEXT,
                        }
                    ),
                ]
            },
            "notes": _NOTES,
            "provenance": {"oneOf": [{"type": "null"}, provenance]},
        },
        ["id", "role", "label"],
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:secretome:study-file:1",
        "title": "secretome study file",
        "description": "One study of the curated corpus (docs/corpus-format.md).",
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "schema_version", "reference", "design"],
        "properties": {
            "id": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"},
            "schema_version": {"const": SCHEMA_VERSION},
            "reference": _object(
                {
                    "authors": {"type": "array", "items": _TEXT, "description": "empty when no source read names them"},
                    "year": {"type": ["integer", "null"], "minimum": 1800, "maximum": 2100},
                    "title": _TEXT,
                    "journal": _OPT_TEXT,
                    "volume": {"type": ["string", "integer", "null"]},
                    "issue": {"type": ["string", "integer", "null"]},
                    "pages": {"type": ["string", "integer", "null"]},
                    "doi": {"type": ["string", "null"], "pattern": r"^10\.\d{4,9}/\S+$"},
                    "pmid": {"type": ["string", "integer", "null"], "pattern": r"^\d+$"},
                    "url": {"type": ["string", "null"], "pattern": r"^https?://\S+$"},
                    "keywords": {"type": ["array", "null"], "items": {"type": "string"}},
                    "licence": {"type": ["string", "null"], "pattern": LICENCE_PATTERN},
                    "abstract": _OPT_TEXT,
                    "review_ref": {"type": ["integer", "null"], "minimum": 1},
                    "notes": _NOTES,
                },
                ["authors", "year", "title"],
            ),
            "design": {**_TEXT, "description": "secretome.vocab.DESIGNS id or synonym"},
            "classification": {
                "oneOf": [
                    {"type": "null"},
                    _object(
                        {
                            "msc_sources": vocab_list,
                            "products": vocab_list,
                            "species": vocab_list,
                            "outcome_domains": vocab_list,
                            "notes": _NOTES,
                            "provenance": provenance,
                        },
                        ["provenance"],
                    ),
                ]
            },
            "population": {
                "oneOf": [
                    {"type": "null"},
                    _object(
                        {
                            "species": _OPT_TEXT,
                            "strain": _OPT_TEXT,
                            "sex": _OPT_TEXT,
                            "age": _OPT_TEXT,
                            "oa_model": _OPT_TEXT,
                            "induction": _OPT_TEXT,
                            "kellgren_lawrence": {"type": ["string", "integer", "null"]},
                            "bmi": _OPT_TEXT,
                            "notes": _NOTES,
                            "provenance": provenance,
                        },
                        ["provenance"],
                    ),
                ]
            },
            "arms": {"type": ["array", "null"], "items": arm},
            "results": {"type": ["array", "null"], "items": result},
            "risk_of_bias": {
                "oneOf": [
                    {"type": "null"},
                    _object(
                        {
                            "tool": {"enum": list(ROB_TOOLS)},
                            "source": _SOURCE,
                            "items": {
                                "type": "object",
                                "description": "every domain of the tool: judgement, and the quote it rests on",
                                "additionalProperties": _object(
                                    {
                                        "judgement": _TEXT,
                                        "quote": {**_OPT_TEXT, "description": "verbatim; null: not reported"},
                                        "location": _OPT_TEXT,
                                        "notes": _NOTES,
                                    },
                                    ["judgement"],
                                ),
                            },
                            "notes": _NOTES,
                        },
                        ["tool", "source", "items"],
                    ),
                ]
            },
            "source_quality": {
                "enum": list(SOURCE_QUALITIES),
                "description": "secondary: the only stored source is a vendor, clinic, blog or sharing page",
            },
            "scope": {
                "enum": list(SCOPES),
                "description": "background: not a study of MSC therapy (kept for context, never primary evidence)",
            },
            "notes": _NOTES,
        },
        "$defs": {"provenance": _provenance_schema()},
    }


_VALIDATOR = jsonschema.Draft202012Validator(study_json_schema())


def _path(parts: Sequence[object]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _structure_error(error: jsonschema.ValidationError, data: Any) -> tuple[str, str, object]:
    """(field path, reason, value) for a JSON Schema error, worded for a curator."""
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        return _path([*path, missing]), "is required", None
    if error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - known)
        return _path([*path, extra[0]]), f"unknown field; allowed: {', '.join(sorted(known))}", error.instance[extra[0]]
    if error.validator == "oneOf" and isinstance(error.instance, dict) and "outcome" in error.instance:
        kinds = [k for k in ("arm_data", "effect", "direction") if k in error.instance]
        return _path(path), f"needs exactly one of arm_data, effect, direction; has {kinds or 'none'}", None
    if error.validator == "oneOf" and error.context:
        # A nullable object: report the problem inside the object, not "null or object".
        inner = max(error.context, key=lambda e: len(e.absolute_path))
        return _structure_error(inner, data)
    if error.validator == "pattern":
        return _path(path), f"does not match {error.validator_value}", error.instance
    return _path(path), error.message.replace(repr(error.instance), "value", 1), error.instance


# ----------------------------------------------------------------------------------------------
# pass 2: meaning


class _Checker:
    """Builds the dataclasses from validated data; every problem names file, study and field."""

    def __init__(self, study_id: str, file: str | None) -> None:
        self.study_id = study_id
        self.file = file

    def fail(self, reason: str, where: str, value: object = None) -> InputError:
        return InputError(reason, file=self.file, record=self.study_id, field=where, value=value)

    def term(self, vocabulary: vocab.Vocabulary[Any], text: str | None, where: str) -> str | None:
        if text is None:
            return None
        try:
            return vocabulary.resolve(text)
        except InputError as exc:
            raise self.fail(exc.reason, where, text) from None

    def terms(self, vocabulary: vocab.Vocabulary[Any], texts: Sequence[str] | None, where: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.term(vocabulary, t, f"{where}[{i}]") for i, t in enumerate(texts or ())))  # type: ignore[misc]

    def provenance(self, data: Mapping[str, Any] | None, where: str) -> Provenance | None:
        if data is None:
            return None
        status = data["status"]
        method = data.get("method")
        if status in COMPUTED_STATUSES and not method:
            raise self.fail(f"status {status!r} needs 'method' (the formula, arithmetic or tool)", f"{where}.method")
        return Provenance(data["source"], data["location"], data["quote"], status, method)

    def stated(self, value: float | None, prov: Provenance | None, where: str, prov_where: str) -> None:
        """The honesty check: a number from a source must be in its verbatim quote."""
        if value is None:
            return
        if prov is None:
            raise self.fail("a number needs provenance (source, location, quote, status)", where, value)
        if prov.status == "curator_classification":
            raise self.fail("a number cannot rest on a curator classification", f"{prov_where}.status", prov.status)
        if prov.status in COMPUTED_STATUSES:
            return
        if not quote_states(prov.quote, value):
            raise self.fail(f"number not stated in its quote ({prov_where}.quote)", where, value)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def _reference(data: Mapping[str, Any], check: _Checker) -> Reference:
    if data.get("abstract") and not data.get("licence"):
        raise check.fail(
            "an abstract may be stored only with a redistributable licence (give 'licence' or remove it)",
            "reference.abstract",
        )
    return Reference(
        authors=tuple(data["authors"]),
        year=data["year"],
        title=data["title"],
        journal=data.get("journal"),
        volume=_opt_str(data.get("volume")),
        issue=_opt_str(data.get("issue")),
        pages=_opt_str(data.get("pages")),
        doi=data.get("doi"),
        pmid=_opt_str(data.get("pmid")),
        url=data.get("url"),
        keywords=tuple(data.get("keywords") or ()),
        licence=data.get("licence"),
        abstract=data.get("abstract"),
        review_ref=data.get("review_ref"),
        notes=data.get("notes"),
    )


def _classification(data: Mapping[str, Any] | None, check: _Checker) -> Classification | None:
    if data is None:
        return None
    where = "classification"
    return Classification(
        msc_sources=check.terms(vocab.MSC_SOURCES, data.get("msc_sources"), f"{where}.msc_sources"),
        products=check.terms(vocab.PRODUCTS, data.get("products"), f"{where}.products"),
        species=check.terms(vocab.SPECIES, data.get("species"), f"{where}.species"),
        outcome_domains=check.terms(vocab.OUTCOME_DOMAINS, data.get("outcome_domains"), f"{where}.outcome_domains"),
        provenance=check.provenance(data["provenance"], f"{where}.provenance"),  # type: ignore[arg-type]
        notes=data.get("notes"),
    )


def _population(data: Mapping[str, Any] | None, check: _Checker) -> Population | None:
    if data is None:
        return None
    return Population(
        species=check.term(vocab.SPECIES, data.get("species"), "population.species"),
        provenance=check.provenance(data["provenance"], "population.provenance"),  # type: ignore[arg-type]
        strain=data.get("strain"),
        sex=data.get("sex"),
        age=data.get("age"),
        oa_model=check.term(vocab.OA_MODELS, data.get("oa_model"), "population.oa_model"),
        induction=data.get("induction"),
        kellgren_lawrence=_opt_str(data.get("kellgren_lawrence")),
        bmi=data.get("bmi"),
        notes=data.get("notes"),
    )


def _arm(data: Mapping[str, Any], where: str, check: _Checker) -> Arm:
    prov = check.provenance(data.get("provenance"), f"{where}.provenance")
    check.stated(data.get("n"), prov, f"{where}.n", f"{where}.provenance")
    intervention = None
    if (given := data.get("intervention")) is not None:
        w = f"{where}.intervention"
        dose = None
        if (d := given.get("dose")) is not None:
            check.stated(d["value"], prov, f"{w}.dose.value", f"{where}.provenance")
            dose = Dose(float(d["value"]), check.term(vocab.DOSE_UNITS, d["unit"], f"{w}.dose.unit"))  # type: ignore[arg-type]
        intervention = Intervention(
            product=check.term(vocab.PRODUCTS, given.get("product"), f"{w}.product"),
            msc_source=check.term(vocab.MSC_SOURCES, given.get("msc_source"), f"{w}.msc_source"),
            donor=given.get("donor"),
            preparation=given.get("preparation"),
            dose=dose,
            route=check.term(vocab.ROUTES, given.get("route"), f"{w}.route"),
            schedule=given.get("schedule"),
        )
    return Arm(
        id=data["id"],
        role=check.term(vocab.ARM_ROLES, data["role"], f"{where}.role"),  # type: ignore[arg-type]
        label=data["label"],
        n=data.get("n"),
        intervention=intervention,
        provenance=prov,
        notes=data.get("notes"),
    )


def _arm_data(arm: str, data: Mapping[str, Any], where: str, prov: Provenance, check: _Checker) -> ArmData:
    values = {k: data.get(k) for k in ARM_STATISTICS}
    if all(values[k] is None for k in ("mean", "median", "events", "mean_change")):
        raise check.fail("needs a mean, a median, a mean change or a count of events", where, dict(data))
    for low, high in (("q1", "q3"), ("min", "max"), ("mean_ci_lb", "mean_ci_ub")):
        if (values[low] is None) != (values[high] is None):
            raise check.fail(f"{low} and {high} go together", f"{where}.{low if values[low] is None else high}")
        if values[low] is not None and values[low] > values[high]:
            raise check.fail(f"{low} is larger than {high} ({values[high]})", f"{where}.{low}", values[low])
    if values["mean_ci_lb"] is not None and values["mean"] is None:
        raise check.fail("a confidence interval of the mean needs the mean", f"{where}.mean_ci_lb")
    if values["mean_ci_lb"] is not None and not values["mean_ci_lb"] <= values["mean"] <= values["mean_ci_ub"]:
        raise check.fail("the mean lies outside its confidence interval", f"{where}.mean", values["mean"])
    for name in ("sd", "se", "sd_pre", "se_pre", "sd_change", "se_change"):
        if values[name] is not None and values[name] < 0:
            raise check.fail("must be >= 0", f"{where}.{name}", values[name])
    if values["events"] is not None and values["n"] is not None and values["events"] > values["n"]:
        raise check.fail(f"more events than n ({values['n']})", f"{where}.events", values["events"])
    for name, value in values.items():
        check.stated(value, prov, f"{where}.{name}", where.rsplit(".arm_data", 1)[0] + ".provenance")
    return ArmData(arm=arm, mean_ci_level=data.get("mean_ci_level", 0.95), **values)  # type: ignore[arg-type]


def _result(data: Mapping[str, Any], where: str, arms: Mapping[str, Arm], check: _Checker) -> StudyResult:
    prov: Provenance = check.provenance(data["provenance"], f"{where}.provenance")  # type: ignore[assignment]
    for role in ("treatment", "control"):
        arm_id = data.get(role)
        if arm_id is not None and arm_id not in arms:
            raise check.fail(f"not an arm of this study; arms: {', '.join(arms) or 'none'}", f"{where}.{role}", arm_id)
    compared = {data["treatment"], data.get("control")} - {None}
    kind = next(k for k in ("arm_data", "effect", "direction") if k in data)
    arm_data: list[ArmData] = []
    effect = None
    if kind == "arm_data":
        for arm_id, stats in data["arm_data"].items():
            if arm_id not in compared:
                raise check.fail(
                    f"arm_data must be for the compared arms ({', '.join(sorted(compared))})",
                    f"{where}.arm_data.{arm_id}",
                    arm_id,
                )
            arm_data.append(_arm_data(arm_id, stats, f"{where}.arm_data.{arm_id}", prov, check))
    elif kind == "effect":
        e = data["effect"]
        if data.get("control") is None:
            raise check.fail("an effect estimate needs the control arm it is relative to", f"{where}.control")
        if (e.get("ci_lb") is None) != (e.get("ci_ub") is None):
            raise check.fail("ci_lb and ci_ub go together", f"{where}.effect")
        if e.get("ci_lb") is not None and not e["ci_lb"] <= e["estimate"] <= e["ci_ub"]:
            raise check.fail("estimate lies outside its confidence interval", f"{where}.effect.estimate", e["estimate"])
        for name in ("estimate", "ci_lb", "ci_ub", "se"):
            check.stated(e.get(name), prov, f"{where}.effect.{name}", f"{where}.provenance")
        effect = Effect(e["measure"], e["estimate"], e.get("ci_lb"), e.get("ci_ub"), e.get("se"), e.get("level", 0.95))
    if data.get("p") is not None and (p := number_literal(data["p"])) is not None:
        check.stated(p, prov, f"{where}.p", f"{where}.provenance")  # type: ignore[arg-type]
    statistic = None
    if (stat := data.get("statistic")) is not None:
        for name in ("value", "df", "df2"):
            check.stated(stat.get(name), prov, f"{where}.statistic.{name}", f"{where}.provenance")
        statistic = Statistic(stat["name"], stat["value"], stat.get("df"), stat.get("df2"))
    group_sizes = []
    for arm_id, n in (data.get("group_sizes") or {}).items():
        if arm_id not in compared:
            raise check.fail(
                f"group_sizes must be for the compared arms ({', '.join(sorted(compared))})",
                f"{where}.group_sizes.{arm_id}",
                arm_id,
            )
        check.stated(n, prov, f"{where}.group_sizes.{arm_id}", f"{where}.provenance")
        group_sizes.append((arm_id, n))
    return StudyResult(
        outcome=check.term(vocab.OUTCOMES, data["outcome"], f"{where}.outcome"),  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        treatment=data["treatment"],
        provenance=prov,
        control=data.get("control"),
        timepoint=data.get("timepoint"),
        timepoint_days=data.get("timepoint_days"),
        arm_data=tuple(arm_data),
        effect=effect,
        direction=data.get("direction"),
        significant=data.get("significant"),
        p=data.get("p"),
        statistic=statistic,
        group_sizes=tuple(group_sizes),
        notes=data.get("notes"),
    )


def _risk_of_bias(data: Mapping[str, Any] | None, design: str, check: _Checker) -> RiskOfBias | None:
    """Every domain of the tool judged on its scale; a definite judgement needs the quote it rests on."""
    if data is None:
        return None
    tool = vocab.RISK_OF_BIAS_TOOLS[data["tool"]]
    if design not in tool.designs:
        raise check.fail(f"{tool.id} is for {', '.join(tool.designs)} studies", "risk_of_bias.tool", tool.id)
    domains = [domain for domain, _ in tool.domains]
    given = data["items"]
    if unknown := sorted(set(given) - set(domains)):
        raise check.fail(f"not a {tool.id} domain; domains: {', '.join(domains)}", f"risk_of_bias.items.{unknown[0]}")
    if missing := [d for d in domains if d not in given]:
        raise check.fail(f"every {tool.id} domain needs a judgement", f"risk_of_bias.items.{missing[0]}")
    items = []
    for domain in domains:
        item = given[domain]
        where = f"risk_of_bias.items.{domain}"
        if item["judgement"] not in tool.judgements:
            raise check.fail(
                f"not a {tool.id} judgement; one of {', '.join(tool.judgements)}", where, item["judgement"]
            )
        if not item.get("quote") and item["judgement"] not in tool.not_reported:
            raise check.fail(
                f"judgement {item['judgement']!r} needs the quote it rests on (not reported: "
                f"{' or '.join(tool.not_reported)})",
                f"{where}.quote",
            )
        items.append(
            RiskOfBiasItem(domain, item["judgement"], item.get("quote"), item.get("location"), item.get("notes"))
        )
    return RiskOfBias(tool=tool.id, source=data["source"], items=tuple(items), notes=data.get("notes"))


def parse_study(data: object, *, file: str | Path | None = None) -> Study:
    """Validate one study file's content (parsed YAML) and return it as a :class:`Study`.

    Parameters
    ----------
    data : object
        The parsed YAML document.
    file : str or Path, optional
        The file it came from; named in errors, and its stem must equal the study id.

    Returns
    -------
    Study
        Frozen; vocabulary fields hold ids.

    Raises
    ------
    InputError
        The first problem, naming file, record (study id), field path and value.

    Examples
    --------
    >>> study = parse_study({"id": "x-2020-demo", "schema_version": 1, "design": "RCT",
    ...     "reference": {"authors": ["X A"], "year": 2020, "title": "Demo"}})
    >>> study.design
    'clinical_rct'
    >>> parse_study({"id": "x-2020-demo", "schema_version": 1, "design": "RCT",
    ...     "reference": {"authors": ["X A"], "year": "2020", "title": "Demo"}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: record 'x-2020-demo', field 'reference.year': value is not of type ...
    """
    file_name = None if file is None else str(file)
    if not isinstance(data, dict):
        raise InputError("a study file must be a YAML mapping", file=file_name, value=type(data).__name__)
    study_id = data.get("id") if isinstance(data.get("id"), str) else None
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        where, reason, value = _structure_error(errors[0], data)
        raise InputError(reason, file=file_name, record=study_id, field=where or None, value=value)
    check = _Checker(data["id"], file_name)
    if file is not None and Path(file).stem != data["id"]:
        raise check.fail(f"the file must be named after the id ({data['id']}.yaml)", "id", data["id"])
    arms: dict[str, Arm] = {}
    for i, arm_data in enumerate(data.get("arms") or ()):
        if arm_data["id"] in arms:
            raise check.fail("duplicate arm id", f"arms[{i}].id", arm_data["id"])
        arms[arm_data["id"]] = _arm(arm_data, f"arms[{i}]", check)
    results = tuple(_result(r, f"results[{i}]", arms, check) for i, r in enumerate(data.get("results") or ()))
    design: str = check.term(vocab.DESIGNS, data["design"], "design")  # type: ignore[assignment]
    return Study(
        id=data["id"],
        schema_version=data["schema_version"],
        reference=_reference(data["reference"], check),
        design=design,
        classification=_classification(data.get("classification"), check),
        population=_population(data.get("population"), check),
        arms=tuple(arms.values()),
        results=results,
        risk_of_bias=_risk_of_bias(data.get("risk_of_bias"), design, check),
        source_quality=data.get("source_quality", "primary"),
        scope=data.get("scope", "msc_therapy"),
        notes=data.get("notes"),
        file=file_name,
    )


def write_study_json_schema(path: str | Path) -> Path:
    """Write :func:`study_json_schema` to *path* (how ``study.schema.json`` is regenerated)."""
    text = json.dumps(study_json_schema(), indent=2, ensure_ascii=False) + "\n"
    return atomic_write_text(path, text)


SCHEMA_FILE = Path(__file__).with_name("study.schema.json")
"""The committed JSON Schema; ``tests/evidence/test_schema.py`` checks it equals :func:`study_json_schema`."""
