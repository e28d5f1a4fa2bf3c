"""The command tree, its exit codes and its error lines (the CLI only parses and calls)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from secretome.cli import app, main
from secretome.errors import InputError, NotLandedError

TREE = [
    ["report"],
    ["meta", "data.csv"],
    *[["evidence", c] for c in ("import", "list", "show", "export", "dedupe", "map", "template")],
    *[["model", c] for c in ("params", "simulate", "export-sbml", "cohort", "sensitivity", "calibrate")],
]


@pytest.mark.parametrize("command", TREE, ids=" ".join)
def test_every_command_exists(command, capsys):
    assert main([*command, "--help"]) == 0
    assert "Usage: secretome" in capsys.readouterr().out


def test_unknown_option_value_is_a_usage_error_on_one_line(capsys):
    assert main(["evidence", "list", "--format", "xml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Invalid value for '--format'")
    assert "'xml'" in err
    assert "(see `secretome evidence list --help`)" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["nosuch"], "error: No such command 'nosuch'"),
        (["evidence", "list", "--bogus"], "error: No such option: --bogus"),
        (["model", "cohort", "--subjects", "100000000000"], "error: Invalid value for '--subjects'"),
        (["model", "simulate", "--subjects", "100000000000"], "error: Invalid value for '--subjects'"),
        (["model", "cohort", "--seed", "-1"], "error: Invalid value for '--seed'"),
        (["model", "sensitivity", "--seed", "-1"], "error: Invalid value for '--seed'"),
    ],
)
def test_usage_errors_and_resource_limits_are_one_line_and_exit_2(argv, expected, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(expected)
    assert captured.err.count("\n") == 1
    assert captured.out == ""


def test_engine_errors_name_the_option_the_user_typed(capsys):
    assert main(["model", "params", "--preset", "rabit"]) == 2
    assert capsys.readouterr().err.startswith("error: field '--preset': unknown preset; one of ")


def test_python_dash_m_runs_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "secretome", "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout.startswith("secretome ")


def test_an_output_that_cannot_be_written_exits_1(tmp_path, capsys):
    assert main(["evidence", "template", "--out", str(tmp_path / "missing" / "sheet.csv")]) == 1
    assert capsys.readouterr().err.endswith("missing/sheet.csv': the folder does not exist\n")


@pytest.fixture
def failing_command():
    """Register a throw-away command that raises whatever the test sets, then remove it."""
    box: dict[str, Exception] = {}

    def demo() -> None:
        raise box["error"]

    app.command("demo")(demo)
    yield box
    app.registered_commands.pop()


def test_a_command_whose_engine_has_not_landed_says_so(failing_command, capsys):
    failing_command["error"] = NotLandedError("The demo engine is not available yet; nothing was done")
    assert main(["demo"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: The demo engine is not available yet; nothing was done\n"


def test_input_error_is_one_line_and_exit_2(failing_command, capsys):
    failing_command["error"] = InputError("must be > 0", file="d.csv", row=2, field="vi", value=-1.0)
    assert main(["demo"]) == 2
    assert capsys.readouterr().err == "error: file 'd.csv', row 2, field 'vi': must be > 0 (got -1.0)\n"


def test_markup_in_a_message_is_printed_as_text(failing_command, capsys):
    failing_command["error"] = InputError("bad title", value="[red]<script>")
    assert main(["demo"]) == 2
    assert capsys.readouterr().err == "error: bad title (got '[red]<script>')\n"


def test_debug_shows_the_traceback(failing_command):
    failing_command["error"] = InputError("boom")
    with pytest.raises(InputError, match="boom"):
        main(["--debug", "demo"])


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("secretome ")


# What each command may load: heavy libraries are imported where they are used (issue 12: every
# command took 4-5 s to start). Speed itself is measured in benchmarks/cli_startup.py.
_LOADS = """
import sys
from secretome.cli import main
code = main(sys.argv[1:])
heavy = ("matplotlib", "sklearn", "numba", "sqlalchemy", "pandas", "scipy.stats", "scipy.optimize", "scipy.linalg",
         "scipy.integrate")
print(code, *sorted(m for m in heavy if m in sys.modules))
"""


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        (["--help"], []),
        # A random-effects fit needs only the normal, t and chi-square tails (meta/_distributions.py).
        (["meta", "{table}", "--yi", "yi", "--vi", "vi"], ["pandas"]),
        # Listing presets fits nothing and builds no table: scipy and pandas are imported where they run.
        (["model", "presets"], []),
    ],
    ids=["help", "meta", "model-presets"],
)
def test_a_command_loads_only_what_it_uses(tmp_path, argv, loaded):
    table = tmp_path / "small.csv"
    table.write_text("yi,vi\n0.10,0.010\n0.30,0.020\n0.20,0.015\n", encoding="utf-8")
    args = [a.format(table=table) for a in argv]
    done = subprocess.run([sys.executable, "-c", _LOADS, *args], capture_output=True, text=True, check=True)
    code, *modules = done.stdout.splitlines()[-1].split()
    assert (code, modules) == ("0", loaded)
