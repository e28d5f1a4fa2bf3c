"""CSRF tokens on every form and write route, cookie flags, and escaping of what users type in every form."""

from __future__ import annotations

import re

import pytest

from secretome.evidence import audit_log, decide, record_order, screening_progress

from .conftest import csrf_of, make_client

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
STUDY = "alpha-2019-synthetic"
PAGES = ["/", "/studies", f"/studies/{STUDY}", "/map", "/synthesis", "/model", "/screening",
         "/screening?stage=full_text&reviewers=2", "/audit", "/extraction", f"/extraction/{STUDY}"]  # fmt: skip


def _unescaped(text: str) -> bool:
    return "<script>alert" in text or "<img src=x" in text


def test_every_write_route_refuses_a_form_without_its_csrf_token_and_changes_nothing(local_client, store):
    before = len(audit_log(store).entries)
    posts = [r.path for r in local_client.app.routes if "POST" in (getattr(r, "methods", None) or ())]
    assert len(posts) == 12
    form = {"record_id": str(record_order(store)[0]), "decision": "include", "change": "decision:1"}
    for path in (p.replace("{study_id}", STUDY) for p in posts):
        assert local_client.post(path, data=form).status_code == 403, path
        assert local_client.post(path, data=form | {"csrf_token": "0" * 64}).status_code == 403, path
    assert screening_progress(store).n_decided == 0
    assert len(audit_log(store).entries) == before


def test_every_form_that_posts_carries_the_csrf_token_of_the_browser(local_client):
    token = csrf_of(local_client.get("/screening").text)
    n_forms = 0
    for page in PAGES:
        html = local_client.get(page).text
        for form in re.findall(r'<form[^>]*method="post".*?</form>', html, re.S):
            assert f'name="csrf_token" value="{token}"' in form, f"{page}: {form[:120]}"
            n_forms += 1
    assert n_forms > 10


def test_the_csrf_cookie_is_http_only_strict_and_secure(store, store_url):
    from secretome.serve import ServeSettings, create_app

    with make_client(create_app(ServeSettings(db=store_url, reviewer="alice"), store=store)) as client:
        cookie = client.get("/").headers["set-cookie"]
    assert cookie.startswith("secretome_csrf=")
    assert {"HttpOnly", "SameSite=Strict", "Secure", "Path=/"} <= {part.strip() for part in cookie.split(";")}


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/screening/decide", ["decision", "stage", "reviewers", "reason", "study_id"]),
        ("/screening/resolve", ["decision", "stage", "reviewers", "reason"]),
        ("/undo", ["change", "stage", "reviewers", "back"]),
    ],
)
def test_markup_typed_into_each_screening_form_field_is_escaped(local_client, store, path, fields):
    valid = {
        "decision": "exclude",
        "stage": "title_abstract",
        "reviewers": "1",
        "reason": "not OA",
        "change": "decision:1",
    }
    records = list(zip(["record_id", *fields], record_order(store), strict=False))  # a record per field
    if path == "/screening/resolve":  # only a conflict is resolved (and its reason saved)
        for _, record_id in records:
            decide(store, record_id, "include", "ann", reviewers=2)
            decide(store, record_id, "exclude", "bob", reviewers=2)
    for field, record_id in records:
        token = csrf_of(local_client.get("/screening").text)
        page = local_client.post(path, data=valid | {"record_id": record_id, field: XSS, "csrf_token": token})
        assert not _unescaped(page.text), f"{path} {field}"
    for shown in ("/screening", "/audit", "/"):
        assert not _unescaped(local_client.get(shown).text), shown
    if "reason" in fields:  # the typed reason was saved with the decision: the log shows it, as text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in local_client.get("/audit").text


def test_markup_typed_into_each_search_and_filter_field_is_escaped(local_client):
    queries = {
        "/studies": ["q", "design", "species", "oa_model", "msc_source", "product", "sort", "desc", "page", "per_page"],
        "/synthesis": ["analysis", "method", "subgroup", "omit", "no_high_risk", "with_secondary"],
        "/map": ["design"],
        "/screening": ["stage", "reviewers", "message"],
    }
    for path, fields in queries.items():
        for field in fields:
            page = local_client.get(path, params={field: XSS})
            assert not _unescaped(page.text), f"{path}?{field}"
    for path in (f"/studies/{XSS}", f"/extraction/{XSS}", f"/synthesis/download.csv?analysis={XSS}"):
        assert not _unescaped(local_client.get(path).text), path
