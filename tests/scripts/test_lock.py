"""`make lock-check`, run first by `make test`, fails when requirements.lock no longer satisfies
pyproject.toml.

requirements.lock is what `make setup` installs, so a dependency added without `make lock` must stop
CI rather than be installed untested on the next fresh machine. The check needs only `packaging`
(no uv), so it runs here on any venv that has the test tools.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

VENV = Path(sys.prefix)
LOCK_FILES = ("requirements.lock", "requirements-uv.txt")


def _lock_check(folder: Path, *variables: str) -> subprocess.CompletedProcess[str]:
    """The Makefile's lock-check in folder, with this venv (`-o`: never make the venv's tools)."""
    return subprocess.run(
        ["make", "-s", "-C", str(folder), f"VENV={VENV}", "-o", str(VENV / "bin" / "uv"), *variables,
         "lock-check"],
        capture_output=True, text=True, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the check reads: the Makefile, its script, pyproject.toml and the locks."""
    (tmp_path / "scripts").mkdir()
    for name in ("Makefile", "pyproject.toml", "scripts/lock_check.py", *LOCK_FILES):
        shutil.copy2(PROJECT_ROOT / name, tmp_path / name)
    return tmp_path


def _require(project: Path, requirement: str, section: str = "dependencies") -> None:
    """Adds requirement to a list of pyproject.toml (the runtime dependencies, or an extra), as an
    edit without `make lock` would."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    added = text.replace(f"\n{section} = [", f'\n{section} = ["{requirement}", ', 1)
    assert added != text
    pyproject.write_text(added, encoding="utf-8")


def test_the_committed_lock_satisfies_pyproject(project: Path) -> None:
    done = _lock_check(project)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("section", "requirement", "says"), [
    ("dependencies", "tomli-w>=1.0", "the lock has no tomli-w"),  # a new package
    ("dependencies", "shapely>=99", "the lock pins shapely=="),   # a newer release than the pin
    ("test", "pytest>=99", "the lock pins pytest=="),             # an extra
    ("bench", "tomli-w>=1.0", "the lock has no tomli-w"),         # the other extra
    ("build", "setuptools>=999", "the lock pins setuptools=="),   # the build dependency group
])
def test_a_requirement_changed_without_make_lock_fails_the_check(project: Path, section: str,
                                                                  requirement: str, says: str) -> None:
    _require(project, requirement, section)
    done = _lock_check(project)
    assert done.returncode != 0
    error = [line for line in done.stderr.splitlines() if not line.startswith("make")]
    assert len(error) == 1, done.stderr
    assert f'requires "{requirement}"' in error[0]
    assert says in error[0]
    assert "make lock" in error[0]
    for name in LOCK_FILES:
        assert (project / name).read_bytes() == (PROJECT_ROOT / name).read_bytes()


def test_a_requirement_for_another_platform_passes(project: Path) -> None:
    """Markers are evaluated for this machine: the lock need not pin what this platform never installs."""
    _require(project, "pywin32>=306; sys_platform == 'win32'")
    done = _lock_check(project)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("variable", "says"), [
    ("EXTRAS=tset", "[optional-dependencies] has no 'tset'"),
    ("GROUPS=biuld", "[dependency-groups] has no 'biuld'"),
])
def test_an_extra_or_group_pyproject_lacks_is_named(project: Path, variable: str, says: str) -> None:
    done = _lock_check(project, variable)
    assert done.returncode != 0
    assert done.stderr.splitlines()[0] == f"pyproject.toml: {says}"


@pytest.mark.parametrize("name", LOCK_FILES)
def test_the_locks_name_no_index_or_url(name: str) -> None:
    """Installs come from the installer's configured index: the locks carry versions and hashes only."""
    text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
    assert len(re.findall(r"https?://", text)) == 0
    assert not re.search(r"^\s*-(-index-url|-extra-index-url|-find-links|i|f)\b", text, re.MULTILINE)
    assert re.search(r"^\S+==\S+", text, re.MULTILINE)
    assert "--hash=sha256:" in text
