"""The rectification ledger, its import/export and the progress report."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from cases.inspections import log_inspection
from cases.issue_state import ref_key
from cases.issues import (
    add_issue,
    add_measure,
    add_note,
    category_label,
    issue_detail,
    ledger_frame,
    link_parcels,
    list_issues,
    measure_done,
    set_state,
)
from cases.ledger_io import ISSUE_SHEETS, MEASURE_SHEETS, SHEETS, export_ledger, import_ledger, sheet_name
from cases.models import Issue, Measure
from cases.report import build_report
from cases.report_text import render_report
from geo.audit import AuditEvent
from geo.errors import ConflictError, InputError, NotFoundError

# The 2022 report: 20 issues in 5 categories, 14 done, 1 basically done, 5 in progress.
STATES = ["done"] * 14 + ["basically_done"] + ["in_progress"] * 5
CATEGORY = [1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 1, 2, 3]


def load_report_issues(session) -> None:
    for number, (state, category) in enumerate(zip(STATES, CATEGORY, strict=True), start=1):
        add_issue(
            session,
            ref=f"{category}-{number}",
            category=category,
            title=f"问题{number}",
            state=state,
            state_on="2022-10-20",
            opened_on="2022-06-21",
            deadline="2022-12-31",
        )


def test_report_wording_and_json_keys(store, sites):
    with store.session() as session:
        load_report_issues(session)
        add_measure(session, ref="1-1", text="拆除窝棚", owner="前进街道", due="2022-09-30")
        built = build_report(session, as_of="2022-10-25", lang="zh")
        before = build_report(session, as_of="2022-06-01", lang="zh")
    markdown = render_report(built, "md", "zh")
    assert "共20项整改任务,已完成14项、基本完成1项,其余5项正在推进" in markdown
    assert "共提出1条整改措施" in markdown
    english = render_report(build_report_en(store), "md", "en")
    assert "20 rectification tasks: 14 done, 1 basically done, the other 5 in progress" in english
    data = json.loads(render_report(built, "json"))
    assert data["issues"]["by_state"] == {"in_progress": 5, "basically_done": 1, "done": 14}
    assert {"as_of", "categories", "district", "streets", "past_deadline", "done_with_violation"} <= set(data)
    assert [c["issues"] for c in data["categories"]] == [3, 7, 4, 4, 2]
    assert before["issues"]["total"] == 0  # opened 2022-06-21
    kinds = {k["kind"]: k for k in data["kinds"]}
    farmland = kinds["basic_farmland"]
    expected_m2 = sites["QJ-001"].area_m2 + sites["QJ-002"].area_m2
    assert farmland["parcels"] == 2 and farmland["area_m2"] == pytest.approx(expected_m2, abs=0.01)
    assert farmland["area_mu"] == pytest.approx(expected_m2 * 15 / 10_000, abs=0.01)
    assert [s["code"] for s in farmland["streets"]] == ["440106020"]
    assert "各类地块面积" in markdown and "永久基本农田" in markdown
    assert "<table>" in render_report(built, "html", "zh")
    with pytest.raises(InputError, match="format: 'pdf'"):
        render_report(built, "pdf")


def build_report_en(store):
    with store.session() as session:
        return build_report(session, as_of="2022-10-25", lang="en")


def test_issue_lifecycle_flags_and_audit(store, sites):
    with store.session() as session:
        add_issue(
            session,
            ref="1-1",
            category=1,
            title="基本农田窝棚",
            lead_department="耕保科",
            partner_departments=["区农业农村局", "前进街道"],
            deadline="2022-09-30",
            opened_on="2022-06-21",
        )
        link_parcels(session, ref="1-1", codes=["QJ-001", "QJ-002"])
        measure = add_measure(session, ref="1-1", text="拆除不符合标准看护房", owner="前进街道")
        measure_done(session, measure.id, on="2022-09-01")
        add_note(session, ref="1-1", text="已约谈", on="2022-07-01")
        log_inspection(
            session,
            parcel_code="QJ-001",
            inspected_at="2022-10-01",
            inspector="李",
            findings={"sheds_count": 2},
        )
    with store.session() as session:
        frame = list_issues(session, as_of="2022-10-25")
        assert bool(frame.loc[0, "past_deadline"]) and not bool(frame.loc[0, "done_with_violation"])
        set_state(session, ref="1-1", state="done", on="2022-10-10", note="已完成")
    with store.session() as session:
        frame = list_issues(session, as_of="2022-10-25")
        assert bool(frame.loc[0, "done_with_violation"]) and frame.loc[0, "violating_parcels"] == "QJ-001"
        assert not bool(frame.loc[0, "past_deadline"])
        assert list_issues(session, as_of="2022-10-05").loc[0, "state"] == "in_progress"
        assert len(list_issues(session, state="done", street="前进")) == 1
        assert len(list_issues(session, category=2)) == 0
        detail = issue_detail(session, "1-1", as_of="2022-10-25")
        assert (
            detail["flags"] == ["done_with_violation"]
            and detail["measures"][0]["done_on"].isoformat() == "2022-09-01"
        )
        actions = set(session.scalars(sa.select(AuditEvent.action)))
    assert {"issue.add", "issue.link", "measure.add", "measure.done", "issue.note", "issue.state"} <= actions


def test_issue_errors_name_the_field(store, sites):
    with store.session() as session:
        add_issue(session, ref="2-1", category=2, title="罚没")
    cases = [
        (lambda s: set_state(s, ref="2-1", state="finished"), InputError, "state: 'finished' is not one of"),
        (lambda s: add_measure(s, ref="9-9", text="x"), NotFoundError, "issue: no issue '9-9'"),
        (lambda s: add_issue(s, ref="2-1", category=2, title="x"), ConflictError, "ref: issue '2-1' exists"),
        (
            lambda s: add_issue(s, ref="2 1", category=2, title="x"),
            InputError,
            "ref: '2 1' is not a reference",
        ),
        (lambda s: add_issue(s, ref="2-2", category=0, title="x"), InputError, "category: 0"),
        (
            lambda s: add_issue(s, ref="2-2", category=2, title="x", deadline="soon"),
            InputError,
            "deadline: 'soon'",
        ),
        (lambda s: link_parcels(s, ref="2-1", codes=["QJ-009"]), NotFoundError, "no parcel 'QJ-009'"),
        (lambda s: measure_done(s, 77, on="2022-01-01"), NotFoundError, "measure: no measure 77"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message), store.session() as session:
            call(session)
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Issue)) == 1


def test_ledger_excel_round_trip_and_bad_row(store, sites, tmp_path):
    issues = pd.DataFrame(
        {
            "编号": ["1-1", "2-2"],
            "类别": [1, 2],
            "问题": ["基本农田窝棚", "收储地监管"],
            "责任部门": ["耕保科", "土发中心"],
            "配合部门": ["区农业农村局、前进街道", ""],
            "整改期限": ["2022-09-30", "2022-12-31"],
            "状态": ["已完成", "in_progress"],
            "状态日期": ["2022-09-30", ""],
            "关联地块": ["QJ-001;QJ-002", "QJ-003"],
        }
    )
    measures = pd.DataFrame({"问题编号": ["1-1", "1-1", "2-2"], "措施": ["拆除", "重建农具房", "清理堆放物"]})
    path = tmp_path / "ledger.xlsx"
    with pd.ExcelWriter(path) as writer:
        issues.to_excel(writer, sheet_name="问题", index=False)
        measures.to_excel(writer, sheet_name="措施", index=False)
    with store.session() as session:
        counts = import_ledger(session, path)
        assert counts == {"issues": 2, "measures": 3, "links": 3}
        out = export_ledger(session, tmp_path / "out.xlsx", as_of="2022-10-25")
    exported = pd.read_excel(out, sheet_name=None)
    assert list(exported["问题台账"].columns[:3]) == ["编号", "类别", "问题"]
    assert (
        exported["问题台账"].loc[0, "状态"] == "已完成" and "1. 拆除" in exported["问题台账"].loc[0, "措施"]
    )
    bad = issues.assign(编号=["3-1", "3-2"], 状态=["已完成", "finished"])
    bad_path = tmp_path / "bad.csv"
    bad.to_csv(bad_path, index=False)
    with (
        pytest.raises(InputError, match=r"bad\.csv issues row 3, state: 'finished'"),
        store.session() as session,
    ):
        import_ledger(session, bad_path)
    missing = tmp_path / "missing.csv"
    missing.write_text("编号,问题\n1-9,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column category"), store.session() as session:
        import_ledger(session, missing)
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Issue)) == 2
        assert session.scalar(sa.select(sa.func.count()).select_from(Measure)) == 3


def test_ledger_of_issues_without_measures(store):
    with store.session() as session:
        add_issue(session, ref="4-1", category=4, title="请休假制度执行不到位", opened_on="2022-06-21")
        ledger = ledger_frame(session, as_of="2022-10-25")
    assert ledger[["ref", "measures", "measures_done"]].to_dict("records") == [
        {"ref": "4-1", "measures": 0, "measures_done": 0}
    ]


def test_refs_sort_numerically_and_letters_do_not_break_the_order():
    refs = ["2-10", "2-a", "10-1", "2-9", "2.1", "A-1"]
    assert sorted(refs, key=ref_key) == ["2.1", "2-9", "2-10", "2-a", "10-1", "A-1"]


def test_ledger_excel_export_survives_control_characters_stored_before_they_were_refused(
    store, sites, tmp_path,
):
    with store.session() as session:
        add_issue(session, ref="2-3", category=2, title="临时用地复垦", opened_on="2022-06-21")
        add_measure(session, ref="2-3", text="补苗复耕", owner="凤凰街道", due="2022-12-31")
        session.flush()  # the services refuse them now; older stores may still hold them
        session.execute(sa.update(Issue).values(title="临时用地\x07复垦"))
        session.execute(sa.update(Measure).values(text="补苗\x0b复耕"))
        out = export_ledger(session, tmp_path / "ledger.xlsx", as_of="2022-10-25")
    sheet = pd.read_excel(out, sheet_name="问题台账")
    assert sheet.loc[0, "问题"] == "临时用地复垦" and "补苗复耕" in sheet.loc[0, "措施"]


def test_categories_and_ledger_sheets_are_named_from_the_catalogue() -> None:
    assert category_label(2, "zh") == "履职尽责担当不足" and category_label(2, "en") == "Duty performance"
    assert category_label(6, "zh") == "第6类" and category_label(6, "en") == "Category 6"
    assert [sheet_name(s, "zh") for s in SHEETS] == ["问题台账", "措施"]
    assert [sheet_name(s, "en") for s in SHEETS] == ["issues", "measures"]
    assert sheet_name("issues", "zh") in ISSUE_SHEETS and sheet_name("measures", "zh") in MEASURE_SHEETS
