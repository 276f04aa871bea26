"""`landpatrol` imports a command's modules only when that command runs, and lists them all the same."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import typer.main

from scripts import cli
from tests.conftest import PROJECT_ROOT

HEAVY = ("geopandas", "folium", "fastapi", "pandas")


def _loaded_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, check=True,
                          capture_output=True, text=True)
    return done.stdout.split()


def test_help_imports_no_command_module() -> None:
    code = ("from typer.testing import CliRunner\nfrom scripts.cli import app\n"
            "result = CliRunner().invoke(app, ['--help'])\n"
            "assert result.exit_code == 0 and 'parcels' in result.output, result.output")
    assert _loaded_after(code) == []


def test_a_command_imports_only_its_own_modules() -> None:
    code = ("from typer.testing import CliRunner\nfrom scripts.cli import app\n"
            "result = CliRunner().invoke(app, ['parcels', 'import', '--help'])\n"
            "assert result.exit_code == 0 and '--kind' in result.output, result.output")
    loaded = _loaded_after(code)
    assert "geopandas" in loaded  # (the check above is not vacuous)
    assert "folium" not in loaded and "fastapi" not in loaded


def test_the_listing_is_each_commands_own_help() -> None:
    for name, lazy in cli._COMMANDS.items():
        command = cli._load(name)
        assert (command.short_help, command.hidden, command.deprecated) == (None, False, False), name
        assert not getattr(command, "rich_help_panel", None), name  # (the default panel)
        assert inspect.cleandoc(command.help or "").split("\n\n")[0].strip() == lazy.help, name


def test_every_registered_command_is_listed() -> None:
    """A command a module registers but `_COMMANDS` omits would be unreachable."""
    modules = {p.stem for p in (PROJECT_ROOT / "scripts").glob("cli_*.py")
               if hasattr(importlib.import_module(f"scripts.{p.stem}"), "register")}
    assert modules == {m.removeprefix("scripts.") for lazy in cli._COMMANDS.values() for m in lazy.modules}
    for name in cli._COMMANDS:
        cli._load(name)
    assert set(typer.main.get_group(cli._registered).commands) == set(cli._COMMANDS)


def test_an_unknown_command_is_refused_with_a_suggestion() -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(cli.app, ["parcel"])
    assert result.exit_code == 2
    assert "No such command 'parcel'" in result.output and "'parcels'" in result.output
