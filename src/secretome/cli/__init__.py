"""The ``secretome`` command: a thin typer layer that parses, calls one function and prints.

Errors: an :class:`~secretome.errors.InputError` or a usage error prints ``error: <message>`` (one
line) and exits 2, any other :class:`~secretome.errors.SecretomeError` exits 1; a traceback appears
only with ``--debug``. Engines name their own parameters in errors (``field 'preset'``); the line
printed names the option the user typed instead (``field '--preset'``).

The command modules import their engines inside the commands, so that ``secretome --help`` and
each command load only what they use.
"""

from __future__ import annotations

import functools
import sys
import warnings
from typing import Annotated, Any

import typer

from secretome import errors
from secretome.cli import _evidence, _meta, _model, _report, _serve
from secretome.cli._conventions import print_error as _print_error
from secretome.cli._conventions import print_warning as _print_warning

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="secretome",
    help="The computable state of the art of MSC-secretome therapy for osteoarthritis.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(_report.report)
app.command()(_meta.meta)
app.add_typer(_evidence.app, name="evidence")
app.add_typer(_model.app, name="model")
app.command()(_serve.serve)
app.add_typer(_serve.user_app, name="user")

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        from secretome import __version__  # read from the package metadata only when asked

        typer.echo(f"secretome {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    _state["debug"] = debug


# Engine parameter names -> the options that set them, for the error line.
_OPTIONS = {
    "preset": "--preset",
    "merge_id": "--undo",
    "file_format": "--from",
    "subjects": "--subjects",
    "seed": "--seed",
    "scheduler": "--scheduler",
    "to": "--to",
    "host": "--host",
    "at_time": "--at-time",
    "trajectories": "--trajectories",
    # secretome.meta.follow_ups_from_csv, which `secretome meta` runs after the fit.
    "random": "--random",
    "robust_cluster": "--robust",
    "selmodel": "--selmodel",
    "fsn": "--fsn",
    "regtest": "--regtest",
    "ranktest": "--ranktest",
    "trimfill": "--trimfill",
    "influence_diagnostics": "--influence",
    "leave1out": "--leave1out",
    "confint": "--confint",
    "profile": "--profile",
    "baujat_path": "--baujat",
    "radial_path": "--radial",
    "labbe_path": "--labbe",
    "qqnorm_path": "--qqnorm",
    "predictions": "--predict",
    "transf": "--transf",
    "blups": "--blup",
    "ranefs": "--ranef",
    "vifs": "--vif",
    "wald": "--anova",
    "lrt": "--lrt",
    "gosh_path": "--gosh",
    "subsets": "--subsets",
    "permutations": "--permutest",
    # metafor's control list (meta_from_csv), which `secretome meta` takes as --control NAME=VALUE.
    "control": "--control",
    # meta_from_csv's assumed within-study correlation of the sampling errors.
    "rho": "--rho",
}


def _in_cli_terms(exc: errors.SecretomeError) -> str:
    # Only where no row or record is named: a column of a data file may have an option's name.
    if isinstance(exc, errors.InputError) and exc.row is None and exc.record is None and exc.field in _OPTIONS:
        value = {} if exc.value is None else {"value": exc.value}
        return str(errors.InputError(exc.reason, file=exc.file, field=_OPTIONS[exc.field], **value))
    return str(exc)


def _is_usage_error(exc: Exception) -> bool:
    # typer raises click's UsageError, from whichever click it bundles or depends on.
    return any(cls.__name__ == "UsageError" for cls in type(exc).__mro__)


@functools.cache
def _command(commands: tuple[object, ...]) -> Any:
    # typer rebuilds the click command tree from the signatures on every call (about 50 ms); it is
    # built once per set of registered commands instead. The key holds the commands themselves (they
    # hash by identity): keyed by their id()s, a command registered after another was removed could
    # get the old one's id and run the old, cached callback (seen in tests/cli/test_cli.py, now and then).
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status (0 ok, 1 failure, 2 bad input or usage)."""
    args = sys.argv[1:] if argv is None else argv
    _state["debug"] = "--debug" in args
    try:
        with warnings.catch_warnings():
            # An engine's warning (rows omitted, a bound p-value) is one line for the reader, shown once.
            warnings.simplefilter("default")
            # "default" would also show ResourceWarning, which Python hides outside development mode: a
            # file handle that some library left to the garbage collector then printed a stray
            # "warning: unclosed file" line at a random later point (seen in the CLI fuzz test).
            warnings.simplefilter("ignore", ResourceWarning)
            warnings.showwarning = _print_warning
            code = _command(tuple(app.registered_commands))(args=args, prog_name="secretome", standalone_mode=False)
    except errors.SecretomeError as exc:
        if _state["debug"]:
            raise
        _print_error(_in_cli_terms(exc))
        return 2 if isinstance(exc, errors.InputError) else 1
    except Exception as exc:
        if not _is_usage_error(exc):
            raise
        message = exc.format_message()  # type: ignore[attr-defined]
        if message:  # empty when the help was shown for a bare group (no_args_is_help)
            context = getattr(exc, "ctx", None)
            command = context.command_path if context is not None else "secretome"
            _print_error(f"{message} (see `{command} --help`)")
        return int(getattr(exc, "exit_code", 2))
    return code if isinstance(code, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
