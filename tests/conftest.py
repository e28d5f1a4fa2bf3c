"""Test policy for external reference tools.

A test that needs R with metafor, PostgreSQL, Chromium or libroadrunner carries a marker
(``needs_r``, ``needs_postgres``, ``needs_chromium``, ``needs_roadrunner``, ``needs_copasi``). When the tool is
missing it is skipped with the reason locally, and it *fails* when ``CI=true``: CI installs every
tool, so a skip there would hide a broken cross-check.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from functools import cache
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"

# Tolerances by kind of quantity (metafor's tests name theirs the same way).
TOL = {"est": 1e-6, "var": 1e-6, "se": 1e-6, "pval": 1e-6, "ode": 1e-6}


@cache
def _has_r_metafor() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript not found (apt-get install r-base-core r-cran-metafor r-cran-metadat)"
    probe = subprocess.run(
        ["Rscript", "-e", "library(metafor); library(metadat)"], capture_output=True, text=True, check=False
    )
    return None if probe.returncode == 0 else f"R cannot load metafor/metadat: {probe.stderr.strip()[-200:]}"


@cache
def _has_postgres() -> str | None:
    if not os.environ.get("SECRETOME_TEST_POSTGRES_URL"):
        return "SECRETOME_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL and sets it)"
    return None


@cache
def _has_chromium() -> str | None:
    missing = [tool for tool in ("chromium", "chromedriver") if shutil.which(tool) is None]
    return f"{' and '.join(missing)} not found (apt-get install chromium chromium-driver)" if missing else None


@cache
def _has_roadrunner() -> str | None:
    return None if importlib.util.find_spec("roadrunner") else "libroadrunner not installed (pip install '.[sbml]')"


@cache
def _has_copasi() -> str | None:
    return (
        None
        if importlib.util.find_spec("COPASI")
        else "COPASI's Python bindings not installed (pip install python-copasi)"
    )


_CHECKS = {
    "needs_r": _has_r_metafor,
    "needs_postgres": _has_postgres,
    "needs_chromium": _has_chromium,
    "needs_roadrunner": _has_roadrunner,
    "needs_copasi": _has_copasi,
}


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker, check in _CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = check()
        if reason is None:
            continue
        if IN_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def postgres_url():
    """The URL of an empty PostgreSQL schema, dropped after the test (tests using it are marked ``needs_postgres``)."""
    import sqlalchemy as sa

    base = os.environ["SECRETOME_TEST_POSTGRES_URL"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


# ---- the metafor fixture reruns (tests/meta/test_metafor_reference.py) --------------------------------------------
# Rerunning every tools/metafor_reference*.R script takes minutes of R. One Rscript runs the selected scripts one
# after the other (tools/metafor_reference_all.R: R and metafor load once, not once per script), in the background
# while the other tests run, started as soon as the tests are collected; each test then waits for its own script's
# files. Under pytest-xdist (``-n``, the default in pyproject.toml) the controller starts that one Rscript when the
# first worker has collected (every worker collects the same tests) and tells the workers its folder; a worker
# starting its own would run all of R once per worker.

METAFOR_RUNNER = Path(__file__).resolve().parents[1] / "tools" / "metafor_reference_all.R"
RERUN_TEST = "test_script_reproduces_committed_fixtures"
_RERUN_ID = re.compile(rf"::{RERUN_TEST}\[(?P<script>[^\]]+)\]$")
_FOLDER_KEY = "secretome_metafor_reruns"
_EXIT = "runner.exit"
_FOLDER = pytest.StashKey[Path]()


class MetaforReruns:
    """The folder into which one background Rscript writes the fixtures of the selected scripts.

    The process that started the Rscript (:meth:`start`) owns it; a pytest-xdist worker only reads the folder.
    When the Rscript ends, a watcher thread of its owner writes its exit status to ``runner.exit``, so that every
    reader knows when no more files will come.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._process: subprocess.Popen | None = None
        self._watcher: threading.Thread | None = None

    @classmethod
    def start(cls, scripts: list[Path], folder: Path | None = None) -> MetaforReruns:
        reruns = cls(folder or Path(tempfile.mkdtemp(prefix="secretome-metafor-")))
        with (reruns.folder / "runner.log").open("wb") as log:
            command = ["Rscript", str(METAFOR_RUNNER), str(reruns.folder), *map(str, scripts)]
            reruns._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        reruns._watcher = threading.Thread(target=reruns._record_exit, daemon=True)
        reruns._watcher.start()
        return reruns

    def _record_exit(self) -> None:
        assert self._process is not None
        code = self._process.wait()
        partial = self.folder / f".{_EXIT}"
        partial.write_text(str(code), encoding="utf-8")
        partial.replace(self.folder / _EXIT)  # renamed, so that a reader never sees a half-written status

    def wait_for(self, script: Path, timeout: float) -> Path:
        """The folder holding *script*'s files once it has run; fails with R's error (and log) if it did not."""
        done = self.folder / f"{script.name}.done"
        exited = self.folder / _EXIT
        deadline = time.monotonic() + timeout
        while not done.exists():
            if exited.exists() and not done.exists():
                code = exited.read_text(encoding="utf-8").strip()
                pytest.fail(f"Rscript stopped (exit {code}) before {script.name}:\n{self._tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{script.name} did not finish within {timeout:.0f} s")
            time.sleep(0.2)
        status = done.read_text(encoding="utf-8").strip()
        if status != "ok":
            pytest.fail(f"{script.name}: {status}\n{self._tail()}")
        return self.folder

    def close(self) -> None:
        """Stop the Rscript if it still runs and remove the folder (its owner only)."""
        if self._process is None or self._watcher is None:
            return
        if self._process.poll() is None:
            self._process.kill()
        self._watcher.join()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _tail(self) -> str:
        return (self.folder / "runner.log").read_text(encoding="utf-8", errors="replace")[-2000:]


_RERUNS: list[MetaforReruns] = []


def _can_start_reruns(config: pytest.Config) -> bool:
    # Without Rscript the tests are skipped (or fail in CI) by their needs_r marker (pytest_runtest_setup above).
    return shutil.which("Rscript") is not None and not config.option.collectonly


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput"):
        # The pytest-xdist controller: the folder exists before any worker starts, the Rscript once one collected.
        config.stash[_FOLDER] = Path(tempfile.mkdtemp(prefix="secretome-metafor-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    folder = node.config.stash.get(_FOLDER, None)
    if folder is not None:
        node.workerinput[_FOLDER_KEY] = str(folder)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids: list[str]) -> None:
    folder = node.config.stash.get(_FOLDER, None)
    if folder is None or _RERUNS or not _can_start_reruns(node.config):
        return
    scripts = [METAFOR_RUNNER.with_name(match["script"]) for match in map(_RERUN_ID.search, ids) if match]
    if scripts:
        _RERUNS.append(MetaforReruns.start(scripts, folder))


def pytest_collection_finish(session: pytest.Session) -> None:
    selected = [item for item in session.items if getattr(item, "originalname", None) == RERUN_TEST]
    if not selected or not _can_start_reruns(session.config):
        return
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput is not None:
        _RERUNS.append(MetaforReruns(Path(workerinput[_FOLDER_KEY])))
    else:
        _RERUNS.append(MetaforReruns.start([item.callspec.params["script"] for item in selected]))


def pytest_sessionfinish(session: pytest.Session) -> None:
    while _RERUNS:
        _RERUNS.pop().close()
    folder = session.config.stash.get(_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def metafor_reruns() -> MetaforReruns:
    """The background reruns started at collection (tests/meta/test_metafor_reference.py)."""
    if not _RERUNS:
        pytest.fail("the metafor reruns were not started at collection")
    return _RERUNS[0]
