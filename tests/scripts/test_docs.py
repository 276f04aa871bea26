"""Every command the CLI offers is in the README's command table (as datasette checks its docs)."""

from __future__ import annotations

import typer.main

from scripts.cli import app
from tests.conftest import PROJECT_ROOT


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    commands = getattr(group, "commands", {})
    paths = []
    for name, command in commands.items():
        path = (*prefix, name)
        paths += _command_paths(command, path) if getattr(command, "commands", None) else [path]
    return paths


def test_every_command_is_in_the_readme_table():
    rows = [line for line in (PROJECT_ROOT / "README.md").read_text("utf-8").splitlines()
            if line.startswith("| `")]
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 25
    missing = [" ".join(path) for path in paths
               if not any(f"`{path[0]}" in row and path[-1] in row for row in rows)]
    assert missing == []
