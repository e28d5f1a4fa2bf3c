"""Save a PNG screenshot of each section of a built report, for review.

Usage: python tools/screenshot_report.py [REPORT_DIR] [OUT_DIR]   (defaults: report, report/screenshots)
Needs selenium (pip install -e '.[test]') and Debian's chromium chromium-driver.
"""

from __future__ import annotations

import sys
from pathlib import Path

from secretome.report._browser import screenshot_sections

if __name__ == "__main__":
    report_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "report")
    out_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else report_dir / "screenshots"
    for path in screenshot_sections(report_dir / "index.html", out_dir):
        print(path)
