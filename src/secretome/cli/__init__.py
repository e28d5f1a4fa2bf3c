"""The ``secretome`` command: a thin typer layer that parses, calls one function and prints.

Errors: an :class:`~secretome.errors.InputError` prints ``error: <message>`` and exits 2, any
other :class:`~secretome.errors.SecretomeError` exits 1; a traceback appears only with ``--debug``.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from secretome import __version__, errors
from secretome.cli import _evidence, _meta, _model, _report
from secretome.cli._conventions import stderr

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

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"secretome {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    _state["debug"] = debug


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status (0 ok, 1 failure, 2 bad input or usage)."""
    args = sys.argv[1:] if argv is None else argv
    _state["debug"] = "--debug" in args
    try:
        # Standalone mode lets typer report usage errors itself (exit 2) whatever click it bundles;
        # it ends with SystemExit, and only our own errors come through as exceptions.
        app(args=args, prog_name="secretome", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except errors.SecretomeError as exc:
        if _state["debug"]:
            raise
        stderr.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2 if isinstance(exc, errors.InputError) else 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
