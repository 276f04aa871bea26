"""The inspect, issues and report commands through Typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from scripts.cli import app

runner = CliRunner()


def run(store, *args: str):
    return runner.invoke(app, ["--db", store.url, *args])


def test_commands_end_to_end(store, sites, tmp_path):
    logged = run(
        store,
        "inspect",
        "log",
        "QJ-001",
        "--at",
        "2022-05-01T09:00",
        "--inspector",
        "李",
        "--sheds",
        "3",
        "--hardened",
        "20",
        "--residence",
        "--lon",
        "113.4005",
        "--lat",
        "23.1305",
    )
    assert logged.exit_code == 0, logged.output
    assert "inspection 1 logged for QJ-001" in logged.output
    assert run(store, "inspect", "correct", "1", "--sheds", "2").exit_code == 0
    history = run(store, "inspect", "history", "QJ-001", "--format", "json")
    assert [r["sheds_count"] for r in json.loads(history.output)] == [2, 3]
    for args in (
        ["add", "1-1", "--category", "1", "--title", "窝棚", "--opened", "2022-06-21"],
        ["link", "1-1", "QJ-001"],
        ["measure", "1-1", "拆除窝棚", "--owner", "前进街道"],
        ["measure-done", "1", "--on", "2022-09-01"],
        ["note", "1-1", "已督促", "--on", "2022-07-01"],
        ["state", "1-1", "done", "--on", "2022-10-01"],
    ):
        result = run(store, "issues", *args)
        assert result.exit_code == 0, (args, result.output)
    listed = json.loads(run(store, "issues", "list", "--format", "json").output)
    assert listed[0]["ref"] == "1-1" and listed[0]["done_with_violation"] is True
    shown = json.loads(run(store, "issues", "show", "1-1", "--format", "json").output)
    assert shown["measures"][0]["owner"] == "前进街道"
    assert run(store, "issues", "export", str(tmp_path / "ledger.xlsx")).exit_code == 0
    report = run(store, "report", "--as-of", "2022-10-25", "--format", "json")
    assert json.loads(report.output)["summary"] == "共1项整改任务,已完成1项"
    english = run(store, "report", "--lang", "en", "--format", "md")
    assert "1 rectification tasks: 1 done" in english.output


def test_bad_input_is_one_line_and_non_zero(store, sites, tmp_path):
    cases = [
        (
            ["inspect", "log", "QJ-001", "--at", "2022-05-01", "--inspector", "李", "--sheds", "-1"],
            2,
            "sheds_count: -1 is negative",
        ),
        (
            ["inspect", "log", "QJ-001", "--at", "2022-05-01", "--inspector", "李", "--sheds", "1.5"],
            2,
            "sheds_count: 1.5 is not a whole number",
        ),
        (
            ["inspect", "log", "QJ-1", "--at", "2022-05-01", "--inspector", "李"],
            2,
            "parcel_code: no parcel 'QJ-1'",
        ),
        (
            ["inspect", "log", "QJ-001", "--at", "tomorrow", "--inspector", "李"],
            2,
            "inspected_at: 'tomorrow'",
        ),
        (["issues", "state", "9-9", "done"], 3, "issue: no issue '9-9'"),
        (["issues", "measure", "9-9", "text"], 3, "issue: no issue '9-9'"),
        (["inspect", "import", str(tmp_path / "none.csv")], 3, "no such file"),
        (["report", "--as-of", "someday"], 2, "as_of: 'someday'"),
    ]
    for args, code, message in cases:
        result = run(store, *args)
        assert result.exit_code == code, (args, result.output)
        assert message in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert json.loads(run(store, "inspect", "history", "QJ-001", "--format", "json").output) == []
