"""Fail when requirements.lock no longer satisfies pyproject.toml (`make lock-check`, run by `make test`).

`make setup` installs exactly the lock, so a dependency added to pyproject.toml without `make lock`
must stop CI rather than go untested. Offline and read-only: the lock's pins are compared with
pyproject.toml's requirements, both with their markers evaluated for this machine.
Usage: python scripts/lock_check.py [--extra NAME ...] [--group NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

PYPROJECT = Path("pyproject.toml")
LOCK = Path("requirements.lock")


def locked_versions(lock_text: str) -> dict[NormalizedName, str]:
    """The lock's `name==version ; marker` pins that apply to this machine, by normalised name."""
    pins: dict[NormalizedName, str] = {}
    for line in lock_text.splitlines():
        pin = line.removesuffix("\\").strip()
        if not pin or pin[0] in "#-":
            continue
        requirement = Requirement(pin)
        if requirement.marker is None or requirement.marker.evaluate():
            pins[canonicalize_name(requirement.name)] = next(iter(requirement.specifier)).version
    return pins


def required(pyproject: dict, extras: Iterable[str], groups: Iterable[str]) -> list[tuple[str, Requirement]]:
    """(extra, requirement) for the runtime dependencies, the given extras and dependency groups."""
    project = pyproject["project"]
    found = [("", Requirement(text)) for text in project.get("dependencies", [])]
    for extra in extras:
        found += [(extra, Requirement(text)) for text in _listed(project, "optional-dependencies", extra)]
    for group in groups:
        found += [("", Requirement(text)) for text in _listed(pyproject, "dependency-groups", group)]
    return found


def _listed(table: dict, key: str, name: str) -> list[str]:
    """table[key][name], or a one-line exit naming what pyproject.toml lacks."""
    try:
        return table[key][name]
    except KeyError:
        sys.exit(f"{PYPROJECT}: [{key}] has no {name!r}")


def unsatisfied(pyproject: dict, lock_text: str, extras: Iterable[str], groups: Iterable[str]) -> str | None:
    """The first requirement that applies here and that the lock does not pin a matching version of."""
    pins = locked_versions(lock_text)
    for extra, requirement in required(pyproject, extras, groups):
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        version = pins.get(canonicalize_name(requirement.name))
        wanted = f'{LOCK}: pyproject.toml requires "{requirement}"'
        if version is None:
            return f"{wanted} but the lock has no {requirement.name}"
        if not requirement.specifier.contains(version, prereleases=True):
            return f"{wanted} but the lock pins {requirement.name}=={version}"
    return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", action="append", default=[], help="an optional-dependencies extra")
    parser.add_argument("--group", action="append", default=[], help="a dependency group")
    args = parser.parse_args(argv)
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    problem = unsatisfied(pyproject, LOCK.read_text(encoding="utf-8"), args.extra, args.group)
    if problem:
        sys.exit(f"{problem}; run `make lock` and commit {LOCK}")


if __name__ == "__main__":
    main()
