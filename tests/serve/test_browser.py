"""The workbench in real Debian Chromium: a reviewer screens with the keyboard, undoes, reads a study, extracts."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from secretome.evidence import get_study, screening_progress
from secretome.report._browser import chromium

from .conftest import fill_store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(settings, store) -> Iterator[str]:
    """The workbench for *settings* served by uvicorn on its loopback port, as ``secretome serve`` runs it."""
    import uvicorn

    from secretome.serve import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings, store=store), host="127.0.0.1", port=settings.port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the workbench did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def served(store, store_url):
    """The local workbench (SQLite, reviewer alice) served by uvicorn on a free loopback port."""
    from secretome.serve import ServeSettings

    settings = ServeSettings(db=store_url, reviewer="alice", order="store", port=_free_port())
    with _serving(settings, store) as url:
        yield url, store


@pytest.fixture
def served_team(postgres_url):
    """The team workbench (PostgreSQL, sign-in required) with reviewer bob, in the default ranked order."""
    from secretome.evidence import add_account
    from secretome.serve import ServeSettings

    with fill_store(postgres_url) as store:
        add_account(store, "bob", "correct horse battery", role="reviewer")
        with _serving(ServeSettings(db=postgres_url, port=_free_port()), store) as url:
            yield url, store


def _progress(browser) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, "progress").text


def _panel_says(browser, text: str) -> bool:
    from selenium.common.exceptions import WebDriverException

    try:
        return text in _progress(browser)
    except WebDriverException as exc:
        # Chromium reports a node that htmx swapped out during the read this way, not as a stale element.
        if "does not belong to the document" in str(exc):
            return False
        raise


def _wait_for(browser, text: str, timeout: float = 10.0) -> None:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # htmx swaps the panel after each decision: a panel read during the swap is stale, so read it again.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    WebDriverWait(browser, timeout, ignored_exceptions=ignored).until(lambda b: _panel_says(b, text))


@pytest.mark.needs_chromium
def test_screen_ten_records_with_the_keyboard_then_undo(served):
    from selenium.webdriver.common.action_chains import ActionChains

    url, store = served
    with chromium() as browser:
        browser.get(f"{url}/screening")
        total = int(_progress(browser).split(" of ")[1].split()[0])
        assert total >= 10
        for n in range(1, 11):
            ActionChains(browser).send_keys("i" if n % 3 else "e").perform()
            _wait_for(browser, f"{n} of {total} records decided")
        assert f"10 of {total} records decided (7 include, 3 exclude)" in _progress(browser)
        ActionChains(browser).send_keys("u").perform()
        _wait_for(browser, f"9 of {total} records decided")
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    # The store, not only the page, holds the nine decisions, each by alice.
    progress = screening_progress(store)
    assert (progress.n_decided, progress.n_included, progress.n_excluded) == (9, 6, 3)
    assert dict(progress.per_reviewer) == {"alice": 9}
    assert errors == []


@pytest.mark.needs_chromium
@pytest.mark.needs_postgres
def test_a_team_reviewer_signs_in_and_screens_with_the_keyboard(served_team):
    # The team's way in: the sign-in form in Chromium, over plain HTTP on loopback, where Chromium
    # sends the workbench's Secure session and CSRF cookies; then the keyboard, in the ranked order.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, store = served_team
    with chromium() as browser:
        browser.get(f"{url}/screening")
        assert "/login" in browser.current_url
        browser.find_element(By.ID, "username").send_keys("bob")
        browser.find_element(By.ID, "password").send_keys("wrong password")
        browser.find_element(By.ID, "sign-in").click()
        # Each sign-in verifies an argon2id hash (most of a second on a busy machine): wait for its page.
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "login-error"))
        assert "/login" in browser.current_url
        browser.get_log("browser")  # the refused sign-in's 401 is logged as an error; it was meant
        browser.find_element(By.ID, "password").send_keys("correct horse battery")
        browser.find_element(By.ID, "sign-in").click()
        WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith("/screening"))
        total = int(_progress(browser).split(" of ")[1].split()[0])
        for n in range(1, 4):
            ActionChains(browser).send_keys("e" if n == 2 else "i").perform()
            _wait_for(browser, f"{n} of {total} records decided")
        order = browser.find_element(By.ID, "queue-order").text
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert order.startswith("Order: ranked by active learning")  # one include and one exclude: ranked
    progress = screening_progress(store)
    assert (progress.n_included, progress.n_excluded) == (2, 1)
    assert dict(progress.per_reviewer) == {"bob": 3}
    assert errors == []


@pytest.mark.needs_chromium
def test_a_conflict_resolved_in_another_tab_meanwhile_is_refused_there(served):
    # Two tabs show the same conflict; it is resolved in the first, then the second submits: the second is
    # refused with one line naming the record and who resolved it, and the first resolution stands.
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from secretome.evidence import decide, get_record, record_order

    def flash_after(click) -> object:
        # The click posts and follows a redirect: wait for the new page's message, not the old page.
        click()
        WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "flash"))
        return browser.find_element(By.ID, "flash")

    url, store = served
    record_id = record_order(store)[0]
    decide(store, record_id, "include", "bob", reviewers=2)
    decide(store, record_id, "exclude", "carol", reviewers=2)
    page = f"{url}/screening?reviewers=2"
    with chromium() as browser:
        browser.get(page)
        first = browser.current_window_handle
        browser.switch_to.new_window("tab")
        browser.get(page)
        second = browser.current_window_handle
        browser.switch_to.window(first)
        resolved = flash_after(
            browser.find_element(By.CSS_SELECTOR, f"#conflict-{record_id} button[value='exclude']").click
        ).text
        browser.switch_to.window(second)
        browser.find_element(By.ID, f"conflict-reason-{record_id}").send_keys("population fits")
        refused = flash_after(
            browser.find_element(By.CSS_SELECTOR, f"#conflict-{record_id} button[value='include']").click
        )
        refused_text, refused_class = refused.text, refused.get_attribute("class")
        conflicts_left = browser.find_elements(By.CSS_SELECTOR, ".conflict")
    assert resolved == f"conflict on record {record_id} resolved: exclude"
    assert refused_text == (
        f"not saved: conflict on record {record_id}: field 'record_id': no conflict on this record at "
        f"title_abstract to resolve: alice resolved it meanwhile (exclude); undo that resolution to resolve it "
        f"again (got {record_id})"
    )
    assert "refused" in refused_class
    assert conflicts_left == []
    assert [d[2:4] for d in get_record(store, record_id).decisions] == [
        ("bob", "include"), ("carol", "exclude"), ("alice", "exclude")
    ]  # fmt: skip
    assert screening_progress(store).conflicts == ()


@pytest.mark.needs_chromium
def test_a_study_page_links_every_quote_to_its_source(served):
    from selenium.webdriver.common.by import By

    url, _ = served
    with chromium() as browser:
        browser.get(f"{url}/studies")
        browser.find_element(By.CSS_SELECTOR, "a[href^='/studies/alpha']").click()
        quotes = browser.find_elements(By.CSS_SELECTOR, "blockquote")
        assert quotes
        for quote in quotes:
            assert quote.find_elements(By.CSS_SELECTOR, "a[href^='http']")
        assert "alpha-2019-synthetic" in browser.page_source


@pytest.mark.needs_chromium
def test_extract_a_result_with_its_quote_and_read_it_on_the_study_page(served):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, store = served
    quote = "O'Driscoll score at week 12: 15.5 ± 2.0 (n = 6) vs 11.0 ± 3.1 (n = 6)"
    with chromium() as browser:
        browser.get(f"{url}/studies/gamma-2021-synthetic")
        browser.find_element(By.ID, "extract-link").click()
        form = browser.find_element(By.ID, "result-form")
        Select(form.find_element(By.NAME, "outcome")).select_by_value("odriscoll_score")
        Select(form.find_element(By.NAME, "treatment")).select_by_value("cm")
        Select(form.find_element(By.NAME, "control")).select_by_value("control")
        Select(form.find_element(By.NAME, "status")).select_by_value("verbatim")
        typed = {"timepoint": "week 12", "treatment_n": "6", "treatment_mean": "15.5", "treatment_sd": "2.0",
                 "control_n": "6", "control_mean": "11.0", "control_sd": "3.1",
                 "source": "doi:10.5555/secretome.serve.3", "location": "Table 3", "quote": quote}  # fmt: skip
        for name, text in typed.items():
            form.find_element(By.NAME, name).send_keys(text)
        form.find_element(By.ID, "save-result").click()
        WebDriverWait(browser, 10).until(lambda b: "saved: result 1 added" in b.find_element(By.ID, "flash").text)
        browser.find_element(By.ID, "study-page-link").click()
        WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.ID, "result-1"))
        shown = browser.find_element(By.ID, "result-1")
        assert quote in shown.find_element(By.CSS_SELECTOR, "blockquote q").text
        assert shown.find_element(By.CSS_SELECTOR, "blockquote a").get_attribute("href") == (
            "https://doi.org/10.5555/secretome.serve.3"
        )
        cells = [td.text for td in shown.find_elements(By.CSS_SELECTOR, "td.num")]
        assert cells == ["6", "15.5", "2", "", "", "6", "11", "3.1", "", ""]  # n, mean, SD, SE, median per arm
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert get_study(store, "gamma-2021-synthetic").results[1].provenance.quote == quote


@pytest.mark.needs_chromium
def test_change_a_result_and_see_the_forest_plot_change(served):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, store = served
    synthesis = f"{url}/synthesis?analysis=odriscoll_score/animal/secretome"
    with chromium() as browser:
        browser.get(synthesis)
        pooled = browser.find_element(By.ID, "pooled").text
        plot = browser.find_element(By.CSS_SELECTOR, "#forest img").get_attribute("src")
        assert "k = 3" in pooled
        browser.get(f"{url}/extraction/alpha-2019-synthetic?result=0")
        form = browser.find_element(By.ID, "result-form")
        typed = {"treatment_mean": "20.0", "quote": "O'Driscoll score 20.0 ± 2.1 (n = 8) vs 9.0 ± 1.8 (n = 8)"}
        for name, text in typed.items():
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(text)
        form.find_element(By.ID, "save-result").click()
        WebDriverWait(browser, 10).until(lambda b: "saved: result 0 changed" in b.find_element(By.ID, "flash").text)
        browser.get(synthesis)
        assert "k = 3" in browser.find_element(By.ID, "pooled").text
        assert browser.find_element(By.ID, "pooled").text != pooled
        assert browser.find_element(By.CSS_SELECTOR, "#forest img").get_attribute("src") != plot
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert get_study(store, "alpha-2019-synthetic").results[0].arm_data[0].mean == 20.0
