"""The Extraction view: forms for a study, its arms, results and risk of bias, written to the store.

A form is only parsed here: its fields become the part of a study document they stand for, and
:func:`~secretome.evidence.save_study` validates the whole document with the study file schema
(:func:`~secretome.evidence.parse_study`), so a form is refused with the messages a curator's YAML
file gets (a result without source, location, quote or status; a number its quote does not state).
A refused form is shown again with what was typed and the field named; nothing is written. Every
save is a ``study.edit`` of the audit log, undone from this view or from the Audit log.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from secretome import vocab
from secretome.errors import InputError
from secretome.evidence import (
    SCHEMA_VERSION,
    audit_log,
    parse_study,
    save_study,
    study_document,
    study_json_schema,
    undo_change,
)
from secretome.serve._pages import bench, call, form_fields, page, render
from secretome.serve._query import QueryCheck, search_or_defaults
from secretome.serve._security import may

__all__ = [
    "arm_values",
    "classification_values",
    "extraction_routes",
    "form_field",
    "population_values",
    "result_values",
    "risk_of_bias_values",
    "study_values",
    "with_arm",
    "with_classification",
    "with_population",
    "with_result",
    "with_risk_of_bias",
    "with_study",
    "without_item",
]

# What a paper states per arm, as the result form asks for it (the schema knows more: see ARM_STATISTICS).
ARM_FIELDS = ("n", "mean", "sd", "se", "median", "q1", "q3")
PROVENANCE_FIELDS = ("source", "location", "quote", "status", "method")
# The closed lists of the forms are the schema's own, so a form never offers what the schema refuses.
_SCHEMA = study_json_schema()
_RESULT = _SCHEMA["properties"]["results"]["items"]["properties"]
STATUSES = tuple(_SCHEMA["$defs"]["provenance"]["properties"]["status"]["enum"])
EFFECT_MEASURES = tuple(_RESULT["effect"]["properties"]["measure"]["enum"])
DIRECTIONS = tuple(_RESULT["direction"]["enum"])
SOURCE_QUALITIES = tuple(_SCHEMA["properties"]["source_quality"]["enum"])
_INTEGER = re.compile(r"[+-]?\d+")
_FORMS = ("study", "arm", "result", "risk_of_bias")


# ---------------------------------------------------------------- form fields -> study document


def _text(form: dict[str, str], name: str) -> str | None:
    value = form.get(name, "").strip()
    return value or None


def _number(form: dict[str, str], name: str) -> int | float | str | None:
    """A number as typed; text that is not one is passed on, and the schema names the field."""
    text = form.get(name, "").strip()
    if not text:
        return None
    if _INTEGER.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _given(data: dict[str, Any]) -> dict[str, Any]:
    # Empty fields are left out, not null, so a missing required field is "is required" (the schema's words).
    return {k: v for k, v in data.items() if v is not None and v != {}}


def _provenance(form: dict[str, str]) -> dict[str, Any]:
    return _given({name: _text(form, name) for name in PROVENANCE_FIELDS})


def with_study(document: dict[str, Any], form: dict[str, str], new: bool) -> tuple[dict[str, Any], str]:
    """*document* with the study form's reference, design and source quality; and what changed, one line."""
    reference = dict(document.get("reference") or {})
    authors = [line.strip() for line in form.get("authors", "").splitlines() if line.strip()]
    reference.update(authors=authors, year=_number(form, "year"), title=_text(form, "title"))
    for name in ("journal", "doi", "pmid", "url"):
        reference[name] = _text(form, name)
    document = dict(document)
    if new:
        document.update(id=form.get("id", "").strip(), schema_version=SCHEMA_VERSION)
    document.update(reference=_given(reference), design=_text(form, "design"))
    document["source_quality"] = _text(form, "source_quality") or "primary"
    return _given(document), "study created" if new else "study details changed"


def _overlay(old: dict[str, Any] | None, fields: dict[str, Any]) -> dict[str, Any]:
    """*old* with the fields a form manages set from *fields* (a blank one removed); the rest of *old* is kept.

    An edit through a form never drops what the form does not show (a result's test statistic, an
    arm's donor, a change from baseline): the form changes only its own fields.

    >>> _overlay({"n": 6, "mean_change": -2.5}, {"n": 7, "mean": None})
    {'n': 7, 'mean_change': -2.5}
    """
    merged = dict(old or {})
    for key, value in fields.items():
        if value is None or value == {}:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def with_arm(document: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """*document* with the arm of the arm form added, or changed when its id exists; and what changed."""
    arms = list(document.get("arms") or [])
    arm_id = _text(form, "arm_id")
    index = next((i for i, a in enumerate(arms) if arm_id and a.get("id") == arm_id), None)
    old = arms[index] if index is not None else {}
    given = old.get("intervention") or {}
    dose = _overlay(given.get("dose"), {"value": _number(form, "dose_value"), "unit": _text(form, "dose_unit")})
    intervention = _overlay(
        given,
        {
            "product": _text(form, "product"),
            "msc_source": _text(form, "msc_source"),
            "dose": dose or None,
            "route": _text(form, "route"),
            "schedule": _text(form, "schedule"),
        },
    )
    arm = _overlay(
        old,
        {
            "id": arm_id,
            "role": _text(form, "role"),
            "label": _text(form, "label"),
            "n": _number(form, "n"),
            "intervention": intervention or None,
            "provenance": _provenance(form) or None,
            "notes": _text(form, "notes"),
        },
    )
    if index is not None:
        arms[index] = arm
        return {**document, "arms": arms}, f"arm {arm_id} changed"
    arms.append(arm)
    return {**document, "arms": arms}, f"arm {arm_id or '(no id)'} added"


def with_result(document: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """*document* with the result form's result added, or put at ``position``; and what changed."""
    results = list(document.get("results") or [])
    position = form.get("position", "")
    editing = position.isdigit() and int(position) < len(results)
    old = results[int(position)] if editing else {}
    fields = {
        "outcome": _text(form, "outcome"),
        "timepoint": _text(form, "timepoint"),
        "timepoint_days": _number(form, "timepoint_days"),
        "treatment": _text(form, "treatment"),
        "control": _text(form, "control"),
        "significant": {"yes": True, "no": False}.get(form.get("significant", "")),
        "p": _text(form, "p"),
        "notes": _text(form, "notes"),
    }
    kind = form.get("kind", "arm_data")
    kinds = dict.fromkeys(("arm_data", "effect", "direction"))  # the other two kinds are removed
    if kind == "arm_data":
        old_data = old.get("arm_data") or {}
        arm_data = {}
        for role in ("treatment", "control"):
            arm = fields[role]
            stats = _overlay(old_data.get(arm), {name: _number(form, f"{role}_{name}") for name in ARM_FIELDS})
            if arm and stats:
                arm_data[arm] = stats
        kinds["arm_data"] = arm_data
    elif kind == "effect":
        names = ("measure", "estimate", "ci_lb", "ci_ub", "se")
        effect = {n: _text(form, n) if n == "measure" else _number(form, n) for n in names}
        kinds["effect"] = _overlay(old.get("effect"), effect)
    else:
        kinds["direction"] = _text(form, "direction")
    result = _overlay(old, fields | kinds)
    if kind == "arm_data":
        result.setdefault("arm_data", {})  # an empty table is the schema's to refuse ("should be non-empty")
    # Always there, even empty: a missing part is then named by the schema ("provenance.source: is required").
    result["provenance"] = _provenance(form)
    if editing:
        results[int(position)] = result
        return {**document, "results": results}, f"result {position} changed"
    results.append(result)
    return {**document, "results": results}, f"result {len(results) - 1} added"


def with_risk_of_bias(document: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """*document* with the risk-of-bias form's judgements (one tool, every domain); and what changed."""
    tool_id = form.get("tool", "")
    tool = vocab.RISK_OF_BIAS_TOOLS.get(tool_id)
    old = document.get("risk_of_bias") or {}
    old = old if old.get("tool") == tool_id else {}  # another tool's domains are not this one's
    items = {}
    for domain, _ in tool.domains if tool else ():
        fields = {name: _text(form, f"{domain}_{name}") for name in ("judgement", "quote", "location")}
        items[domain] = _overlay((old.get("items") or {}).get(domain), fields)
    fields = {"tool": tool_id or None, "source": _text(form, "rob_source"), "notes": _text(form, "rob_notes")}
    rob = _overlay(old, fields) | {"items": items}
    return {**document, "risk_of_bias": rob}, f"risk of bias ({tool_id}) judged"


_CLASSIFICATION_LISTS = ("msc_sources", "products", "species", "outcome_domains")
_POPULATION_TEXTS = ("strain", "sex", "age", "induction", "kellgren_lawrence", "bmi", "notes")


def with_classification(document: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """*document* with the curator's classification of the form (lists are one id a line); and what changed."""
    lists = {name: [v for v in form.get(name, "").splitlines() if v] or None for name in _CLASSIFICATION_LISTS}
    fields = lists | {"notes": _text(form, "notes")}
    classification = _overlay(document.get("classification"), fields)
    if not any(lists.values()) and not _provenance(form):
        return {k: v for k, v in document.items() if k != "classification"}, "classification removed"
    classification["provenance"] = _provenance(form)  # always there: the schema names a missing part
    return {**document, "classification": classification}, "classification changed"


def with_population(document: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """*document* with the population of the form (species, OA model, ...); and what changed."""
    fields = {name: _text(form, name) for name in ("species", "oa_model", *_POPULATION_TEXTS)}
    population = _overlay(document.get("population"), fields)
    if not any(fields.values()) and not _provenance(form):
        return {k: v for k, v in document.items() if k != "population"}, "population removed"
    population["provenance"] = _provenance(form)
    return {**document, "population": population}, "population changed"


def without_item(document: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """*document* without the result or arm the form names (``result:2``, ``arm:cm``); and what changed."""
    what, _, key = form.get("remove", "").partition(":")
    if what == "result" and key.isdigit() and int(key) < len(document.get("results") or []):
        results = list(document["results"])
        del results[int(key)]
        return {**document, "results": results}, f"result {key} removed"
    if what == "arm" and any(a.get("id") == key for a in document.get("arms") or []):
        # A result that compares this arm then fails validation, naming it: remove the result first.
        return {**document, "arms": [a for a in document["arms"] if a.get("id") != key]}, f"arm {key} removed"
    raise InputError("not a result or arm of this study", field="remove", value=form.get("remove"))


# ---------------------------------------------------------------- study document -> form fields


def study_values(document: dict[str, Any]) -> dict[str, str]:
    """The study form's fields filled from *document*."""
    ref = document.get("reference") or {}
    values = {name: _shown(ref.get(name)) for name in ("title", "year", "journal", "doi", "pmid", "url")}
    values |= {"authors": "\n".join(ref.get("authors") or []), "design": document.get("design", "")}
    return values | {"id": document.get("id", ""), "source_quality": document.get("source_quality", "primary")}


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _provenance_values(prov: dict[str, Any] | None) -> dict[str, str]:
    return {name: _shown((prov or {}).get(name)) for name in PROVENANCE_FIELDS}


_INTERVENTION_FIELDS = ("product", "msc_source", "route", "schedule")


def arm_values(arm: dict[str, Any]) -> dict[str, str]:
    """The arm form's fields filled from *arm*; ``kept`` lists what the form does not show."""
    given = arm.get("intervention") or {}
    dose = given.get("dose") or {}
    values = {"arm_id": arm.get("id", ""), "role": arm.get("role", ""), "label": arm.get("label", "")}
    values |= {"n": _shown(arm.get("n")), "notes": _shown(arm.get("notes"))}
    values |= {name: _shown(given.get(name)) for name in _INTERVENTION_FIELDS}
    values |= {"dose_value": _shown(dose.get("value")), "dose_unit": _shown(dose.get("unit"))}
    kept = [f"intervention.{name}" for name in given if name not in (*_INTERVENTION_FIELDS, "dose")]
    return values | _provenance_values(arm.get("provenance")) | {"kept": ", ".join(kept)}


def result_values(result: dict[str, Any], position: int) -> dict[str, str]:
    """The result form's fields filled from *result* (at *position*); ``kept`` lists what the form does not show."""
    values = {n: _shown(result.get(n)) for n in ("outcome", "timepoint", "timepoint_days", "treatment", "control")}
    values |= {"position": str(position), "p": _shown(result.get("p")), "notes": _shown(result.get("notes"))}
    values["significant"] = {True: "yes", False: "no"}.get(result.get("significant"), "")
    kind = next((k for k in ("arm_data", "effect", "direction") if k in result), "arm_data")
    values["kind"] = kind
    for role in ("treatment", "control"):
        stats = (result.get("arm_data") or {}).get(result.get(role) or "", {})
        values |= {f"{role}_{name}": _shown(stats.get(name)) for name in ARM_FIELDS}
    values |= {n: _shown((result.get("effect") or {}).get(n)) for n in ("measure", "estimate", "ci_lb", "ci_ub", "se")}
    values["direction"] = _shown(result.get("direction"))
    return values | _provenance_values(result.get("provenance")) | {"kept": ", ".join(_kept(result))}


_RESULT_FIELDS = {"outcome", "timepoint", "timepoint_days", "treatment", "control", "significant", "p", "notes"}
_RESULT_FIELDS |= {"provenance", "arm_data", "effect", "direction"}


def _kept(result: dict[str, Any]) -> list[str]:
    """What of *result* the form does not show (and an edit keeps), as field paths.

    >>> _kept({"outcome": "x", "statistic": {"name": "t"}, "arm_data": {"cm": {"n": 6, "mean_change": 1}}})
    ['statistic', 'arm_data.cm.mean_change']
    """
    kept = [name for name in result if name not in _RESULT_FIELDS]
    for arm, stats in (result.get("arm_data") or {}).items():
        kept += [f"arm_data.{arm}.{name}" for name in stats if name not in ARM_FIELDS]
    effect = result.get("effect") or {}
    return kept + [f"effect.{name}" for name in effect if name not in ("measure", "estimate", "ci_lb", "ci_ub", "se")]


def risk_of_bias_values(rob: dict[str, Any] | None) -> dict[str, str]:
    """The risk-of-bias form's fields filled from *rob*."""
    rob = rob or {}
    values = {"tool": _shown(rob.get("tool")), "rob_source": _shown(rob.get("source"))}
    values["rob_notes"] = _shown(rob.get("notes"))
    for domain, item in (rob.get("items") or {}).items():
        values |= {f"{domain}_{name}": _shown(item.get(name)) for name in ("judgement", "quote", "location")}
    return values


def classification_values(classification: dict[str, Any] | None) -> dict[str, str]:
    """The classification form's fields filled from *classification* (lists one id a line)."""
    given = classification or {}
    values = {name: "\n".join(given.get(name) or []) for name in _CLASSIFICATION_LISTS}
    return values | {"notes": _shown(given.get("notes"))} | _provenance_values(given.get("provenance"))


def population_values(population: dict[str, Any] | None) -> dict[str, str]:
    """The population form's fields filled from *population*."""
    given = population or {}
    values = {name: _shown(given.get(name)) for name in ("species", "oa_model", *_POPULATION_TEXTS)}
    return values | _provenance_values(given.get("provenance"))


def form_field(form: str, path: str | None, values: dict[str, str]) -> str | None:
    """The form field that a schema error's field path (``results[2].arm_data.cm.mean``) is about.

    >>> form_field("result", "results[2].arm_data.cm.mean", {"treatment": "cm"})
    'treatment_mean'
    >>> form_field("arm", "arms[0].intervention.dose.value", {})
    'dose_value'
    """
    if not path:
        return None
    inner = re.sub(r"^(results|arms)\[\d+\]\.?|^(reference|risk_of_bias|classification|population)\.", "", path)
    parts = inner.split(".")
    if form == "classification" and (listed := re.sub(r"\[\d+\]$", "", parts[0])) in _CLASSIFICATION_LISTS:
        return listed  # msc_sources[1]: the list's field
    if parts[0] in ("provenance", "effect", "intervention") and len(parts) > 1:
        parts = parts[1:]
    if form == "result" and parts[0] == "arm_data" and len(parts) == 3:
        role = next((r for r in ("treatment", "control") if values.get(r) == parts[1]), "treatment")
        return f"{role}_{parts[2]}"
    if form == "arm":
        return {"id": "arm_id", "dose": "dose_value"}.get(parts[0], "_".join(parts))
    if form == "risk_of_bias":
        if parts[0] == "items" and len(parts) >= 2:
            return f"{parts[1]}_{parts[2] if len(parts) > 2 else 'judgement'}"
        return {"source": "rob_source", "notes": "rob_notes"}.get(parts[0], parts[0])
    return parts[0]


# ---------------------------------------------------------------- pages


def _options(terms: vocab.Vocabulary[Any]) -> list[tuple[str, str]]:
    return [(term_id, terms[term_id].label) for term_id in terms]


_CHOICES = {
    "designs": _options(vocab.DESIGNS),
    "roles": _options(vocab.ARM_ROLES),
    "products": _options(vocab.PRODUCTS),
    "msc_sources": _options(vocab.MSC_SOURCES),
    "dose_units": _options(vocab.DOSE_UNITS),
    "routes": _options(vocab.ROUTES),
    "outcomes": sorted(_options(vocab.OUTCOMES), key=lambda o: o[1].lower()),
    "statuses": [(s, s) for s in STATUSES],
    "measures": [(m, m) for m in EFFECT_MEASURES],
    "directions": [(d, d.replace("_", " ")) for d in DIRECTIONS],
    "source_qualities": [(q, q) for q in SOURCE_QUALITIES],
    "arm_fields": ARM_FIELDS,
    "species": _options(vocab.SPECIES),
    "oa_models": _options(vocab.OA_MODELS),
    "outcome_domains": _options(vocab.OUTCOME_DOMAINS),
}


async def _study_page(
    request: Request, study_id: str, *, failed: str | None = None, error: InputError | None = None, status: int = 200
) -> Response:
    workbench = bench(request)
    document, base = await call(study_document, workbench.store, study_id)
    study = parse_study(document)
    params = request.query_params
    results = document.get("results") or []
    arms = document.get("arms") or []
    prefill = {
        "study": study_values(document),
        "arm": next((arm_values(a) for a in arms if a.get("id") == params.get("arm")), {"role": "treatment"}),
        "result": {"kind": "arm_data", "status": "verbatim"},
        "risk_of_bias": risk_of_bias_values(document.get("risk_of_bias")),
        "classification": classification_values(document.get("classification")),
        "population": population_values(document.get("population")),
    }
    if params.get("result", "").isdigit() and int(params["result"]) < len(results):
        prefill["result"] = result_values(results[int(params["result"])], int(params["result"]))
    tools = [t for t in vocab.RISK_OF_BIAS_TOOLS.values() if study.design in t.designs]
    if params.get("tool") in vocab.RISK_OF_BIAS_TOOLS:
        prefill["risk_of_bias"]["tool"] = params["tool"]
    invalid = None
    if failed is not None:
        prefill[failed] = _submitted(request)
        invalid = form_field(failed, error.field if error else None, prefill[failed])
    tool = vocab.RISK_OF_BIAS_TOOLS.get(prefill["risk_of_bias"].get("tool") or (tools[0].id if tools else ""))
    log = await call(audit_log, workbench.store, limit=500)
    target = f"study {study_id}"
    edits = [e for e in log.entries if e.target == target and e.action.startswith("study.")][:20]
    context = {"study": study, "base": base, "prefill": prefill, "failed": failed, "error": error}
    context |= {"invalid": invalid, "tools": tools, "tool": tool, "edits": edits, "choices": _CHOICES}
    context["arm_choices"] = [(arm.id, f"{arm.id}: {arm.label}") for arm in study.arms]
    context["judgements"] = [(j, j.replace("_", " ")) for j in tool.judgements] if tool else []
    context["message"] = params.get("message", "")
    return render(request, "extraction.html", context, status=status)


@page("reviewer")
async def extraction_index(request: Request) -> Response:
    return await _index_page(request)


async def _index_page(request: Request, *, error: InputError | None = None, status: int = 200) -> Response:
    workbench = bench(request)
    check = QueryCheck(request.query_params)
    query = {"text": request.query_params.get("q", "").strip() or None, "per_page": 25}
    found = await call(search_or_defaults, workbench.store, query, check)
    text = query["text"] or ""
    prefill = form_fields(request) if error is not None else {"source_quality": "primary"}
    invalid = form_field("study", error.field, prefill) if error is not None else None
    context = {"found": found, "q": text, "prefill": {"study": prefill}, "error": error, "invalid": invalid}
    context["failed"] = "study" if error is not None else None
    context |= {"choices": _CHOICES, "message": request.query_params.get("message", ""), "problems": check.problems}
    return render(request, "extraction_index.html", context, status=max(status, check.status))


@page("reviewer")
async def extraction_study(request: Request) -> Response:
    return await _study_page(request, request.path_params["study_id"])


def _back(study_id: str, message: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/extraction/{study_id}?{urlencode({'message': message})}{anchor}", status_code=303)


Part = Callable[[dict[str, Any], dict[str, str]], tuple[dict[str, Any], str]]


def _submitted(request: Request) -> dict[str, str]:
    """The form's fields; a multiple choice (the classification's lists) as one value a line."""
    lists = {name: "\n".join(map(str, request.state.form.getlist(name))) for name in _CLASSIFICATION_LISTS}
    return form_fields(request) | {name: value for name, value in lists.items() if value}


def _save_route(form_name: str, part: Part, anchor: str) -> Callable[[Request], Any]:
    @page("reviewer", write=True)
    async def save(request: Request) -> Response:
        workbench = bench(request)
        study_id = request.path_params["study_id"]
        form = _submitted(request)
        document, base = await call(study_document, workbench.store, study_id)
        try:
            document, change = part(document, form)
            saved = await call(
                save_study,
                workbench.store,
                document,
                request.state.user.username,
                change=change,
                base=form.get("base") or base,
            )
        except InputError as exc:
            return await _study_page(request, study_id, failed=form_name, error=exc, status=400)
        if saved is None:
            return _back(study_id, "nothing changed, nothing saved", anchor)
        await call(workbench.studies_changed, [study_id])
        return _back(study_id, f"saved: {change}", anchor)

    save.__name__ = f"save_{form_name}"
    return save


@page("reviewer", write=True)
async def extraction_new(request: Request) -> Response:
    workbench = bench(request)
    form = form_fields(request)
    try:
        document, change = with_study({}, form, new=True)
        await call(save_study, workbench.store, document, request.state.user.username, change=change, new=True)
    except InputError as exc:
        return await _index_page(request, error=exc, status=400)
    await call(workbench.studies_changed, [document["id"]])
    return _back(document["id"], f"saved: {change}")


@page("reviewer", write=True)
async def extraction_undo(request: Request) -> Response:
    workbench = bench(request)
    form = form_fields(request)
    user = request.state.user
    study_id = form.get("study_id", "")
    undone = await call(undo_change, workbench.store, form.get("change", ""), user.username, admin=may(user, "admin"))
    message = undone.message
    await call(workbench.studies_changed, [study_id])
    try:
        await call(study_document, workbench.store, study_id)
    except InputError:  # the undone edit had created the study
        return RedirectResponse(f"/extraction?{urlencode({'message': message})}", status_code=303)
    return _back(study_id, message)


def extraction_routes() -> list[Route]:
    """The routes of the Extraction view (all of them write or lead to a write: none in read-only mode)."""

    def study_part(document: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, Any], str]:
        return with_study(document, form, new=False)

    return [
        Route("/extraction", extraction_index),
        Route("/extraction/new", extraction_new, methods=["POST"]),
        Route("/extraction/undo", extraction_undo, methods=["POST"]),
        Route("/extraction/{study_id}", extraction_study),
        Route("/extraction/{study_id}/study", _save_route("study", study_part, "#study"), methods=["POST"]),
        Route("/extraction/{study_id}/arm", _save_route("arm", with_arm, "#arms"), methods=["POST"]),
        Route("/extraction/{study_id}/result", _save_route("result", with_result, "#results"), methods=["POST"]),
        Route(
            "/extraction/{study_id}/risk-of-bias",
            _save_route("risk_of_bias", with_risk_of_bias, "#risk-of-bias"),
            methods=["POST"],
        ),
        Route("/extraction/{study_id}/remove", _save_route("remove", without_item, ""), methods=["POST"]),
        Route(
            "/extraction/{study_id}/classification",
            _save_route("classification", with_classification, "#classification"),
            methods=["POST"],
        ),
        Route(
            "/extraction/{study_id}/population",
            _save_route("population", with_population, "#population"),
            methods=["POST"],
        ),
    ]
