"""Team mode on a real PostgreSQL server: sign-in with argon2 hashes, roles, CSRF, escaping of what users type."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from secretome.evidence import add_account, screening_progress

from .conftest import csrf_of, fill_store, make_client

pytestmark = pytest.mark.needs_postgres

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def team(postgres_url):
    from secretome.serve import ServeSettings, create_app

    with fill_store(postgres_url) as store:
        add_account(store, "bob", "correct horse battery", role="reviewer")
        add_account(store, "rita", "reader's password 1", role="reader")
        with make_client(create_app(ServeSettings(db=postgres_url, order="store"), store=store)) as client:
            yield client, store


def _sign_in(client, username: str, password: str):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/screening", "csrf_token": csrf_of(page.text)},
    )


def test_every_view_needs_a_signed_in_user(team):
    client, _ = team
    page = client.get("/screening")
    assert page.url.path == "/login"
    assert 'id="sign-in"' in page.text


def test_a_wrong_password_is_refused_and_the_name_kept_escaped(team):
    client, _ = team
    page = _sign_in(client, XSS, "nope")
    assert page.status_code == 401
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text


def test_the_session_cookie_is_http_only_strict_and_secure_and_ends_with_sign_out(team):
    client, _ = team
    page = client.get("/login")
    form = {"username": "bob", "password": "correct horse battery", "next": "/", "csrf_token": csrf_of(page.text)}
    signed_in = client.post("/login", data=form, follow_redirects=False)
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("secretome_session=")
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "secure", "max-age=43200"} <= flags
    home = client.get("/")
    assert home.url.path == "/"
    client.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert client.get("/").url.path == "/login"  # the session ended on the server, not only in the browser


def test_a_form_without_its_csrf_token_is_refused(team):
    client, _ = team
    page = client.post("/login", data={"username": "bob", "password": "correct horse battery"})
    assert page.status_code == 403


def test_a_reviewer_screens_and_the_reason_is_escaped_on_every_page(team):
    client, store = team
    page = _sign_in(client, "bob", "correct horse battery")
    assert page.url.path == "/screening"
    record_id = int(page.text.split('name="record_id" value="')[1].split('"')[0])
    decided = client.post(
        "/screening/decide",
        data={
            "record_id": record_id,
            "stage": "title_abstract",
            "reviewers": 1,
            "decision": "exclude",
            "reason": XSS,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert decided.status_code == 200
    progress = screening_progress(store)
    assert (progress.n_decided, progress.n_excluded, dict(progress.per_reviewer)) == (1, 1, {"bob": 1})
    for path in ("/screening", "/audit"):
        text = client.get(path).text
        assert "<script>alert" not in text
        assert "onerror=alert" not in text or "&lt;img" in text


def test_a_reader_cannot_screen(team):
    client, _ = team
    page = _sign_in(client, "rita", "reader's password 1")
    assert page.status_code == 403
    assert 'id="decide"' not in page.text
    assert client.post("/screening/decide", data={"record_id": 1, "decision": "include"}).status_code == 403
    assert client.get("/studies").status_code == 200


def test_twenty_reviewers_screen_at_once_and_no_decision_is_lost(postgres_url):
    # A team's working morning: 20 reviewers signed in at the same time, each screening up to two records
    # in two-reviewer mode, on a real PostgreSQL server, more than the records need (2 x 20 > 2 x records).
    # Every decision a reviewer was told was saved is in the store, none is doubled, nobody decides a
    # record twice, and every record ends with exactly two reviewers: those who opened a record that two
    # others decided meanwhile are told so ("not saved") and shown the next.
    from concurrent.futures import ThreadPoolExecutor

    from secretome.evidence import audit_log
    from secretome.serve import ServeSettings, create_app

    names = [f"reviewer{i:02d}" for i in range(20)]
    with fill_store(postgres_url) as store:
        for name in names:
            add_account(store, name, f"{name} password", role="reviewer")
        app = create_app(ServeSettings(db=postgres_url, order="store"), store=store)

        def work(name: str) -> list[int]:
            decided = []
            with make_client(app) as client:
                _sign_in(client, name, f"{name} password")
                for _ in range(20):  # bounded: up to two saved decisions, while the queue lasts
                    page = client.get("/screening", params={"reviewers": "2"})
                    assert page.status_code == 200
                    shown = re.search(r'data-record="(\d+)"', page.text)
                    if len(decided) == 2 or shown is None:
                        break
                    record_id = int(shown.group(1))
                    done = client.post("/screening/decide", data={
                        "record_id": record_id, "stage": "title_abstract", "reviewers": "2",
                        "decision": "include" if int(name[-1]) % 2 else "exclude", "csrf_token": csrf_of(page.text),
                    })  # fmt: skip
                    assert done.status_code == 200, done.text
                    if f"not saved: record {record_id}" not in done.text:
                        decided.append(record_id)
            return decided

        with ThreadPoolExecutor(max_workers=20) as pool:
            results = dict(zip(names, pool.map(work, names), strict=True))
        told = {name: len(ids) for name, ids in results.items() if ids}
        progress = screening_progress(store)
        assert dict(progress.per_reviewer) == told
        assert all(len(set(ids)) == len(ids) for ids in results.values())  # nobody decided a record twice
        with store.session() as session:
            per_record = dict(session.execute(sa.text(
                "SELECT record_id, count(*) FROM screening_decision GROUP BY record_id")).all())  # fmt: skip
        assert set(per_record.values()) == {2}
        assert len(per_record) == progress.n_records
        logged = [e for e in audit_log(store, limit=1000).entries if e.action == "screening.decide"]
        assert len(logged) == sum(told.values()) == 2 * progress.n_records
