"""``secretome serve`` (the web workbench) and ``secretome user add`` (accounts of a team store)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from secretome.cli._conventions import Format, FormatOption


class Order(StrEnum):
    ranked = "ranked"
    store = "store"


class Role(StrEnum):
    reader = "reader"
    reviewer = "reviewer"
    admin = "admin"


def serve(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Store URL (sqlite:///file.db: one user; postgresql+psycopg://...: a team with sign-in)."
        ),
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback unless told otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    read_only: Annotated[
        bool, typer.Option("--read-only", help="Serve the living review with no write route.")
    ] = False,
    reviewer: Annotated[str, typer.Option("--reviewer", help="Your name on decisions (SQLite store).")] = "",
    order: Annotated[
        Order, typer.Option("--order", help="Screening order: active-learning ranking or store order.")
    ] = Order.ranked,
) -> None:
    """Start the web workbench over the bundled corpus (read-only) or the store at --db."""
    from secretome.serve import ServeSettings, run_server

    settings = ServeSettings(db=db, read_only=read_only, host=host, port=port, reviewer=reviewer, order=order.value)
    run_server(settings)


user_app = typer.Typer(
    help="Accounts of a team store (PostgreSQL): who may read, screen, extract and undo.", no_args_is_help=True
)


@user_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="User name (letters, digits, ._@-).")],
    db: Annotated[str, typer.Option("--db", help="Store URL.")],
    role: Annotated[Role, typer.Option("--role", help="reader, reviewer or admin.")] = Role.reviewer,
    fmt: FormatOption = Format.text,
) -> None:
    """Add an account (or reset its password and role); the password is read from stdin or prompted."""
    import json

    from secretome import evidence

    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    with evidence.open_store(db) as store:
        account = evidence.add_account(store, username, password, role=role.value, actor="secretome user add")
    if fmt is Format.json:
        typer.echo(json.dumps({"id": account.id, "username": account.username, "role": account.role}))
    else:
        typer.echo(f"account {account.username} ({account.role}) saved in {store.url}")
