"""Today's patrol order, checked against an order worked out by hand, on both backends.

As of 2022-10-25 (the end of that Beijing day); every visit is at 10:00 local, so
a visit on day D is (2022-10-25 - D) + 0.58 days before the as-of instant.
Intervals: basic farmland 90, forest patch 60, storage plot 31 days.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter
from typer.testing import CliRunner

from cases.inspections import log_inspection
from cases.issues import add_issue, link_parcels
from cases.patrol import patrol_entries, point_lon_lat
from layers.models import Parcel, Street
from maps.web.routers.patrol import PatrolEntry
from maps.web.users import add_user
from scripts.cli import app
from tests.cases.conftest import ORIGIN, SIDE, add_parcels

AS_OF = "2022-10-25"
STREET = "440106020"
# code, kind, and the visits (day, findings); the parcels lie eastwards in this order.
PARCELS = [
    ("P-A", "basic_farmland", [("2022-10-20", {"sheds_count": 2})]),  # violation, due in 84
    ("P-B", "forest_patch", [("2022-06-01", {"debris": True}), ("2022-07-01", {}),
                             ("2022-10-01", {"debris": True})]),  # recurrence, due in 35
    ("P-C", "storage_plot", [("2022-09-01", {})]),  # 54.6 days > 31: overdue, due -24
    ("P-D", "basic_farmland", [("2022-07-01", {})]),  # 116.6 days > 90: overdue, due -27
    ("P-E", "forest_patch", []),  # never inspected: overdue, after the dated ones
    ("P-F", "storage_plot", [("2022-09-28", {})]),  # 27.6 days: due in 3
    ("P-G", "basic_farmland", [("2022-07-30", {})]),  # 87.6 days: due in 2
    ("P-H", "basic_farmland", [("2022-10-01", {})]),  # 24.6 days: due in 65, the rest
    ("P-I", "basic_farmland", [("2022-09-01", {"sheds_count": 5}),
                               ("2022-10-10", {"sheds_count": 2})]),  # rectifying (1-1), due in 74
]
EXPECTED = {  # code: (group, due_in_days, days_since, status)
    "P-A": (1, 84, 5, "violation"), "P-B": (1, 35, 24, "recurrence"), "P-I": (1, 74, 15, "rectifying"),
    "P-D": (2, -27, 116, "overdue"), "P-C": (2, -24, 54, "overdue"), "P-E": (2, None, None, "uninspected"),
    "P-G": (3, 2, 87, "compliant"), "P-F": (3, 3, 27, "compliant"), "P-H": (4, 65, 24, "compliant"),
}
BY_URGENCY = ["P-B", "P-I", "P-A", "P-D", "P-C", "P-E", "P-G", "P-F", "P-H"]
# Standing east of every parcel: within each group the eastern parcel is nearer.
EAST = (ORIGIN[0] + 0.1, ORIGIN[1] + SIDE / 2)
BY_DISTANCE = ["P-I", "P-B", "P-A", "P-E", "P-D", "P-C", "P-G", "P-F", "P-H"]


@pytest.fixture
def patrol_store(store):
    with store.session() as session:
        add_parcels(session, [(code, kind) for code, kind, _ in PARCELS], street=STREET)
        for code, _, visits in PARCELS:
            for day, findings in visits:
                log_inspection(session, parcel_code=code, inspected_at=f"{day}T10:00", inspector="李",
                               findings=findings)
        add_issue(session, ref="1-1", category=1, title="基本农田窝棚", opened_on="2022-09-02")
        link_parcels(session, ref="1-1", codes=["P-I"])
        add_parcels(session, [("P-RETIRED", "basic_farmland")], street=STREET)
        session.query(Parcel).filter_by(code="P-RETIRED").one().retired_at = datetime(2022, 1, 1, tzinfo=UTC)
    return store


def test_order_groups_and_due_dates_match_the_hand_computed_order(patrol_store):
    with patrol_store.session() as session:
        entries = patrol_entries(session, street_codes=[STREET], as_of=AS_OF)
    assert [e["code"] for e in entries] == BY_URGENCY
    for entry in entries:
        got = (entry["group"], entry["due_in_days"], entry["days_since"], entry["status"])
        assert got == EXPECTED[entry["code"]]
        assert entry["distance_m"] is None
    by_code = {e["code"]: e for e in entries}
    assert by_code["P-I"]["open_issues"] == [{"ref": "1-1", "state": "in_progress"}]
    assert by_code["P-A"]["open_issues"] == []
    assert by_code["P-C"]["interval_days"] == 31 and by_code["P-C"]["kind_label_zh"] == "储备土地"
    assert by_code["P-D"]["status_label_zh"] == "逾期未巡" and by_code["P-D"]["street_name"] == "前进街道"
    assert by_code["P-D"]["last_inspected_at"] == datetime(2022, 7, 1, 2, tzinfo=UTC)
    assert by_code["P-E"]["last_inspected_at"] is None


def test_position_orders_by_distance_within_each_group(patrol_store):
    with patrol_store.session() as session:
        entries = patrol_entries(session, street_codes=[STREET], as_of=AS_OF, position=EAST)
    assert [e["code"] for e in entries] == BY_DISTANCE
    last = entries[-1]  # P-H, the 8th square: its surface point is inside [x, x + SIDE]
    west_edge = ORIGIN[0] + 7 * SIDE * 3
    assert west_edge < last["lon"] < west_edge + SIDE and ORIGIN[1] < last["lat"] < ORIGIN[1] + SIDE
    metres_per_degree = 111_195 * 0.91964  # cos(23.13°)
    assert last["distance_m"] == pytest.approx((EAST[0] - last["lon"]) * metres_per_degree, rel=0.005)


def test_streets_filter_other_streets_and_retired_parcels(patrol_store):
    with patrol_store.session() as session:
        session.add(Street(code="440106999", name="其他街道", short_name="其他", schematic=False))
        add_parcels(session, [("X-1", "storage_plot")], street="440106999")
    with patrol_store.session() as session:
        mine = patrol_entries(session, street_codes=[STREET], as_of=AS_OF)
        everyone = patrol_entries(session, street_codes=None, as_of=AS_OF)
        nobody = patrol_entries(session, street_codes=[], as_of=AS_OF)
    assert "X-1" not in {e["code"] for e in mine} and "P-RETIRED" not in {e["code"] for e in everyone}
    assert [e["code"] for e in everyone] == [*BY_URGENCY[:5], "P-E", "X-1", *BY_URGENCY[6:]]
    assert nobody == []


def test_window_decides_what_is_due_today(patrol_store):
    with patrol_store.session() as session:
        entries = patrol_entries(session, street_codes=[STREET], as_of=AS_OF, today_window_days=2)
    groups = {e["code"]: e["group"] for e in entries}
    assert groups["P-G"] == 3 and groups["P-F"] == 4


ENTRY_MODEL = TypeAdapter(list[PatrolEntry])
# JSON's escapes (PostgreSQL text holds no NUL), markup, a line separator, a non-BMP character.
ODD_NAME = 'say "hi" \\ \x01\x1f\n\t <b>&</b> \u2028 😀 地块'


@pytest.mark.parametrize(("as_of", "position"), [(AS_OF, None), (AS_OF, EAST), (None, None), (None, EAST)])
def test_json_is_what_the_dicts_give_through_the_api_model(patrol_store, as_of, position):
    # Odd names, a name missing, a visit with microseconds; P-E has no visit, P-I an open issue;
    # without a position no distance (NaN), with one every distance. The past and the present
    # are read by different paths, so both are checked.
    with patrol_store.session() as session:
        session.query(Parcel).filter_by(code="P-A").one().name = ODD_NAME
        session.query(Parcel).filter_by(code="P-C").one().name = None
        log_inspection(session, parcel_code="P-H", inspected_at="2022-10-02T10:00:00.250000", inspector="李",
                       findings={})
    with patrol_store.session() as session:
        entries = patrol_entries(session, street_codes=[STREET], as_of=as_of, position=position)
        nobody = patrol_entries(session, street_codes=[], as_of=as_of, position=position)
    expected = ENTRY_MODEL.dump_python(ENTRY_MODEL.validate_python(list(entries)), mode="json")
    assert json.loads(entries.to_json()) == expected
    by_code = {e["code"]: e for e in expected}
    assert by_code["P-A"]["name"] == ODD_NAME and by_code["P-C"]["name"] is None
    assert by_code["P-H"]["last_inspected_at"] == "2022-10-02T02:00:00.250000Z"
    assert by_code["P-E"]["last_inspected_at"] is None and by_code["P-E"]["days_since"] is None
    assert by_code["P-I"]["open_issues"] == [{"ref": "1-1", "state": "in_progress"}]
    assert all((e["distance_m"] is None) == (position is None) for e in expected)
    assert nobody.to_json() == b"[]"


def run_cli(store, *args):
    return CliRunner().invoke(app, ["--db", store.url, "patrol", "list", *args])


def test_cli_lists_an_inspectors_streets_in_order(patrol_store):
    with patrol_store.session() as session:
        add_user(session, name="巡查员", role="inspector", password="long-enough-1", streets=[STREET],
                 actor="test")
    result = run_cli(patrol_store, "--inspector", "巡查员", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["code"] for r in rows] == BY_URGENCY
    assert rows[3]["last_inspected_at"] == "2022-07-01T10:00:00+08:00" and rows[3]["status"] == "逾期未巡"
    english = run_cli(patrol_store, "--street", "前进", "--as-of", AS_OF, "--format", "csv", "--lang", "en")
    lines = list(csv.DictReader(io.StringIO(english.output)))
    assert [r["code"] for r in lines] == BY_URGENCY and lines[0]["status"] == "Recurrence"
    assert lines[1]["open_issues"] == "1-1:in_progress"


def test_cli_json_and_csv_say_what_the_entries_say(patrol_store):
    # Written a column at a time: odd text survives both formats, missing values print as
    # null in JSON and as nothing in CSV, as they did row by row.
    with patrol_store.session() as session:
        session.query(Parcel).filter_by(code="P-A").one().name = ODD_NAME + ',"x"'
        session.query(Parcel).filter_by(code="P-C").one().name = None
    as_json = json.loads(run_cli(patrol_store, "--as-of", AS_OF, "--format", "json").output)
    written = run_cli(patrol_store, "--as-of", AS_OF, "--format", "csv").output
    as_csv = list(csv.DictReader(io.StringIO(written, newline="")))
    assert [r["code"] for r in as_json] == [r["code"] for r in as_csv] == BY_URGENCY
    by_code = {r["code"]: r for r in as_json}
    assert by_code["P-A"]["name"] == ODD_NAME + ',"x"' and by_code["P-C"]["name"] is None
    assert by_code["P-E"]["last_inspected_at"] == "" and by_code["P-E"]["days_since"] is None
    assert by_code["P-I"]["open_issues"] == "1-1:in_progress" and by_code["P-I"]["group"] == 1
    for row in as_csv:
        expected = by_code[row["code"]]
        assert row == {key: "" if value is None else str(value) for key, value in expected.items()}


def test_cli_refuses_both_options_and_unknown_names(patrol_store):
    both = run_cli(patrol_store, "--inspector", "x", "--street", STREET)
    assert both.exit_code == 2 and "give one of them" in both.output
    assert run_cli(patrol_store, "--inspector", "nobody").exit_code == 3
    assert run_cli(patrol_store, "--street", "no-such-street").exit_code == 3


def test_the_present_lists_the_streets_parcels_and_nothing_for_no_street(patrol_store):
    # The present is read as Arrow columns: an empty result carries no batch to name the columns.
    with patrol_store.session() as session:
        now = patrol_entries(session, street_codes=[STREET])
        nobody = patrol_entries(session, street_codes=[])
    assert nobody == [] and len(nobody) == 0
    assert sorted(e["code"] for e in now) == sorted(BY_URGENCY)
    assert now[0] == next(iter(now)) and now[-2:] == list(now)[-2:]


@given(st.lists(st.one_of(
    st.builds(shapely.Point, st.floats(-180, 180), st.floats(-90, 90)),
    st.builds(shapely.Point, st.floats(-180, 180), st.floats(-90, 90), st.floats(-10, 10)),
    st.none()), max_size=8), st.sampled_from(["little", "big"]))
def test_point_lon_lat_reads_what_shapely_reads(points, order):
    wkb = np.array([None if p is None else shapely.to_wkb(p, byte_order=0 if order == "big" else 1)
                    for p in points], dtype=object)
    parsed = shapely.from_wkb(wkb)
    lon, lat = point_lon_lat(wkb)
    np.testing.assert_array_equal(lon, shapely.get_x(parsed))
    np.testing.assert_array_equal(lat, shapely.get_y(parsed))
