"""`landpatrol tokens …` (API tokens for QGIS and GDAL) and `landpatrol ogc public|private`."""

from __future__ import annotations

from typing import Annotated

import typer

from geo.audit import default_actor
from maps.ogc.collections import COLLECTIONS, get_collection
from maps.ogc.tokens import add_token, list_tokens, public_collections, revoke_token, set_public
from scripts.cli_common import DbOption, OutputFormat, print_rows, store_from

tokens_app = typer.Typer(help="API tokens for desktop GIS (QGIS, GDAL) reading /ogc.", no_args_is_help=True)
ogc_app = typer.Typer(help="The OGC API – Features at /ogc: which collections are public.",
                      no_args_is_help=True)
CollectionArg = Annotated[str, typer.Argument(help=f"A collection: {', '.join(COLLECTIONS)}.")]


@tokens_app.command("add")
def tokens_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the token (to list and revoke it).")],
    user: Annotated[str, typer.Option("--user", help="The user the token acts for (role, streets).")],
    expires: Annotated[str | None, typer.Option("--expires", help="Last day it works (2027-06-30).")] = None,
    write: Annotated[bool, typer.Option("--write", help="Allow writes too (default: read-only).")] = False,
    db: DbOption = None,
) -> None:
    """Make a token and print it once; only its hash is stored."""
    with store_from(ctx, db).session() as session:
        token = add_token(session, name=name, user_name=user, expires=expires, write=write,
                          actor=default_actor())
    typer.echo(token)


@tokens_app.command("list")
def tokens_list(
    ctx: typer.Context, db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option(help="table, json or csv.")] = OutputFormat.table,
) -> None:
    """List tokens (never their values)."""
    with store_from(ctx, db).session() as session:
        rows = list_tokens(session)
    print_rows(rows, ["name", "user", "write", "created_at", "expires_on", "revoked_at"], format)


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The token's name.")], db: DbOption = None,
) -> None:
    """Revoke a token: requests with it get 401 from now on."""
    with store_from(ctx, db).session() as session:
        revoke_token(session, name, actor=default_actor())
    typer.echo(f"token {name} revoked")


def _set(ctx: typer.Context, collection: str, public: bool, db: str | None) -> None:
    found = get_collection(collection)
    with store_from(ctx, db).session() as session:
        set_public(session, found.id, public, actor=default_actor())
        shown = sorted(public_collections(session))
    typer.echo(f"{found.id} is {'public' if public else 'private'}; public: {', '.join(shown) or '-'}")


@ogc_app.command("public")
def ogc_public(ctx: typer.Context, collection: CollectionArg, db: DbOption = None) -> None:
    """Let anyone read a collection without signing in (e.g. a parcel kind)."""
    _set(ctx, collection, True, db)


@ogc_app.command("private")
def ogc_private(ctx: typer.Context, collection: CollectionArg, db: DbOption = None) -> None:
    """Require a sign-in or a token for a collection again (the default)."""
    _set(ctx, collection, False, db)


def register(app: typer.Typer) -> None:
    """Add the token and OGC commands to the root app."""
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(ogc_app, name="ogc")
