"""The Model explorer in real Debian Chromium: a single dose simulated through htmx, then a bad dose."""

from __future__ import annotations

import pytest

from secretome.report._browser import chromium

from . import test_browser

served = test_browser.served  # the workbench on a free loopback port, the fixture of the other views' browser tests


@pytest.mark.needs_chromium
def test_the_model_explorer_simulates_a_single_dose_beside_the_evidence(served, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from secretome.model import compare, preset
    from secretome.report import calibrated_values

    url, _ = served
    with chromium() as browser:
        browser.get(f"{url}/model")
        Select(browser.find_element(By.ID, "preset")).select_by_value("rat-focal-defect")
        for field, value in {"amount": "150", "count": "1", "times": "60", "subjects": "10"}.items():
            box = browser.find_element(By.ID, field)
            box.clear()
            box.send_keys(value)
        for box in browser.find_elements(By.CSS_SELECTOR, "input[name=readout]"):
            if box.is_selected() != (box.get_attribute("value") == "odriscoll"):
                box.click()
        browser.find_element(By.ID, "simulate").click()
        _wait_for_text(browser, "explorer-summary", "CM 150 µg per joint once on day 7")
        row = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#differences-odriscoll tbody td")]
        # The image is drawn: the Content-Security-Policy lets a data: SVG through.
        drawn = browser.execute_script("return [...document.querySelectorAll('.explorer-figure img')]"
                                       ".map(i => i.complete && i.naturalWidth > 0)")  # fmt: skip
        evidence = browser.find_element(By.ID, "evidence-odriscoll").text
        assert "count=1" in browser.current_url  # htmx pushed the request, so it can be bookmarked
        browser.find_element(By.ID, "amount").clear()
        browser.find_element(By.ID, "amount").send_keys("-3")
        browser.find_element(By.ID, "simulate").click()
        _wait_for_text(browser, "explorer-error", "field 'amount': must be > 0 (got '-3')")
        kept = browser.find_element(By.ID, "amount").get_attribute("value")
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    regimen = tmp_path / "single.yaml"
    regimen.write_text("doses: [{product: cm, amount: 150, time: 7}]")
    # The explorer's subject is the report's (rule M1: the shipped calibration's best fit).
    subject = preset("rat-focal-defect").with_values(**calibrated_values("rat-focal-defect"))
    want = compare(subject, regimen, at_time=60.0, subjects=10, seed=0)
    j = want.readouts.index("odriscoll")
    assert row == ["60", f"{want.value_a[j]:.4g}", f"{want.value_b[j]:.4g}", f"{want.difference[j]:+.4g}",
                   *(f"{q:+.4g}" for q in want.band[:, j])]  # fmt: skip
    assert drawn == [True]
    assert "Rat: 4 benefit, 0 harm, 0 other" in evidence
    assert kept == "-3"
    assert errors == []


def _wait_for_text(browser, element_id: str, text: str, timeout: float = 60.0) -> None:
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def says(b) -> bool:
        try:
            return text in b.find_element(By.ID, element_id).text
        except WebDriverException as exc:  # swapped out by htmx mid-read, as in _panel_says
            if isinstance(exc, NoSuchElementException | StaleElementReferenceException):
                return False
            if "does not belong to the document" in str(exc):
                return False
            raise

    WebDriverWait(browser, timeout).until(says)
