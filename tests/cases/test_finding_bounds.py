"""Numeric findings out of their bounds are refused on every path, before any cast (issue 13, item 1)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cases.inspect_import import import_inspections
from cases.inspections import correct_inspection, log_inspection
from cases.models import Inspection
from cases.rules import FINDINGS, MAX_COUNT
from cases.status.derive import status_frame
from geo.errors import InputError
from layers.models import ImportRun
from scripts.cli import app

HUGE = "99999999999999999999999"
NUMERIC = [f.name for f in FINDINGS if f.kind != "flag"]
FIXTURE_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def count(store, model=Inspection) -> int:
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def out_of_range() -> st.SearchStrategy[object]:
    """Huge, negative, NaN, infinite values, as Python numbers and as the text people type."""
    numbers = st.one_of(
        st.integers(min_value=10**9 + 1, max_value=10**40),
        st.integers(max_value=-1),
        st.floats(min_value=1e9 + 1),  # includes +inf
        st.floats(max_value=-1e-9),  # includes -inf
        st.sampled_from([math.nan, math.inf, -math.inf]),
    )
    return st.one_of(numbers, numbers.map(str), st.sampled_from(["1e19", "1e400", "-0.5", "NaN", "-inf"]))


def test_a_huge_count_is_refused_and_the_parcel_stays_a_violation(store, sites):
    with store.session() as session:
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20T10:00", inspector="x",
                       findings={"sheds_count": 3})
    with pytest.raises(InputError) as caught, store.session() as session:
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-25T10:00", inspector="x",
                       findings={"sheds_count": int(HUGE)})
    assert (caught.value.field, caught.value.code) == ("sheds_count", "out_of_range")
    assert str(caught.value) == f"sheds_count: {HUGE} is over the maximum 10,000"
    with store.session() as session:
        stored = session.scalars(sa.select(Inspection.sheds_count)).all()
        status = status_frame(session, as_of="2022-10-26", parcel_ids=[sites["QJ-001"].id])
    assert stored == [3]
    assert status.loc[sites["QJ-001"].id, "status"] == "violation"


def test_the_largest_count_is_kept_exactly(store, sites):
    with store.session() as session:
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="x",
                       findings={"sheds_count": MAX_COUNT})
    with store.session() as session:
        assert session.scalars(sa.select(Inspection.sheds_count)).all() == [MAX_COUNT]


def test_the_cli_refuses_a_huge_count_with_exit_2(store, sites):
    result = CliRunner().invoke(app, [
        "--db", store.url, "inspect", "log", "QJ-001", "--at", "2022-10-25T10:00", "--inspector", "x",
        "--sheds", HUGE])
    assert result.exit_code == 2, result.output
    assert "sheds_count" in result.output and "maximum" in result.output
    assert "Traceback" not in result.output
    assert count(store) == 0


def test_a_correction_cannot_store_a_huge_area(store, sites):
    with store.session() as session:
        first = log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="x")
    with pytest.raises(InputError) as caught, store.session() as session:
        correct_inspection(session, first.id, changes={"hardened_m2": "1e19"})
    assert (caught.value.field, caught.value.code) == ("hardened_m2", "out_of_range")
    assert count(store) == 1


def test_an_area_over_the_parcel_names_the_field_and_the_code(store, sites):
    with pytest.raises(InputError, match="larger than the parcel") as caught, store.session() as session:
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="x",
                       findings={"abandoned_m2": sites["QJ-001"].area_m2 + 10})
    assert (caught.value.field, caught.value.code) == ("abandoned_m2", "out_of_range")


def write_csv(path: Path, name: str, value: object) -> Path:
    path.write_text(f"parcel_code,inspected_at,inspector,{name}\n"
                    f"QJ-002,2022-10-20,王,0\nQJ-001,2022-10-25T10:00,王,{value}\n", encoding="utf-8")
    return path


def test_the_csv_import_names_row_and_field_and_writes_nothing(store, sites, tmp_path):
    path = write_csv(tmp_path / "field.csv", "sheds_count", "1e19")
    with pytest.raises(InputError) as caught, store.session() as session:
        import_inspections(session, path)
    assert "row 3, sheds_count: 1e19 is over the maximum 10,000" in str(caught.value)
    assert (caught.value.field, caught.value.row, caught.value.code) == ("sheds_count", 2, "rows_rejected")
    assert count(store) == 0 and count(store, ImportRun) == 0


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE_CHECKS)
@given(name=st.sampled_from(NUMERIC), value=out_of_range())
def test_the_service_refuses_every_out_of_range_value(store, sites, name, value):
    with pytest.raises(InputError) as caught, store.session() as session:
        log_inspection(session, parcel_code="QJ-003", inspected_at="2022-10-20", inspector="x",
                       findings={name: value})
    assert caught.value.field == name
    assert count(store) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURE_CHECKS)
@given(name=st.sampled_from(NUMERIC), value=out_of_range())
def test_the_csv_import_refuses_every_out_of_range_value(store, sites, tmp_path, name, value):
    path = write_csv(tmp_path / "field.csv", name, value)
    with pytest.raises(InputError) as caught, store.session() as session:
        import_inspections(session, path)
    assert (caught.value.field, caught.value.row) == (name, 2)
    assert count(store) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURE_CHECKS)
@given(name=st.sampled_from([n for n in NUMERIC if n != "demolished_count"]),
       number=st.integers(min_value=0, max_value=MAX_COUNT))
def test_values_within_bounds_are_stored_as_given(store, sites, name, number):
    """The other side: nothing in bounds (the test parcel is over 10,000 m²) is refused or changed."""
    assert sites["QJ-003"].area_m2 > MAX_COUNT
    with store.session() as session:
        made = log_inspection(session, parcel_code="QJ-003", inspected_at="2022-10-20", inspector="x",
                              findings={name: number})
        assert getattr(made, name) == number


@settings(max_examples=15, deadline=None, suppress_health_check=FIXTURE_CHECKS)
@given(finding=st.sampled_from([f for f in FINDINGS if f.kind != "flag"]), value=out_of_range().map(str))
def test_the_cli_refuses_every_out_of_range_value(store, sites, finding, value):
    result = CliRunner().invoke(app, [
        "--db", store.url, "inspect", "log", "QJ-003", "--at", "2022-10-20", "--inspector", "x",
        f"{finding.option}={value}"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert count(store) == 0
