"""Every `landpatrol …` line of the README's ```sh blocks runs as written, against the demo store.

The lines run in README order on one copy of the demo store, in a scratch folder.
Left out, and why: `serve` (it would not return). Commands that ask for a
password (`users add` without --password-stdin) are given one on stdin, as a
person would type it twice. A PostgreSQL URL in an example is replaced by the
demo store's URL. Other lines of the blocks (make, benchmarks) are not CLI
examples.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scripts.cli import app
from tests.conftest import PROJECT_ROOT
from tests.scripts.conftest import Demo

README = PROJECT_ROOT / "README.md"
SKIPPED = {"serve": "runs the web server until stopped"}
PG_URL = re.compile(r"postgresql\+psycopg://\S+")
PASSWORD = "readme-example-password\n" * 2


@dataclass(frozen=True)
class Example:
    line: int
    text: str

    def __str__(self) -> str:
        return f"README.md:{self.line}: {self.text}"


def readme_examples(text: str) -> list[Example]:
    """The `landpatrol` command lines of the ```sh blocks, comments and `VAR=… ` prefixes removed."""
    examples, in_sh = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_sh = line.strip() == "```sh" and not in_sh
            continue
        command = line.split(" #")[0].strip()
        words = command.split()
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
            words.pop(0)
        if in_sh and words[:1] == ["landpatrol"]:
            examples.append(Example(number, " ".join(words)))
    return examples


EXAMPLES = readme_examples(README.read_text(encoding="utf-8"))


def test_the_readme_has_cli_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.fixture(scope="module")
def readme_store(demo_built: Demo, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("readme")
    return demo_built.copy(folder), folder


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_readme_example_runs(example: Example, readme_store: tuple[str, Path],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    url, folder = readme_store
    args = shlex.split(PG_URL.sub(url, example.text))[1:]
    if args[0] in SKIPPED:
        pytest.skip(f"{args[0]}: {SKIPPED[args[0]]}")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("LANDPATROL_DB", url)
    monkeypatch.setenv("LANDPATROL_MEDIA", str(folder / "media"))
    result = CliRunner().invoke(app, args, input=PASSWORD)
    assert result.exit_code == 0, f"{example}\n  exit {result.exit_code}: {result.output.strip()}"
