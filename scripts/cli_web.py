"""`landpatrol serve` and `landpatrol users …`: the web app and the people who sign in to it."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Annotated

import typer

from geo.errors import InputError
from maps.web.settings import get_settings
from maps.web.sign_in_limits import unlock
from maps.web.users import ROLES, add_user, disable_user, get_user, list_users, set_password
from scripts.cli_common import DbOption, OutputFormat, print_rows, store_from

UserName = Annotated[str, typer.Argument(help="Sign-in name.")]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of stdin.")]
users_app = typer.Typer(help="People who sign in to the web app, and their roles.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes.")] = 1,
    db: DbOption = None,
) -> None:
    """Run the web app (uvicorn). LANDPATROL_SECRET_KEY keeps sign-ins across restarts; PostGIS needs it."""
    import uvicorn

    store = store_from(ctx, db)
    if not store.is_spatialite and not os.environ.get("LANDPATROL_SECRET_KEY"):
        # Several servers may share a PostGIS store: each must sign cookies with the same key.
        raise InputError("LANDPATROL_SECRET_KEY: set it (the same on every server) to serve a PostGIS store",
                         field="LANDPATROL_SECRET_KEY", code="secret_key_required")
    os.environ["LANDPATROL_DB"] = store.url
    if store.read_url:  # --db-read: every worker's exports read the replica
        os.environ["LANDPATROL_DB_READ"] = store.read_url
    # Every worker must sign and check cookies with the same key.
    os.environ.setdefault("LANDPATROL_SECRET_KEY", secrets.token_urlsafe(32))
    typer.echo(f"landpatrol web app on http://{host}:{port}/ ({workers} worker(s))")
    # Proxy headers from the trusted addresses give the browser's scheme (Secure cookies over HTTPS).
    uvicorn.run("maps.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, proxy_headers=True,
                forwarded_allow_ips=get_settings().forwarded_allow_ips)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: UserName,
    role: Annotated[str, typer.Option("--role", help=f"One of {'|'.join(ROLES)}.")],
    streets: Annotated[list[str] | None, typer.Option(
        "--streets", help="An inspector's street (code, name or short name); repeat for more.")] = None,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
) -> None:
    """Add a user; the password is asked for twice unless --password-stdin."""
    password = _password(password_stdin)
    store = store_from(ctx, db)
    with store.session() as session:
        user = add_user(session, name=name, role=role, password=password, streets=streets or [])
        where = f": {', '.join(user.streets)}" if user.streets else ""
        typer.echo(f"user {user.name} added ({user.role}{where})")


@users_app.command("list")
def users_list(
    ctx: typer.Context,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.table,
    db: DbOption = None,
) -> None:
    """Every user: name, role, streets, disabled."""
    store = store_from(ctx, db)
    with store.session() as session:
        rows = [{**u, "streets": ",".join(u["streets"])} for u in list_users(session)]
    print_rows(rows, ["name", "role", "streets", "disabled", "created_at"], fmt)


@users_app.command("disable")
def users_disable(ctx: typer.Context, name: UserName, db: DbOption = None) -> None:
    """Stop a user signing in and end their sessions (their records stay)."""
    store = store_from(ctx, db)
    with store.session() as session:
        disable_user(session, name)
    typer.echo(f"user {name} disabled")


@users_app.command("password")
def users_password(ctx: typer.Context, name: UserName, password_stdin: PasswordStdin = False,
                   db: DbOption = None) -> None:
    """Give a user a new password; their sessions end at once."""
    password = _password(password_stdin)
    store = store_from(ctx, db)
    with store.session() as session:
        set_password(session, name, password)
    typer.echo(f"user {name}: password changed, sessions ended")


@users_app.command("unlock")
def users_unlock(ctx: typer.Context, name: UserName, db: DbOption = None) -> None:
    """Lift a user's sign-in lockout, from every address."""
    store = store_from(ctx, db)
    with store.session() as session:
        get_user(session, name)
        unlock(session, name)
    typer.echo(f"user {name} unlocked")


def register(app: typer.Typer) -> None:
    """Add `serve` and `users` to the root app."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
