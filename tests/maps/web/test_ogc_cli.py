"""`landpatrol tokens add|list|revoke` and `ogc public|private` through the real command and HTTP."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from scripts.cli import app
from tests.maps.web.conftest import Site


def _run(site: Site, *args: str):
    return CliRunner().invoke(app, [*args, "--db", site.store.url])


def test_a_token_is_printed_once_stored_hashed_and_revoked(site: Site) -> None:
    made = _run(site, "tokens", "add", "qgis-ana", "--user", "ana", "--expires", "2999-12-31")
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    assert len(token) >= 40
    with site.store.session() as session:
        stored = session.scalar(sa.text("SELECT token_sha256 FROM api_tokens WHERE name = 'qgis-ana'"))
        rows = session.execute(sa.text("SELECT * FROM api_tokens")).all()
    everything = json.dumps([list(r) for r in rows], default=str)
    assert token not in everything and len(stored) == 64
    listed = json.loads(_run(site, "tokens", "list", "--format", "json").output)
    mine = next(t for t in listed if t["name"] == "qgis-ana")
    assert mine["user"] == "ana" and mine["write"] is False and mine["revoked_at"] is None
    assert token not in json.dumps(listed)
    client = site.client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/ogc/collections/basic_farmland/items", headers=headers).status_code == 200
    assert _run(site, "tokens", "revoke", "qgis-ana").exit_code == 0
    assert client.get("/ogc/collections/basic_farmland/items", headers=headers).status_code == 401


def test_write_tokens_are_marked(site: Site) -> None:
    assert _run(site, "tokens", "add", "w-root", "--user", "root", "--write").exit_code == 0
    listed = json.loads(_run(site, "tokens", "list", "--format", "json").output)
    assert next(t for t in listed if t["name"] == "w-root")["write"] is True


@pytest.mark.parametrize(("args", "code", "message"), [
    (["tokens", "add", "x", "--user", "nobody"], 3, "no user"),
    (["tokens", "add", "x", "--user", "ana", "--expires", "2001-01-01"], 2, "--expires"),
    (["tokens", "add", "x", "--user", "ana", "--expires", "soon"], 2, "--expires"),
    (["tokens", "revoke", "nothing"], 3, "no token"),
    (["ogc", "public", "no_such_kind"], 3, "no collection"),
])
def test_bad_input_is_one_line_and_its_exit_code(
    site: Site, args: list[str], code: int, message: str,
) -> None:
    result = _run(site, *args)
    assert result.exit_code == code and message in result.output and "Traceback" not in result.output


def test_a_duplicate_token_name_is_a_conflict(site: Site) -> None:
    assert _run(site, "tokens", "add", "dup", "--user", "ana").exit_code == 0
    assert _run(site, "tokens", "add", "dup", "--user", "ana").exit_code == 4


def test_ogc_public_and_private(site: Site) -> None:
    client = site.client()
    assert client.get("/ogc/collections/forest_patch/items").status_code == 401
    made = _run(site, "ogc", "public", "forest_patch")
    assert made.exit_code == 0 and "public" in made.output
    features = client.get("/ogc/collections/forest_patch/items").json()["features"]
    assert [f["id"] for f in features] == ["QJ-FP-001"]
    assert _run(site, "ogc", "private", "forest_patch").exit_code == 0
    assert client.get("/ogc/collections/forest_patch/items").status_code == 401
