"""The benchmarks' synthetic store (`scripts.bench_export._load`): inspections made in SQL are the
draws the loader describes, the same on both backends, and the store keeps every index, trigger and
key the migrations made (the loader drops them for the load and builds them again)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import sqlalchemy as sa

from cases.models import Inspection
from geo.store import open_store
from scripts.bench_export import DRAWS, EPOCH_2021, PRIME, SPAN, _load
from tests.conftest import _pg_url

PARCELS, INSPECTIONS = 300, 4000


def _expected() -> tuple[object, ...]:
    """The draws worked out in numpy: row n's h = (n·A + C) mod p, then h² mod p."""
    n = np.arange(1, INSPECTIONS + 1, dtype=np.int64)
    draw = {name: (n * a + c) % PRIME for name, (a, c) in DRAWS.items()}
    draw = {name: h * h % PRIME for name, h in draw.items()}
    bad = draw["bad"] % 5 == 0
    at = EPOCH_2021 + draw["at"] % SPAN
    return (INSPECTIONS, int((draw["parcel"] % PARCELS + 1).sum()), int(bad.sum()),
            int(np.where(bad, draw["sheds"] % 4, 0).sum()),
            datetime.fromtimestamp(int(at.min()), UTC), datetime.fromtimestamp(int(at.max()), UTC))


def _schema(url: str) -> tuple[set[str], set[str], int]:
    """The inspections table's indexes, foreign keys and triggers."""
    store = open_store(url)
    try:
        inspector = sa.inspect(store.engine)
        indexes = {ix["name"] for ix in inspector.get_indexes("inspections")}
        keys = {key["referred_table"] for key in inspector.get_foreign_keys("inspections")}
        triggers = ("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'inspections'"
                    if store.is_spatialite else
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'inspections'::regclass")
        with store.engine.connect() as conn:
            return indexes, keys, conn.execute(sa.text(triggers)).scalar_one()
    finally:
        store.dispose()


@pytest.mark.parametrize("empty_store_url", ["spatialite", "postgis"], indirect=True)
def test_the_benchmark_store_holds_the_described_draws_and_its_whole_schema(request, empty_store_url):
    if empty_store_url.startswith("sqlite"):
        reference = f"sqlite:///{request.getfixturevalue('spatialite_template')}"
    else:
        admin, template = (request.getfixturevalue(f) for f in ("postgis_admin", "postgis_template"))
        reference = _pg_url(admin, template)
    _load(empty_store_url, PARCELS, INSPECTIONS)
    store = open_store(empty_store_url)
    try:
        with store.session() as session:
            found = session.execute(sa.select(
                sa.func.count(), sa.func.sum(Inspection.parcel_id),
                sa.func.sum(sa.case((Inspection.debris, 1), else_=0)), sa.func.sum(Inspection.sheds_count),
                sa.func.min(Inspection.inspected_at), sa.func.max(Inspection.inspected_at))).one()
            summaries, inspected = session.execute(sa.text(
                "SELECT (SELECT count(*) FROM parcel_summaries), count(DISTINCT parcel_id) FROM inspections"
            )).one()
    finally:
        store.dispose()
    assert tuple(found) == _expected()
    assert summaries == inspected  # every inspected parcel has its summary
    assert _schema(empty_store_url) == _schema(reference)
