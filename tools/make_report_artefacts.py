"""Compute the model artefacts the report ships with (cohort bands, Morris rankings), so a fresh
install builds the report in under a minute.

Usage: python tools/make_report_artefacts.py [--subjects 1000] [--trajectories 8]

Writes src/secretome/report/artefacts/*.csv (named by a hash of the preset's declarations, the
settings and the secretome version; see secretome.report._artefacts) and removes the ones no
current experiment uses. Rerun it after changing a preset, the experiments or the version.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from secretome.report._artefacts import BUNDLED
from secretome.report._build import build_report

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--trajectories", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        # A fresh cache folder and no bundled files: every artefact is computed anew.
        os.environ["SECRETOME_CACHE_DIR"] = cache
        # Calibration results are written by tools/make_calibration.py and kept here.
        for old in BUNDLED.glob("*.csv"):
            if not old.name.startswith("calibration-"):
                old.unlink()
        build_report(Path(cache) / "report", subjects=args.subjects, trajectories=args.trajectories)
        for made in sorted(Path(cache).glob("*.csv")):
            (BUNDLED / made.name).write_bytes(made.read_bytes())
            print(BUNDLED / made.name)
