"""NUL and other control characters in text are refused naming the field, on both backends (issue 13).

PostgreSQL cannot store NUL at all (the web app answered 503, the CLI crashed
with CharacterNotInRepertoire); SpatiaLite stored it and Excel exports broke.
Tab and line breaks stay allowed in notes.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cases.inspect_import import import_inspections
from cases.inspections import find_by_client_id, log_inspection
from cases.issues import add_issue, add_measure, add_note, get_issue, link_parcels, set_state
from cases.ledger_io import import_ledger
from cases.models import Inspection, Issue, IssueUpdate, Measure
from geo.errors import InputError
from geo.text import CONTROL_CHARACTERS, check_text
from layers.models import ImportRun
from scripts.cli import app

NUL = "\x00"
CONTROLS = [chr(c) for c in range(32) if chr(c) not in "\t\n\r"]
runner = CliRunner()


def count(store, model) -> int:
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_rule_keeps_tab_and_line_breaks_and_nothing_else_below_space():
    for character in CONTROLS:
        with pytest.raises(InputError, match=f"note: contains control character U\\+{ord(character):04X}"):
            check_text(f"a{character}b", field="note")
    check_text("第一行\n第二行\r\n\t缩进", field="note")
    assert len(CONTROLS) == 29 and CONTROL_CHARACTERS.startswith("\x00")


@pytest.mark.parametrize("field", ["note", "inspector", "parcel_code", "client_id"])
def test_an_inspection_with_nul_in_text_is_refused_naming_the_field(store, sites, field):
    values = {"parcel_code": "QJ-001", "inspected_at": "2022-10-20", "inspector": "李",
              "note": "ok", "client_id": "phone-0001"}
    values[field] = f"{values[field]}{NUL}x"
    with pytest.raises(InputError) as caught, store.session() as session:
        log_inspection(session, **values)
    assert (caught.value.field, caught.value.code) == (field, "control_character")
    assert f"{field}: contains control character U+0000" in str(caught.value)
    assert count(store, Inspection) == 0


def test_a_client_id_lookup_with_nul_is_an_input_error(store, sites):
    with pytest.raises(InputError, match="client_id"), store.session() as session:
        find_by_client_id(session, f"abc{NUL}")


def test_a_note_keeps_its_tabs_and_line_breaks(store, sites):
    with store.session() as session:
        made = log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="李",
                              note="窝棚两处\n\t已拍照")
        assert made.note == "窝棚两处\n\t已拍照"


def test_an_inspection_import_with_nul_names_row_and_field(store, sites, tmp_path):
    path = tmp_path / "field.csv"
    path.write_text("parcel_code,inspected_at,inspector,note\n"
                    f"QJ-001,2022-10-20,王,ok\nQJ-002,2022-10-20,王,bad{NUL}note\n", encoding="utf-8")
    with pytest.raises(InputError) as caught, store.session() as session:
        import_inspections(session, path)
    assert "row 3, note: contains control character U+0000" in str(caught.value)
    assert (caught.value.field, caught.value.row) == ("note", 2)
    assert count(store, Inspection) == 0 and count(store, ImportRun) == 0


def test_the_cli_inspect_import_exits_2_without_a_traceback(store, sites, tmp_path):
    path = tmp_path / "field.csv"
    path.write_text("parcel_code,inspected_at,inspector\nQJ-0\x011,2022-10-20,王\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", store.url, "inspect", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert "parcel_code: contains control character U+0001" in result.output
    assert count(store, Inspection) == 0
    path.write_text(f"parcel_code,inspected_at,inspector\nQJ-0{NUL}1,2022-10-20,王\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", store.url, "inspect", "import", str(path)])
    assert result.exit_code == 2 and "is not a text file" in result.output  # a NUL: refused as binary
    assert count(store, Inspection) == 0


ISSUE_CALLS = [
    ("title", lambda s: add_issue(s, ref="3-1", category=3, title=f"窝棚{NUL}")),
    ("finding", lambda s: add_issue(s, ref="3-1", category=3, title="t", finding=f"a{NUL}")),
    ("lead_department", lambda s: add_issue(s, ref="3-1", category=3, title="t", lead_department=f"{NUL}")),
    ("partner_departments",
     lambda s: add_issue(s, ref="3-1", category=3, title="t", partner_departments=["ok", f"b{NUL}"])),
    ("text", lambda s: add_measure(s, ref="2-1", text=f"拆除{NUL}")),
    ("owner", lambda s: add_measure(s, ref="2-1", text="拆除", owner=f"街道{NUL}")),
    ("note", lambda s: set_state(s, ref="2-1", state="done", note=f"已完成{NUL}")),
    ("text", lambda s: add_note(s, ref="2-1", text="\x1b[31m督促")),
    ("ref", lambda s: get_issue(s, f"2-1{NUL}")),
    ("codes", lambda s: link_parcels(s, ref="2-1", codes=[f"QJ-001{NUL}"])),
]


@pytest.mark.parametrize("field, call", ISSUE_CALLS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(ISSUE_CALLS)])
def test_issue_text_with_control_characters_is_refused(store, sites, field, call):
    with store.session() as session:
        add_issue(session, ref="2-1", category=2, title="罚没")
    with pytest.raises(InputError) as caught, store.session() as session:
        call(session)
    assert caught.value.field == field and "contains control character" in str(caught.value)
    assert (count(store, Issue), count(store, Measure), count(store, IssueUpdate)) == (1, 0, 1)


def test_a_ledger_import_with_nul_names_sheet_row_and_field(store, sites, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(f"ref,category,title\n1-1,1,好的\n1-2,1,坏{NUL}的\n", encoding="utf-8")
    with pytest.raises(InputError) as caught, store.session() as session:
        import_ledger(session, path)
    assert "ledger.csv issues row 3, title: contains control character U+0000" in str(caught.value)
    assert (caught.value.field, caught.value.row) == ("title", 2)
    assert count(store, Issue) == 0


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(before=st.text(max_size=5), control=st.sampled_from(CONTROLS), after=st.text(max_size=5))
def test_any_control_character_anywhere_in_a_note_is_refused(store, sites, before, control, after):
    with pytest.raises(InputError) as caught, store.session() as session:
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="李",
                       note=f"{before}{control}{after}")
    assert caught.value.field == "note"
    assert count(store, Inspection) == 0


@pytest.mark.parametrize("control", ["\x0b", "\x0c", "\x1c", "\x1f"])
def test_controls_python_strips_as_spaces_are_refused_too(store, sites, control):
    """str.strip() removes these at either end; they must be refused, not silently dropped."""
    with pytest.raises(InputError, match="note: contains control character"), store.session() as session:
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="李",
                       note=f"窝棚{control}")
    assert count(store, Inspection) == 0
