"""Issue categories and ledger dates within bounds; a correction must change something (issue 13, item 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cases.inspections import NO_CHANGE, correct_inspection, log_inspection
from cases.issues import (
    CATEGORIES,
    add_issue,
    add_measure,
    add_note,
    list_issues,
    measure_done,
    set_state,
)
from cases.ledger_io import import_ledger
from cases.models import Inspection, Issue, IssueUpdate, Measure
from cases.status.clock import local_date
from geo.errors import InputError
from geo.orm import utc_now
from scripts.cli import app

runner = CliRunner()
TOMORROW = (local_date(utc_now()) + timedelta(days=1)).isoformat()


def run(store, *args: str):
    return runner.invoke(app, ["--db", store.url, *args])


def counts(store) -> tuple[int, int, int]:
    with store.session() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(m))
                     for m in (Issue, Measure, IssueUpdate))


@pytest.mark.parametrize("category", [0, -1, 6, 999, True])
def test_unknown_categories_are_refused_naming_the_valid_ones(store, category):
    with pytest.raises(InputError) as caught, store.session() as session:
        add_issue(session, ref="2-1", category=category, title="罚没")
    assert str(caught.value) == f"category: {category!r} is not a category (valid: 1, 2, 3, 4, 5)"
    assert (caught.value.field, caught.value.code) == ("category", "out_of_range")
    with pytest.raises(InputError, match=r"category: .* is not a category"), store.session() as session:
        list_issues(session, category=category)
    assert counts(store) == (0, 0, 0)


def test_every_report_category_is_accepted(store):
    with store.session() as session:
        for category in CATEGORIES:
            add_issue(session, ref=f"{category}-1", category=category, title="t")
        assert len(list_issues(session, category=2)) == 1


def test_the_cli_refuses_unknown_categories_with_exit_2(store):
    added = run(store, "issues", "add", "9-1", "--category", "999", "--title", "x")
    assert added.exit_code == 2 and "category: 999 is not a category" in added.output
    listed = run(store, "issues", "list", "--category", "-1")
    assert listed.exit_code == 2 and "--category: '-1' is neither a category number" in listed.output
    assert counts(store) == (0, 0, 0)


DATED = [
    ("on", lambda s, day: set_state(s, ref="2-1", state="done", on=day)),
    ("on", lambda s, day: add_note(s, ref="2-1", text="督促", on=day)),
    ("on", lambda s, day: measure_done(s, 1, on=day)),
    ("done_on", lambda s, day: add_measure(s, ref="2-1", text="拆除", done_on=day)),
    ("opened_on", lambda s, day: add_issue(s, ref="2-2", category=2, title="t", opened_on=day)),
    ("state_on", lambda s, day: add_issue(s, ref="2-2", category=2, title="t", state_on=day)),
]


@pytest.mark.parametrize("day, reason", [("1800-01-01", "before 2000"), ("1999-12-31", "before 2000"),
                                         (TOMORROW, "after today")])
@pytest.mark.parametrize("field, call", DATED, ids=[f"{f}-{i}" for i, (f, _) in enumerate(DATED)])
def test_dates_of_what_happened_lie_between_2000_and_today(store, field, call, day, reason):
    with store.session() as session:
        add_issue(session, ref="2-1", category=2, title="罚没", opened_on="2022-06-21")
        add_measure(session, ref="2-1", text="拆除窝棚")
    with store.session() as session:
        before = counts(store), session.get(Measure, 1).done_on
    with pytest.raises(InputError) as caught, store.session() as session:
        call(session, day)
    assert str(caught.value).startswith(f"{field}: {day} is {reason}")
    assert (caught.value.field, caught.value.code) == (field, "out_of_range")
    with store.session() as session:
        assert (counts(store), session.get(Measure, 1).done_on) == before


def test_deadlines_may_lie_ahead_but_not_before_2000(store):
    with store.session() as session:
        add_issue(session, ref="2-1", category=2, title="t", deadline="2030-12-31")
        add_measure(session, ref="2-1", text="拆除", due="2030-06-30")
    with pytest.raises(InputError, match="due: 1800-01-01 is before 2000"), store.session() as session:
        add_measure(session, ref="2-1", text="拆除", due="1800-01-01")
    with pytest.raises(InputError, match="deadline: 1999-01-01 is before 2000"), store.session() as session:
        add_issue(session, ref="2-2", category=2, title="t", deadline="1999-01-01")


def test_the_cli_refuses_a_state_dated_1800(store):
    assert run(store, "issues", "add", "2-1", "--category", "2", "--title", "t").exit_code == 0
    result = run(store, "issues", "state", "2-1", "done", "--on", "1800-01-01")
    assert result.exit_code == 2 and "on: 1800-01-01 is before 2000" in result.output
    assert counts(store) == (1, 0, 1)


def test_a_correction_changing_nothing_is_refused_as_the_api_refuses_it(store, sites):
    with store.session() as session:
        first = log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="李",
                               findings={"sheds_count": 2})
    with pytest.raises(InputError) as caught, store.session() as session:
        correct_inspection(session, first.id, changes={})
    assert str(caught.value) == NO_CHANGE == "body: give at least one field to correct"
    result = run(store, "inspect", "correct", str(first.id))
    assert result.exit_code == 2 and NO_CHANGE in result.output
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Inspection)) == 1


def test_a_ledger_import_with_an_unknown_category_names_row_and_field(store, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("编号,类别,问题\n1-1,1,窝棚\n9-1,9,越界\n", encoding="utf-8")
    with pytest.raises(InputError) as caught, store.session() as session:
        import_ledger(session, path)
    assert str(caught.value) == (
        "ledger.csv issues row 3, category: 9 is not a category (valid: 1, 2, 3, 4, 5)")
    assert (caught.value.field, caught.value.row, caught.value.code) == ("category", 2, "out_of_range")
    assert counts(store) == (0, 0, 0)
