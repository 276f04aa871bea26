"""Property tests: the status rules against a plain-Python model, and the as-of history.

For any sequence of inspections, the status as of a day depends only on the
records up to that day, and a correction never changes what an as-of query
returned for a day before the correction was made.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.inspections import correct_inspection, log_inspection
from cases.issues import add_issue, link_parcels
from cases.rules import patrol_interval_days
from cases.status.clock import LOCAL_TZ
from cases.status.derive import status_frame
from tests.cases.conftest import add_parcels

START = date(2022, 1, 1)
_codes = itertools.count()


@dataclass(frozen=True)
class Visit:
    """One inspection in the model."""

    day: date
    sheds: int
    hardened: float
    debris: bool
    abandoned: float
    demolished: int

    @property
    def at(self) -> datetime:
        return datetime.combine(self.day, time(10), tzinfo=LOCAL_TZ)

    def findings(self) -> dict[str, object]:
        return {
            "sheds_count": self.sheds,
            "hardened_m2": self.hardened,
            "debris": self.debris,
            "abandoned_m2": self.abandoned,
            "demolished_count": self.demolished,
        }


def measures(kind: str, v: Visit) -> list[float]:
    values = [v.sheds, v.hardened, float(v.debris)]
    return [*values, v.abandoned] if kind == "basic_farmland" else values


def model_status(kind: str, visits: list[Visit], day: date, issue_open: bool) -> str:
    """The documented rules, written out plainly, record by record."""
    seen = [v for v in visits if v.day <= day]
    if not seen:
        return "uninspected"
    bad = [any(m > 0 for m in measures(kind, v)) for v in seen]
    if bad[-1]:
        if any(not b and any(bad[:i]) for i, b in enumerate(bad)):
            return "recurrence"
        if issue_open and len(seen) > 1:
            now, before = measures(kind, seen[-1]), measures(kind, seen[-2])
            none_rose = all(a <= b for a, b in zip(now, before, strict=True))
            if none_rose and (any(a < b for a, b in zip(now, before, strict=True)) or seen[-1].demolished):
                return "rectifying"
        return "violation"
    end = datetime.combine(day, time.max, tzinfo=LOCAL_TZ)
    if (end - seen[-1].at) / timedelta(days=1) > patrol_interval_days(kind):
        return "overdue"
    return "rectified" if any(bad) else "compliant"


findings = st.tuples(
    st.integers(0, 3),
    st.sampled_from([0.0, 30.0, 60.0]),
    st.booleans(),
    st.sampled_from([0.0, 50.0]),
    st.integers(0, 3),
)
histories = st.tuples(
    st.sampled_from(["basic_farmland", "storage_plot"]),
    st.lists(st.tuples(st.integers(1, 70), findings), min_size=0, max_size=5),
    st.booleans(),
)


def build(kind: str, steps: list) -> list[Visit]:
    visits, day, sheds = [], START, 0
    for gap, (new_sheds, hardened, debris, abandoned, demolished) in steps:
        day += timedelta(days=gap)
        visits.append(Visit(day, new_sheds, hardened, debris, abandoned, min(demolished, sheds)))
        sheds = new_sheds
    return visits


def store_history(store, kind: str, visits: list[Visit], issue_open: bool) -> tuple[int, list[int]]:
    code = f"P-{next(_codes)}"
    with store.session() as session:
        site = add_parcels(session, [(code, kind)])[code]
        ids = [
            log_inspection(
                session,
                parcel_code=code,
                inspected_at=v.at,
                inspector="model",
                findings=v.findings(),
                now=v.at + timedelta(hours=1),
            ).id
            for v in visits
        ]
        if issue_open:
            add_issue(session, ref=f"9-{site.id}", category=1, title="model")
            link_parcels(session, ref=f"9-{site.id}", codes=[code])
    return site.id, ids


def probes(visits: list[Visit]) -> list[date]:
    days = {START}
    for v in visits:
        days |= {v.day - timedelta(days=1), v.day, v.day + timedelta(days=40), v.day + timedelta(days=100)}
    return sorted(days)


def statuses(store, parcel_id: int, days: list[date]) -> dict[date, str]:
    with store.session() as session:
        return {
            d: status_frame(session, as_of=d, parcel_ids=[parcel_id]).loc[parcel_id, "status"] for d in days
        }


SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.slow
@SETTINGS
@given(history=histories)
def test_status_as_of_a_day_follows_the_rules_on_records_up_to_that_day(store, history):
    kind, steps, issue_open = history
    visits = build(kind, steps)
    parcel_id, _ = store_history(store, kind, visits, issue_open)
    days = probes(visits)
    got = statuses(store, parcel_id, days)
    assert got == {d: model_status(kind, visits, d, issue_open) for d in days}
    today = datetime.now(LOCAL_TZ).date()  # the present: read from the stored summaries
    assert statuses(store, parcel_id, [today]) == {today: model_status(kind, visits, today, issue_open)}


@pytest.mark.slow
@SETTINGS
@given(history=histories, which=st.integers(0, 4), fix=findings)
def test_a_correction_never_changes_earlier_as_of_answers(store, history, which, fix):
    kind, steps, issue_open = history
    visits = build(kind, steps)
    if not visits:
        return
    parcel_id, ids = store_history(store, kind, visits, issue_open)
    which %= len(visits)
    days = probes(visits)
    before = statuses(store, parcel_id, days)
    made = datetime.combine(days[-1] + timedelta(days=1), time(12), tzinfo=LOCAL_TZ)
    sheds_before = visits[which - 1].sheds if which else 0
    corrected = replace(
        visits[which],
        sheds=fix[0],
        hardened=fix[1],
        debris=fix[2],
        abandoned=fix[3],
        demolished=min(fix[4], sheds_before),
    )
    if which + 1 < len(visits) and visits[which + 1].demolished > corrected.sheds:
        corrected = replace(corrected, sheds=visits[which + 1].demolished)  # keep the next record valid
    with store.session() as session:
        correct_inspection(session, ids[which], changes=corrected.findings(), now=made.astimezone(UTC))
    assert statuses(store, parcel_id, days) == before
    after = [*visits[:which], corrected, *visits[which + 1 :]]
    later = made.date() + timedelta(days=1)
    assert statuses(store, parcel_id, [later])[later] == model_status(kind, after, later, issue_open)
    today = datetime.now(LOCAL_TZ).date()
    assert statuses(store, parcel_id, [today])[today] == model_status(kind, after, today, issue_open)
