"""The command line names the option that fixes an error; the services only give its code.

Each hint is chosen by the error's `code` (`scripts.cli_hints`), so the services'
messages, which web users read too, never quote a `--flag`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo.errors import InputError
from geo.store import Store
from maps.web.messages import HINTS as WEB_HINTS
from scripts.cli import app
from scripts.cli_hints import HINTS, cli_message
from tests.conftest import PROJECT_ROOT

runner = CliRunner()
SERVICE_PACKAGES = ("geo", "layers", "cases")
# The export command's own options (`layers.export_spec.ExportOptions`): the web sets only a format
# it has checked already, so these lines reach the command line alone, which names its options.
CLI_OPTION_CHECKS = ("layers/export_spec.py", "layers/export_write.py")


def _run(store: Store, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", store.url, *args])
    return result.exit_code, result.output


def _rejected_csv(folder: Path) -> Path:
    path = folder / "visits.csv"
    path.write_text("parcel_code,inspected_at,inspector\nNOPE-9,2022-05-01T09:00,李\n", encoding="utf-8")
    return path


def test_a_rejected_import_tells_the_command_line_to_use_partial(store: Store, tmp_path: Path) -> None:
    code, output = _run(store, "inspect", "import", str(_rejected_csv(tmp_path)))
    assert code == 2
    assert "row 2, parcel_code: no parcel 'NOPE-9'" in output
    assert output.strip().endswith("nothing imported; use --partial to keep good rows")
    code, output = _run(store, "inspect", "import", str(_rejected_csv(tmp_path)), "--partial",
                        "--rejected", str(tmp_path / "rejected.csv"))
    assert code == 0 and "0 of 1 rows imported" in output


def test_a_layer_without_crs_tells_the_command_line_to_give_crs(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "parcels.csv"
    path.write_text("code,wkt\nP1,\"POLYGON ((0 0, 1 0, 1 1, 0 0))\"\n", encoding="utf-8")
    code, output = _run(store, "parcels", "import", str(path), "--kind", "basic_farmland")
    assert code == 2
    assert "a CSV file has no CRS; give --crs (e.g. EPSG:4490 or gcj02)" in output


def test_an_error_without_a_hint_keeps_its_line() -> None:
    assert cli_message(InputError("x: bad", field="x", code="out_of_range")) == "x: bad"
    assert cli_message(InputError("f.csv: 2 layers: a, b", code="many_layers")) == (
        "f.csv: 2 layers: a, b; choose one with --layer")


def _service_sources() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8")))
            for package in SERVICE_PACKAGES for path in sorted((PROJECT_ROOT / package).rglob("*.py"))]


def _texts(node: ast.AST) -> list[str]:
    """The string literals inside a node (f-strings' literal parts included)."""
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _service_codes() -> set[str]:
    """Every code the services pass as `code=` (both branches of a conditional too)."""
    return {text for _, tree in _service_sources() for node in ast.walk(tree)
            if isinstance(node, ast.keyword) and node.arg == "code" for text in _texts(node.value)}


@pytest.mark.parametrize("code", sorted(HINTS))
def test_every_hint_is_for_a_code_the_services_raise_and_the_web_words_too(code: str) -> None:
    assert code in _service_codes()
    assert code in WEB_HINTS


def test_no_service_error_quotes_an_option_a_hint_names() -> None:
    """What the services raise, or report about a row, never names the options the hints give."""
    options = sorted({flag for hint in HINTS.values() for flag in re.findall(r"--[a-z][a-z-]+", hint)})
    quoted = [f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {option}"
              for path, tree in _service_sources()
              if str(path.relative_to(PROJECT_ROOT)) not in CLI_OPTION_CHECKS for node in ast.walk(tree)
              if isinstance(node, ast.Raise) or (isinstance(node, ast.Call)
                                                  and getattr(node.func, "attr", "") == "problem")
              for text in _texts(node) for option in options if option in text]
    assert quoted == []
