"""Save a PNG screenshot of every view of a running workbench, for review.

Usage: python tools/screenshot_workbench.py [URL] [OUT_DIR] [--resolve]
(defaults: http://127.0.0.1:8000, workbench-shots). Start the workbench first (``secretome serve``, or
``secretome serve --db sqlite:///review.db`` for the screening and audit views). Needs selenium
(pip install -e '.[test]') and Debian's chromium chromium-driver.

Besides the views, it saves two refusals: the Studies view reached with bad query parameters, and (with
``--resolve`` only, because it writes to the store: run it on a copy) a conflict resolved in two tabs, the
second of which is refused as resolved meanwhile. That needs a conflict in two-reviewer screening.
"""

from __future__ import annotations

import sys
from pathlib import Path

from secretome.report._browser import chromium

VIEWS = {
    "overview": "/",
    "studies": "/studies",
    "study": None,  # the first study of the table
    "map": "/map",
    "synthesis": "/synthesis",
    "model": "/model",
    "screening": "/screening",
    "screening-full-text": "/screening?stage=full_text",  # its queue and progress: the records included before
    "audit": "/audit",
    "extraction": "/extraction",
    "extraction-study": None,  # the Extraction view of the first study of the table
    # Bad parameters: the view with its defaults and one line per parameter set aside.
    "studies-bad-parameters": "/studies?sort=colour&per_page=many",
    "studies-page-beyond-last": "/studies?page=99",
}


def refused_resolution(browser, url: str, target: Path) -> bool:
    """Resolve the first conflict of two-reviewer screening in one tab, then in a second tab opened before:
    the second is refused. Save the view it returns to; ``False`` when there is no conflict to resolve."""
    from selenium.webdriver.common.by import By

    page = f"{url}/screening?reviewers=2"
    browser.get(page)
    if not browser.find_elements(By.CSS_SELECTOR, ".conflict form"):
        return False
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(page)  # the second resolver's page, with the conflict still on it
    second = browser.current_window_handle
    browser.switch_to.window(first)
    browser.find_element(By.CSS_SELECTOR, ".conflict form button[value='exclude']").click()
    browser.switch_to.window(second)
    browser.find_element(By.CSS_SELECTOR, ".conflict form input[name='reason']").send_keys("fits the question")
    browser.find_element(By.CSS_SELECTOR, ".conflict form button[value='include']").click()
    browser.save_screenshot(str(target))
    browser.close()
    browser.switch_to.window(first)
    return True


if __name__ == "__main__":
    from selenium.webdriver.common.by import By

    args = [a for a in sys.argv[1:] if a != "--resolve"]
    url = (args[0] if args else "http://127.0.0.1:8000").rstrip("/")
    out = Path(args[1] if len(args) > 1 else "workbench-shots")
    out.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        browser.set_window_size(1440, 1100)
        for name, path in VIEWS.items():
            if path is None:
                browser.get(f"{url}/studies")
                links = browser.find_elements(By.CSS_SELECTOR, "a[href^='/studies/']")
                if not links:
                    continue
                href = links[0].get_attribute("href")
                browser.get(href.replace("/studies/", "/extraction/") if name == "extraction-study" else href)
            else:
                browser.get(f"{url}{path}")
            target = out / f"{name}.png"
            browser.save_screenshot(str(target))
            print(target, browser.title)
        target = out / "screening-refused-resolution.png"
        if "--resolve" in sys.argv[1:] and refused_resolution(browser, url, target):
            print(target, browser.title)
