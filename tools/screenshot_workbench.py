"""Save a PNG screenshot of every view of a running workbench, for review.

Usage: python tools/screenshot_workbench.py [URL] [OUT_DIR]   (defaults: http://127.0.0.1:8000, workbench-shots)
Start the workbench first (``secretome serve``, or ``secretome serve --db sqlite:///review.db`` for the
screening and audit views). Needs selenium (pip install -e '.[test]') and Debian's chromium chromium-driver.
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
}

if __name__ == "__main__":
    from selenium.webdriver.common.by import By

    url = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/")
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "workbench-shots")
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
