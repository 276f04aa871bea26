"""`landpatrol users add|list|disable` through the real command, and `serve --help`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scripts.cli import app
from tests.maps.conftest import QIANJIN
from tests.maps.web.conftest import Site


@pytest.fixture
def db(site: Site) -> str:
    return site.store.url


def test_users_add_list_disable(db: str) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "cli-insp", "--role", "inspector", "--streets", "前进",
                                "--password-stdin", "--db", db], input="a-long-password\n")
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(app, ["users", "list", "--format", "json", "--db", db]).output)
    mine = next(u for u in listed if u["name"] == "cli-insp")
    assert mine["streets"] == QIANJIN and mine["role"] == "inspector" and "password" not in json.dumps(listed)
    assert runner.invoke(app, ["users", "disable", "cli-insp", "--db", db]).exit_code == 0


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["users", "add", "x1", "--role", "boss"], "a-long-password\n", "role"),
    (["users", "add", "x2", "--role", "inspector"], "a-long-password\n", "street"),
    (["users", "add", "x3", "--role", "analyst"], "short\n", "password"),
    (["users", "add", "root", "--role", "analyst"], "a-long-password\n", "exists"),
    (["users", "disable", "nobody"], "", "no user"),
])
def test_bad_input_is_one_line_not_a_traceback(db: str, args: list[str], stdin: str, message: str) -> None:
    result = CliRunner().invoke(app, [*args, "--password-stdin", "--db", db] if "add" in args
                                else [*args, "--db", db], input=stdin)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_serve_is_documented() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--workers" in result.output and "--db" in result.output


def test_the_web_package_imports_without_connecting(tmp_path: Path) -> None:
    from maps.web import Settings, create_app

    made = create_app(Settings(db=f"sqlite:///{tmp_path / 'none.sqlite'}", secret_key="k" * 32,
                               export_dir=str(tmp_path)))
    assert made.state.store._engine is None and not (tmp_path / "none.sqlite").exists()
