"""What the CLI prints: strict JSON, empty CSV cells, tables that fit 80 columns, new filters and views."""

from __future__ import annotations

import csv
import io
import json
from contextlib import redirect_stdout
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scripts.cli import app
from scripts.cli_output import OutputFormat, print_rows
from tests.scripts.cli_commands import CODE, COMMANDS, GOOD, command_args
from tests.scripts.conftest import Demo


def _refuse(constant: str) -> Any:
    raise ValueError(f"not JSON: {constant}")


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity."""
    return json.loads(text, parse_constant=_refuse)


@pytest.fixture(scope="module")
def demo_url(demo_built: Demo, tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_built.copy(tmp_path_factory.mktemp("output"))


def _run(url: str, *args: str, columns: int = 100) -> Any:
    result = CliRunner().invoke(app, ["--db", url, *args], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result


JSON_COMMANDS = [name for name, command in COMMANDS.items()
                 if any(p.name in ("fmt", "format") for p in command.params) and name != "export"]


@pytest.mark.parametrize("name", JSON_COMMANDS)
def test_every_json_output_is_strict_json(name: str, demo_url: str, demo_built: Demo, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    values: dict[str, Any] = {
        k: v.replace("<data>", str(demo_built.out / "data")).replace("<tmp>", str(tmp_path))
        if isinstance(v, str) else v for k, v in GOOD[name].items()}
    fmt = next(p.name for p in COMMANDS[name].params if p.name in ("fmt", "format"))
    values[fmt] = "json"
    result = CliRunner().invoke(app, ["--db", demo_url, *name.split(), *command_args(COMMANDS[name], values)])
    assert result.exit_code == 0, result.output
    strict_json(result.output)


def test_missing_values_are_null_in_json_and_empty_in_csv(demo_url: str) -> None:
    rows = strict_json(_run(demo_url, "parcels", "list", "--format", "json").output)
    row = next(r for r in rows if r["code"] == CODE)
    assert row["village"] is None
    assert row["last_inspected_at"].endswith("+08:00")
    records = list(csv.DictReader(io.StringIO(_run(demo_url, "parcels", "list", "--format", "csv").output)))
    record = next(r for r in records if r["code"] == CODE)
    assert record["village"] == ""
    assert record["last_inspected_at"] == row["last_inspected_at"]
    assert not any(v == "nan" for r in records for v in r.values())


def test_tables_at_80_columns_print_codes_whole(demo_url: str, demo_built: Demo) -> None:
    parcels = strict_json(_run(demo_url, "parcels", "list", "--format", "json").output)
    table = _run(demo_url, "parcels", "list", columns=80).output
    assert all(len(line) <= 80 for line in table.splitlines())
    assert all(p["code"] in table for p in parcels)
    assert "nan" not in table and "…" not in table
    issues = strict_json(_run(demo_url, "issues", "list", "--format", "json").output)
    table = _run(demo_url, "issues", "list", columns=80).output
    assert all(i["ref"] in table for i in issues) and "…" not in table
    history = strict_json(_run(demo_url, "inspect", "history", CODE, "--format", "json").output)
    table = _run(demo_url, "inspect", "history", CODE, columns=80).output
    assert "…" not in table
    for record in history:
        assert str(record["id"]) in table
        # Beijing time to the minute, whole: 2022-10-18T10:00:00+08:00 -> 2022-10-18 10:00
        assert record["inspected_at"][:16].replace("T", " ") in table
        assert record["inspected_at"].endswith("+08:00")


def test_parcels_list_filters_by_status_as_of_a_day(demo_url: str) -> None:
    now = strict_json(_run(demo_url, "parcels", "list", "--format", "json").output)
    then = strict_json(_run(demo_url, "parcels", "list", "--as-of", "2022-06-30", "--format", "json").output)
    assert [p["code"] for p in now] == [p["code"] for p in then]
    assert [p["status"] for p in now] != [p["status"] for p in then]
    for status in {p["status"] for p in then}:
        chosen = strict_json(_run(demo_url, "parcels", "list", "--as-of", "2022-06-30", "--status", status,
                                  "--format", "json").output)
        assert [p["code"] for p in chosen] == [p["code"] for p in then if p["status"] == status]


def test_issues_show_is_readable_by_default_and_json_on_request(demo_url: str) -> None:
    text = _run(demo_url, "issues", "show", "1-1").output
    assert not text.lstrip().startswith("{")
    detail = strict_json(_run(demo_url, "issues", "show", "1-1", "--format", "json").output)
    assert f"title: {detail['title']}" in text
    assert f"measures ({len(detail['measures'])}):" in text


@pytest.mark.parametrize("category", ["民生问题解决不力", "People's livelihood problems", "3"])
def test_issues_add_takes_a_category_by_name(category: str, demo_built: Demo, tmp_path: Path) -> None:
    url = demo_built.copy(tmp_path)
    _run(url, "issues", "add", "9-1", "--category", category, "--title", "t")
    detail = strict_json(_run(url, "issues", "show", "9-1", "--format", "json").output)
    assert detail["category"] == 3


@pytest.mark.parametrize(("command", "option", "values"), [
    ("parcels list", "--status", ["uninspected", "overdue"]),
    ("parcels list", "--kind", ["basic_farmland", "temporary_land"]),
    ("parcels import", "--on-invalid", ["fail", "repair", "skip"]),
    ("issues list", "--state", ["in_progress", "basically_done", "done"]),
    ("issues add", "--category", ["民生问题解决不力"]),
])
def test_help_lists_the_fixed_values(command: str, option: str, values: list[str]) -> None:
    result = CliRunner().invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert option in result.output
    assert all(value in result.output for value in values)


def test_report_path_is_checked_before_the_import_commits(demo_built: Demo, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    _run(url, "init")
    result = CliRunner().invoke(app, [
        "--db", url, "parcels", "import", str(demo_built.out / "data" / "parcels.gpkg"),
        "--layer", "basic_farmland", "--kind", "basic_farmland",
        "--report", str(tmp_path / "no-such-folder" / "r.json")])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"landpatrol: error: --report: folder {tmp_path / 'no-such-folder'} does not exist")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM parcels")).scalar() == 0
    engine.dispose()


def test_a_street_without_parcels_lists_nothing(demo_url: str) -> None:
    assert strict_json(_run(demo_url, "parcels", "list", "--street", "沙河", "--format", "json").output) == []
    assert _run(demo_url, "parcels", "list", "--street", "沙河").output.strip() == "(none)"


missing_or_plain = st.one_of(
    st.none(), st.floats(), st.integers(), st.text(alphabet="xyz 前进,\"\n"), st.booleans(),
    st.datetimes(timezones=st.sampled_from([UTC, None])), st.just(pd.NaT), st.just(np.float64("nan")),
    st.just(pd.NA), st.dates())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), missing_or_plain), max_size=5))
def test_any_values_print_as_strict_json_and_csv_without_nan(rows: list[dict[str, Any]]) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        print_rows(rows, ["a", "b", "c"], OutputFormat.json)
    assert len(strict_json(out.getvalue())) == len(rows)
    out = io.StringIO()
    with redirect_stdout(out):
        print_rows(rows, ["a", "b", "c"], OutputFormat.csv)
    cells = [cell for record in csv.reader(io.StringIO(out.getvalue())) for cell in record]
    assert not {"nan", "NaN", "NaT", "<NA>", "None", "inf"} & set(cells)
