"""The `landpatrol` commands as the Typer app declares them, and good values for each.

Tests that run every command (bad values, strict JSON) build their command
lines here, so a new command fails them until it is given good values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from scripts.cli import app

CODE = "JBNT-440106001-01"

# Good values for what each command needs, so that the bad value is the only thing wrong.
GOOD: dict[str, dict[str, str | list[str]]] = {
    "export": {"out": "<tmp>/x.gpkg"}, "report": {}, "demo": {}, "serve": {}, "init": {},
    "streets import": {"file": "<data>/streets.gpkg"}, "streets list": {},
    "parcels import": {"file": "<data>/parcels.gpkg", "kind": "basic_farmland"},
    "parcels list": {}, "parcels show": {"code": CODE},
    "inspect log": {"code": CODE, "at": "2022-10-25T09:30", "inspector": "x"},
    "inspect correct": {"inspection_id": "1"}, "inspect import": {"file": "<data>/inspections.csv"},
    "inspect history": {"code": CODE},
    "issues import": {"file": "<data>/issues.csv"},
    "issues add": {"ref": "9-9", "category": "1", "title": "t"},
    "issues link": {"ref": "1-1", "codes": [CODE]},
    "issues measure": {"ref": "1-1", "text": "t"}, "issues measure-done": {"measure_id": "1"},
    "issues state": {"ref": "1-1", "state": "done"}, "issues note": {"ref": "1-1", "text": "t"},
    "issues list": {}, "issues show": {"ref": "1-1"}, "issues export": {"file": "<tmp>/ledger.xlsx"},
    "map street": {"street": "440106020"}, "map all": {"out": "<tmp>/maps"},
    "users add": {"name": "new-user", "role": "admin", "password_stdin": True},  # type: ignore[dict-item]
    "users list": {}, "users disable": {"name": "nobody"},
    "users password": {"name": "nobody", "password_stdin": True},  # type: ignore[dict-item]
    "users unlock": {"name": "nobody"},
    "backup": {"out": "<tmp>/store.backup"}, "restore": {"archive": "<tmp>/missing.backup"},
    "inspect conflicts": {}, "patrol list": {},
    "tokens add": {"name": "qgis", "user": "nobody"}, "tokens list": {}, "tokens revoke": {"name": "nosuch"},
    "ogc public": {"collection": "basic_farmland"}, "ogc private": {"collection": "basic_farmland"},
}


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    subs = getattr(group, "commands", None)
    if not subs:
        yield " ".join(path), group
        return
    for name, sub in subs.items():
        yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(typer.main.get_command(app)))


def command_args(command: Any, values: dict[str, str | list[str] | bool]) -> list[str]:
    """The command line for `values` by parameter name: arguments in order, then options."""
    args: list[str] = []
    for param in command.params:
        value = values.get(param.name or "")
        if value is None or value is False:
            continue
        if param.param_type_name == "argument":
            args.extend(value if isinstance(value, list) else [str(value)])
        elif value is True:
            args.append(param.opts[0])
        else:
            for item in value if isinstance(value, list) else [value]:
                args.extend([param.opts[0], str(item)])
    return args


