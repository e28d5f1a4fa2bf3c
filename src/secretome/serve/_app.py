"""The workbench: a Starlette application over one evidence store.

Every route parses the request, calls one function of ``evidence``, ``report``, ``meta`` or
``model`` (in a worker thread: the store is synchronous SQLAlchemy) and renders a Jinja2 template
with autoescaping on, so every string from a user or a paper is escaped. Write routes exist only
when the store is writable: in read-only mode they are not registered at all.
"""

from __future__ import annotations

import base64
import io
import math
import secrets
import threading
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from secretome import vocab
from secretome.errors import InputError, SecretomeError
from secretome.evidence import (
    FACETS,
    SORT_KEYS,
    SignInError,
    Store,
    audit_log,
    decide,
    end_session,
    evidence_map,
    get_record,
    get_studies,
    get_study,
    open_store,
    pending_records,
    prisma_counts,
    resolve_conflict,
    screening_progress,
    search_studies,
    sign_in,
    study_files,
    sync_facets,
    undo_change,
)
from secretome.meta import METHODS
from secretome.report import NO_HETEROGENEITY, analysis_dataset
from secretome.serve._claims import Claims
from secretome.serve._explorer import (
    MAX_SUBJECTS,
    default_request,
    dosable_presets,
    explore,
    explorer_request,
    form_options,
    outcome_evidence,
)
from secretome.serve._extraction import extraction_routes
from secretome.serve._pages import bench as _bench  # shared with the Extraction view; short names kept
from secretome.serve._pages import call as _call
from secretome.serve._pages import form_fields as _form
from secretome.serve._pages import is_htmx as _hx
from secretome.serve._pages import page as _page
from secretome.serve._pages import render as _render
from secretome.serve._priority import PRIORITIES, CachedPriority
from secretome.serve._query import STUDY_DEFAULTS, QueryCheck, search_or_defaults
from secretome.serve._security import (
    CSRF_COOKIE,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    csrf_ok,
    may,
    new_csrf_seed,
)
from secretome.serve._settings import ServeSettings
from secretome.serve._synthesis import SUBGROUPS, analyse, analysis_choices

__all__ = ["create_app"]

_HERE = Path(__file__).parent
_LABELS: dict[str, Any] = {
    "design": vocab.DESIGNS,
    "species": vocab.SPECIES,
    "oa_model": vocab.OA_MODELS,
    "msc_source": vocab.MSC_SOURCES,
    "product": vocab.PRODUCTS,
    "outcome_domain": vocab.OUTCOME_DOMAINS,
    "outcome": vocab.OUTCOMES,
}
_OTHER_LABELS = {
    "evidence_level": {"in_vitro": "In vitro", "animal": "Animal", "clinical": "Clinical", "review": "Review"},
    "risk_of_bias": {
        "high": "High risk in a domain",
        "not_high": "No domain at high risk",
        "not_assessed": "Not assessed",
    },
    "source_quality": {"primary": "Primary source", "secondary": "Secondary source only"},
}
_STAGES = {"title_abstract": "Title and abstract", "full_text": "Full text"}


def label(kind: str, value: str | None) -> str:
    """The reader's label of a vocabulary id (the id itself when it has none)."""
    if value is None:
        return "-"
    terms = _LABELS.get(kind)
    if terms is not None and value in terms:
        return terms[value].label
    return _OTHER_LABELS.get(kind, {}).get(value, value.replace("_", " "))


def source_href(source: str) -> str | None:
    """A link for a provenance source: a DOI, PMID or http(s) URL; ``None`` for anything else."""
    text = source.strip()
    lower = text.lower()
    if lower.startswith("doi:"):
        return "https://doi.org/" + text[4:].strip()
    if lower.startswith("pmid:") and text[5:].strip().isdigit():
        return f"https://pubmed.ncbi.nlm.nih.gov/{text[5:].strip()}/"
    if lower.startswith(("https://", "http://")):
        return text  # only http(s): a javascript: or data: "source" never becomes a link
    return None


class _Workbench:
    """The state of one running app: settings, store, secret, templates and the cached analysis data."""

    def __init__(self, settings: ServeSettings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.secret = secrets.token_bytes(32)
        self.priority = CachedPriority(PRIORITIES[settings.order])
        self.claims = Claims()
        self.env = Environment(
            loader=FileSystemLoader(_HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals |= {"label": label, "source_href": source_href, "FACETS": FACETS, "STAGES": _STAGES}
        self.env.globals["NO_HETEROGENEITY"] = NO_HETEROGENEITY
        self.env.filters["number"] = _number
        self._lock = threading.Lock()
        self._data: tuple[list, pd.DataFrame] | None = None

    def analysis_data(self) -> tuple[list, pd.DataFrame]:
        """The studies and the analysis dataset, computed once until a study changes."""
        with self._lock:
            if self._data is None:
                studies = list(get_studies(self.store))
                self._data = (studies, analysis_dataset(studies))
            return self._data

    def studies_changed(self, study_ids: list[str]) -> None:
        """Forget cached analysis data and re-derive the facets of *study_ids*."""
        sync_facets(self.store, study_ids)
        with self._lock:
            self._data = None


def _number(value: float | None, spec: str, missing: str = "not available") -> str:
    """*value* formatted by the %-*spec*, or *missing* for ``None`` or NaN: metafor's NA (I^2 when a sampling
    variance is 0) or a refit that did not converge must read as words, never as "None" or "nan"."""
    return missing if value is None or math.isnan(value) else spec % value


# ---------------------------------------------------------------- overview, studies, map


@_page()
async def overview(request: Request) -> Response:
    bench = _bench(request)
    prisma = await _call(prisma_counts, bench.store)
    counts = (await _call(search_studies, bench.store, per_page=1)).counts
    studies, dataset = await _call(bench.analysis_data)
    findings = []
    for choice in analysis_choices(dataset):
        findings.append((choice, await _call(analyse, dataset, choice.key)))
    directions = _directions(dataset)
    changes = (await _call(audit_log, bench.store, limit=10)).entries
    return _render(
        request,
        "overview.html",
        {"prisma": prisma, "counts": counts, "n_studies": len(studies), "findings": findings, "directions": directions}
        | {"changes": changes},
    )


def _directions(dataset: pd.DataFrame) -> list[tuple[str, int, int, int, int]]:
    """Per outcome domain: selected results of primary studies by stated direction (rules D3, D5)."""
    if dataset.empty:
        return []
    chosen = dataset[dataset["selected"]]
    rows = []
    for domain, group in chosen.groupby("domain"):
        benefit = group["benefit"]
        rows.append(
            (
                str(domain),
                int((benefit == 1).sum()),
                int((benefit == -1).sum()),
                int((benefit == 0).sum()),
                int(benefit.isna().sum()),
            )
        )
    return rows


def _study_query(check: QueryCheck) -> dict[str, Any]:
    params = check.params
    filters = {facet: [v for v in params.getlist(facet) if v] for facet in FACETS if params.getlist(facet)}
    return {
        "filters": filters,
        "text": params.get("q", "").strip() or None,
        "sort": check.choice("sort", SORT_KEYS, "id"),
        "descending": params.get("desc") == "1",
        "page": check.whole_number("page", STUDY_DEFAULTS["page"]),
        "per_page": check.whole_number("per_page", STUDY_DEFAULTS["per_page"]),
    }


@_page()
async def studies(request: Request) -> Response:
    bench = _bench(request)
    check = QueryCheck(request.query_params)
    query = _study_query(check)
    result = await _call(search_or_defaults, bench.store, query, check)
    context = {"page": result, "query": query, "params": check.kept(), "problems": check.problems}
    if _hx(request):  # 200: htmx swaps in no 4xx answer, and the fragment carries the problem line itself
        return _render(request, "_studies_table.html", context)
    return _render(request, "studies.html", context, status=check.status)


@_page()
async def study(request: Request) -> Response:
    bench = _bench(request)
    found = await _call(get_study, bench.store, request.path_params["study_id"])
    return _render(request, "study.html", {"study": found})


@_page()
async def evidence_map_view(request: Request) -> Response:
    bench = _bench(request)
    emap = await _call(evidence_map, bench.store)
    rows = sorted({(c.msc_source, c.product) for c in emap.cells})
    columns = sorted({c.outcome_domain for c in emap.cells})
    designs = sorted({c.design for c in emap.cells})
    check = QueryCheck(request.query_params)
    design = check.choice("design", designs, "")
    cells: dict[tuple[str, str, str], set[str]] = {}
    for c in emap.cells:
        if not design or c.design == design:
            cells.setdefault((c.msc_source, c.product, c.outcome_domain), set()).update(c.study_ids)
    peak = max((len(v) for v in cells.values()), default=1)
    context = {"emap": emap, "rows": rows, "columns": columns, "cells": cells, "design": design, "designs": designs}
    context |= {"peak": peak, "problems": check.problems}
    return _render(request, "map.html", context, status=check.status)


@_page()
async def corpus_download(request: Request) -> Response:
    """Every study of the store as its study file, in one zip: the corpus folder a team reviews and commits."""
    files = await _call(study_files, _bench(request).store)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, (_, text) in files.items():
            archive.writestr(f"studies/{name}", text)
    headers = {"content-disposition": 'attachment; filename="studies.zip"'}
    return Response(buffer.getvalue(), media_type="application/zip", headers=headers)


# ---------------------------------------------------------------- synthesis


def _synthesis_args(request: Request) -> dict[str, Any]:
    params = request.query_params
    return {
        "method": params.get("method", "REML"),
        "subgroup": params.get("subgroup", ""),
        "omit": params.get("omit", ""),
        "without_high_risk": params.get("no_high_risk") == "1",
        "with_secondary": params.get("with_secondary") == "1",
    }


@_page()
async def synthesis(request: Request) -> Response:
    bench = _bench(request)
    _, dataset = await _call(bench.analysis_data)
    choices = analysis_choices(dataset)
    key = request.query_params.get("analysis") or (choices[0].key if choices else "")
    args = _synthesis_args(request)
    analysis, error, svg = None, None, None
    if key:
        try:
            analysis = await _call(analyse, dataset, key, **args)
            # As an image, not inline: matplotlib's SVG styles itself with style attributes, which the
            # Content-Security-Policy (style-src 'self') blocks inline, and the plot then renders black.
            encoded = base64.b64encode(await _call(analysis.forest_svg)).decode()
            svg = Markup(f'<img src="data:image/svg+xml;base64,{encoded}" alt="Forest plot" class="forest-plot">')
        except InputError as exc:
            error = exc
    context = {"choices": choices, "key": key, "args": args, "analysis": analysis, "error": error, "svg": svg}
    # Every estimator the engine fits without user weights, REML (the report's) first.
    context |= {"subgroups": SUBGROUPS, "methods": ("REML", *(m for m in METHODS if m != "REML"))}
    # The downloads name the analysis shown, also on a first visit, whose URL names none.
    context |= {"query": urlencode({**request.query_params, "analysis": key})}
    return _render(request, "_synthesis_panel.html" if _hx(request) else "synthesis.html", context)


@_page()
async def synthesis_download(request: Request) -> Response:
    if request.path_params["kind"] not in ("csv", "svg", "pdf"):
        raise HTTPException(404, "the synthesis downloads are .csv (the analysis), .svg and .pdf (the forest plot)")
    bench = _bench(request)
    _, dataset = await _call(bench.analysis_data)
    key = request.query_params.get("analysis", "")
    analysis = await _call(analyse, dataset, key, **_synthesis_args(request))
    kind = request.path_params["kind"]
    name = key.replace("/", "-")
    if kind == "svg":
        body, media = await _call(analysis.forest_svg), "image/svg+xml"
    elif kind == "pdf":
        body, media = await _call(analysis.forest_pdf), "application/pdf"
    else:
        body, media = analysis.to_csv().encode(), "text/csv; charset=utf-8"
    filename = f"{name}.{kind}" if kind != "csv" else f"{name}-analysis.csv"
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------- model explorer

_EXPLORER_FIELDS = ("preset", "product", "amount", "start", "every", "count", "times", "subjects", "seed")


def _explorer_form(request: Request) -> tuple[dict[str, Any], list[str]]:
    """The fields as typed (the default form on a first visit) and the checked readouts."""
    params = request.query_params
    if "preset" not in params:
        fields = default_request().query()
        return {k: str(v) for k, v in fields.items() if k != "readout"}, list(fields["readout"])
    return {k: params.get(k, "") for k in _EXPLORER_FIELDS}, params.getlist("readout")


@_page()
async def model_explorer(request: Request) -> Response:
    bench = _bench(request)
    fields, readouts = _explorer_form(request)
    exploration, evidence, figures, error = None, {}, {}, None
    try:
        wanted = explorer_request(fields, readouts)
        exploration = await _call(explore, wanted)
        studies, dataset = await _call(bench.analysis_data)
        evidence = await _call(outcome_evidence, studies, dataset, exploration)
        for name in wanted.readouts:
            # As an image, as the forest plot: matplotlib's inline styles are blocked by the CSP.
            encoded = base64.b64encode(await _call(exploration.figure_svg, name)).decode()
            img = Markup('<img src="data:image/svg+xml;base64,{}" alt="{}" class="explorer-plot">')
            figures[name] = img.format(encoded, f"{name}: treated and untreated over time")
    except SecretomeError as exc:  # bad input or a model that fails: one line in the page
        error = str(exc)
    context = {"fields": fields, "checked": set(readouts), "options": form_options(fields.get("preset", ""))}
    context |= {"presets": dosable_presets(), "max_subjects": MAX_SUBJECTS, "error": error}
    context |= {"exploration": exploration, "evidence": evidence, "figures": figures, "query": request.url.query}
    return _render(request, "_explorer_panel.html" if _hx(request) else "explorer.html", context)


@_page()
async def model_explorer_download(request: Request) -> Response:
    kind = request.path_params["kind"]
    if kind not in ("csv", "svg"):
        raise HTTPException(404, "the explorer's downloads are .csv (the table) and .svg (a figure)")
    fields, readouts = _explorer_form(request)
    exploration = await _call(explore, explorer_request(fields, readouts))
    name = f"model-{exploration.request.preset}-vs-untreated"
    if kind == "csv":
        body, media = exploration.to_csv().encode(), "text/csv; charset=utf-8"
    else:
        figure = request.query_params.get("figure", "")
        if figure not in exploration.request.readouts:
            raise InputError("not one of the readouts asked for", field="figure", value=figure)
        body, media, name = await _call(exploration.figure_svg, figure), "image/svg+xml", f"{name}-{figure}"
    headers = {"content-disposition": f'attachment; filename="{name}.{kind}"'}
    return Response(body, media_type=media, headers=headers)


# ---------------------------------------------------------------- screening and audit


def _screening_args(check: QueryCheck) -> tuple[str, int]:
    stage = check.choice("stage", _STAGES, "title_abstract")
    return stage, int(check.choice("reviewers", ("1", "2"), "1"))


@_page("reviewer")
async def screening(request: Request) -> Response:
    bench = _bench(request)
    user = request.state.user
    check = QueryCheck(request.query_params)
    stage, reviewers = _screening_args(check)
    pending = await _call(pending_records, bench.store, user.username, stage=stage, reviewers=reviewers)
    order = await _call(bench.priority, bench.store, stage) if pending else None
    queue = [r for r in order.record_ids if r in pending] if order else []
    chosen = bench.claims.pick(user.username, stage, queue, reviewers)
    record = await _call(get_record, bench.store, chosen) if chosen is not None else None
    progress = await _call(screening_progress, bench.store, stage=stage)
    mine = (await _call(audit_log, bench.store, limit=20, actor=user.username)).entries
    # Undo (u) offers the last decision at the stage shown: the record it puts back is in this queue.
    last = next((e for e in mine if e.action == "screening.decide" and e.detail["stage"] == stage), None)
    context = {"stage": stage, "reviewers": reviewers, "record": record, "n_pending": len(queue)}
    context |= {"progress": progress, "last": last, "message": request.query_params.get("message", "")}
    context |= {"order_note": order.note if order else "", "problems": check.problems}
    params = request.query_params
    kept = record is not None and params.get("typed_for") == str(record.id)  # never another record's reason
    context |= {"typed": {k: params.get(k, "") if kept else "" for k in ("reason", "study_id")}}
    # A refused resolution: its conflict's form shows the reason typed and the message beside it.
    context |= {k: params.get(k, "") for k in ("resolving", "resolve_reason", "resolve_field")}
    return _render(request, "screening.html", context, status=check.status)


def _back_to_screening(
    form: dict[str, str], message: str, typed: dict[str, str] | None = None, *, anchor: str = ""
) -> RedirectResponse:
    """Back to the Screening view with *message*; *typed*: the fields of a refused form, kept for its record;
    *anchor*: the element of the page to scroll to (a conflict's form)."""
    stage = form.get("stage", "title_abstract")
    stage = stage if stage in _STAGES else "title_abstract"
    reviewers = "2" if form.get("reviewers") == "2" else "1"
    query = {"stage": stage, "reviewers": reviewers, "message": message} | (typed or {})
    fragment = f"#{quote(anchor)}" if anchor else ""
    return RedirectResponse(f"/screening?{urlencode(query)}{fragment}", status_code=303)


def _record_id(form: dict[str, str]) -> int:
    value = form.get("record_id", "")
    if not value.isdigit():
        raise InputError("a record id is a number", field="record_id", value=value)
    return int(value)


@_page("reviewer", write=True)
async def screening_decide(request: Request) -> Response:
    bench = _bench(request)
    form = _form(request)
    record_id = _record_id(form)
    stage = form.get("stage", "title_abstract")
    try:
        await _call(
            decide,
            bench.store,
            record_id,
            form.get("decision", ""),
            request.state.user.username,
            stage=stage,
            reason=form.get("reason"),
            reviewers=2 if form.get("reviewers") == "2" else 1,
            study_id=form.get("study_id"),
        )
    except InputError as exc:
        if exc.field not in ("record_id", "study_id", "reason"):
            raise
        message = f"not saved: record {record_id}: "
        if exc.field == "record_id":  # decided meanwhile (by others, or in another tab): the next record
            return _back_to_screening(form, message + exc.reason)
        # An unknown study or a full-text exclusion without reason: the same record, the field named, and
        # what was typed kept in its form (for that record only), as every form of the workbench does.
        typed = {"typed_for": str(record_id), "reason": form.get("reason", ""), "study_id": form.get("study_id", "")}
        return _back_to_screening(form, message + str(exc), typed)
    bench.claims.decided(request.state.user.username, stage, record_id)
    return _back_to_screening(form, f"{form.get('decision')}: record {record_id}")


@_page("reviewer", write=True)
async def screening_resolve(request: Request) -> Response:
    bench = _bench(request)
    form = _form(request)
    try:
        record_id = _record_id(form)
        await _call(
            resolve_conflict,
            bench.store,
            record_id,
            form.get("decision", ""),
            request.state.user.username,
            stage=form.get("stage", "title_abstract"),
            reason=form.get("reason"),
        )
    except InputError as exc:
        # Back to the conflict, the field named and the reason typed kept in that conflict's form only,
        # as a refused screening decision is (a resolver's reason is often the longest thing typed here).
        typed = {"resolving": form.get("record_id", ""), "resolve_reason": form.get("reason", "")}
        typed["resolve_field"] = exc.field or ""
        message = f"not saved: conflict on record {form.get('record_id', '')}: {exc}"
        return _back_to_screening(form, message, typed, anchor=f"conflict-{typed['resolving']}")
    return _back_to_screening(form, f"conflict on record {record_id} resolved: {form.get('decision')}")


@_page("reviewer", write=True)
async def undo(request: Request) -> Response:
    bench = _bench(request)
    form = _form(request)
    user = request.state.user
    undone = await _call(undo_change, bench.store, form.get("change", ""), user.username, admin=may(user, "admin"))
    if undone.record_id is not None:  # a decision: its record is back in the queue, and theirs again who undid it
        bench.claims.undone(undone.reviewer, undone.stage, undone.record_id, reopen=undone.reviewer == user.username)
    if undone.change.startswith("edit:"):  # a study edit: its facets were re-derived, the cache is stale
        await _call(bench.studies_changed, [])
    if form.get("back") == "audit":
        return RedirectResponse("/audit", status_code=303)
    return _back_to_screening(form, undone.message)


@_page("reader")
async def audit(request: Request) -> Response:
    bench = _bench(request)
    log = await _call(audit_log, bench.store, limit=200)
    return _render(request, "audit.html", {"log": log})


# ---------------------------------------------------------------- sign-in


async def login_form(request: Request) -> Response:
    request.state.new_seed = new_csrf_seed()
    request.state.user = None
    return _render(
        request, "login.html", {"error": None, "username": "", "next": request.query_params.get("next", "/")}
    )


async def login(request: Request) -> Response:
    bench = _bench(request)
    request.state.new_seed = new_csrf_seed()
    request.state.user = None
    form = await request.form()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    target = str(form.get("next", "/"))
    target = target if target.startswith("/") and not target.startswith("//") else "/"
    if not csrf_ok(bench.secret, request, form.get("csrf_token")):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
    address = request.client.host if request.client else "unknown"
    try:
        _, token = await _call(sign_in, bench.store, username, password, address=address)
    except SignInError as exc:
        context = {"error": str(exc), "username": username, "next": target}
        return _render(request, "login.html", context, status=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=bench.settings.secure_cookies, max_age=12 * 3600
    )
    return response


async def logout(request: Request) -> Response:
    bench = _bench(request)
    form = await request.form()
    if not csrf_ok(bench.secret, request, form.get("csrf_token")):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
    await _call(end_session, bench.store, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# ---------------------------------------------------------------- errors and headers


async def _input_error(request: Request, exc: Exception) -> Response:
    if not hasattr(request.state, "user"):
        request.state.user = None
    if not hasattr(request.state, "new_seed"):
        request.state.new_seed = new_csrf_seed()
    status = 400 if isinstance(exc, InputError) else 500
    return _render(request, "error.html", {"status": status, "message": str(exc)}, status=status)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return PlainTextResponse(f"{exc.status_code}: {exc.detail}", status_code=exc.status_code)


class _Headers:
    """ASGI middleware: security headers on every response, and the CSRF cookie on first visit."""

    def __init__(self, app: Any, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        has_seed = CSRF_COOKIE in request.cookies

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                state = scope.get("state", {})
                seed = state.get("new_seed")
                if not has_seed and seed:
                    flags = "; HttpOnly; SameSite=Strict; Path=/" + ("; Secure" if self.secure else "")
                    headers.append((b"set-cookie", f"{CSRF_COOKIE}={seed}{flags}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: ServeSettings, *, store: Store | None = None) -> Starlette:
    """The workbench application for *settings* (the store is opened and its facets synced here).

    Parameters
    ----------
    settings : ServeSettings
    store : Store, optional
        An open store to serve instead of opening ``settings.db`` (tests, benchmarks).
    """
    if store is None:
        store = open_store(settings.db)
    sync_facets(store)
    bench = _Workbench(settings, store)
    routes = [
        Route("/", overview),
        Route("/studies", studies),
        Route("/studies/{study_id}", study),
        Route("/map", evidence_map_view),
        Route("/export/studies.zip", corpus_download),
        Route("/synthesis", synthesis),
        Route("/synthesis/download.{kind:str}", synthesis_download),
        Route("/model", model_explorer),
        Route("/model/download.{kind:str}", model_explorer_download),
        Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
    ]
    if settings.mode != "read_only":
        routes += [
            Route("/screening", screening),
            Route("/screening/decide", screening_decide, methods=["POST"]),
            Route("/screening/resolve", screening_resolve, methods=["POST"]),
            Route("/undo", undo, methods=["POST"]),
            Route("/audit", audit),
        ]
        routes += extraction_routes()
    if settings.mode == "team":
        routes += [
            Route("/login", login_form),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
        ]
    app = Starlette(
        routes=routes,
        exception_handlers={InputError: _input_error, SecretomeError: _input_error, HTTPException: _http_error},
    )
    app.state.bench = bench
    app.add_middleware(_Headers, secure=settings.secure_cookies)
    return app
