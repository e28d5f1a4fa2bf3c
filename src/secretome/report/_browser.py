"""Looking at the report as a reader does: headless Chromium driven through Debian's chromedriver.

Used by the rendering test and by ``tools/screenshot_report.py``; needs ``selenium`` (the ``test``
extra) and the Debian packages ``chromium chromium-driver``. The flags keep Chromium off the network,
which this report never needs: it is one self-contained file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["RenderCheck", "check_rendering", "chromium", "screenshot_sections"]

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,2000",
)


@contextmanager
def chromium(binary: str = "/usr/bin/chromium", driver: str = "/usr/bin/chromedriver") -> Iterator[Any]:
    """A headless Chromium WebDriver session that records the browser console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield session
    finally:
        session.quit()


@dataclass(frozen=True, slots=True)
class RenderCheck:
    """What the browser saw: ``figures`` (count), ``empty_figures`` (ids of sections with a figure of
    zero size), ``console_errors`` (SEVERE console messages), ``sections`` (section ids, in order) and
    ``wide_tables`` (the section id and caption of each table wider than the page's text column)."""

    figures: int
    empty_figures: tuple[str, ...]
    console_errors: tuple[str, ...]
    sections: tuple[str, ...]
    wide_tables: tuple[tuple[str, str], ...]
    page_overflow: float
    """How far (px) the page scrolls sideways; tables too wide for a narrow window scroll in their own box."""


def check_rendering(html: str | Path, *, width: int = 1280) -> RenderCheck:
    """Open *html* in headless Chromium, its window *width* px wide; report its figures' sizes, its tables that
    stick out of the text column, and console errors."""
    with chromium() as browser:
        browser.set_window_size(width, 2000)
        browser.get(Path(html).resolve().as_uri())
        sizes = browser.execute_script(
            "return Array.from(document.querySelectorAll('figure svg')).map(s => {"
            "const r = s.getBoundingClientRect(); return [s.closest('section').id, r.width, r.height];});"
        )
        sections = browser.execute_script("return Array.from(document.querySelectorAll('section')).map(s => s.id);")
        wide = browser.execute_script(
            "const right = document.body.getBoundingClientRect().right;"
            "return Array.from(document.querySelectorAll('table'))"
            ".filter(t => t.getBoundingClientRect().right > right + 0.5)"
            ".map(t => [t.closest('section').id, t.caption ? t.caption.textContent : '']);"
        )
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
        )
        errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    return RenderCheck(
        figures=len(sizes),
        empty_figures=tuple(sid for sid, width, height in sizes if not (width > 0 and height > 0)),
        console_errors=tuple(errors),
        sections=tuple(sections),
        wide_tables=tuple((sid, caption) for sid, caption in wide),
        page_overflow=overflow,
    )


def screenshot_sections(html: str | Path, out: str | Path) -> list[Path]:
    """Save one PNG per section of the report *html* into the folder *out*; return their paths."""
    from selenium.webdriver.common.by import By

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with chromium() as browser:
        browser.get(Path(html).resolve().as_uri())
        # Chromium captures an element only inside the window: make the window as tall as the page.
        height = browser.execute_script("return document.documentElement.scrollHeight;")
        browser.set_window_size(1280, height + 100)
        for i, section in enumerate(browser.find_elements(By.TAG_NAME, "section"), start=1):
            path = out / f"{i:02d}-{section.get_attribute('id')}.png"
            section.screenshot(str(path))
            paths.append(path)
    return paths
