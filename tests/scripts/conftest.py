"""The Tianhe demo store, built once per session for the CLI tests that need real content."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.demo import run_demo


@dataclass(frozen=True)
class Demo:
    """A built demo: its SpatiaLite file and the folder of generated data, maps and exports."""

    db: Path
    out: Path

    def copy(self, folder: Path) -> str:
        """URL of a private copy of the demo store in `folder` (tests that write use one)."""
        target = folder / "demo.sqlite"
        shutil.copyfile(self.db, target)
        return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """`run_demo` on SpatiaLite, once (about 10 s)."""
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.sqlite"
    run_demo(f"sqlite:///{db}", folder / "out", say=lambda _text: None)
    return Demo(db, folder / "out")
