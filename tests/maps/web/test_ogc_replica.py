"""OGC reads go to the replica (`--db-read`); tokens are checked on the primary.

The "replica" is a second store with the same seed and one record more, as in
tests/geo/test_read_replica.py: what a layer shows tells which store it came from.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cases.inspections import log_inspection
from geo.store import Store, open_store
from maps.ogc.tokens import add_token, revoke_token
from maps.web import Settings, create_app
from scripts.migrate import upgrade
from tests.maps.web.conftest import SECRET, USERS, seed

PAIRS = [pytest.param(b, b, id=b) for b in ("spatialite", "postgis")]
ITEMS = "/ogc/collections/basic_farmland/items"


def _token(store: Store, name: str) -> str:
    with store.session() as session:
        return add_token(session, name=name, user_name=USERS["analyst"][0], actor="test")


def _status(client: TestClient, token: str, code: str) -> str:
    reply = client.get(f"{ITEMS}/{code}", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    return reply.json()["properties"]["status"]


@pytest.mark.parametrize(("store_url", "empty_store_url"), PAIRS, indirect=True)
def test_layers_come_from_the_replica_and_tokens_from_the_primary(
        store: Store, empty_store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANDPATROL_DB_READ", raising=False)
    replica = open_store(empty_store_url)
    upgrade(replica)
    for each in (store, replica):
        seed(each)
    with replica.session() as session:  # the replica differs: a violation found
        log_inspection(session, parcel_code="QJ-BF-003", inspected_at="2022-10-20", inspector="王",
                       findings={"sheds_count": 3})
    settings = Settings(db=store.url, secret_key=SECRET, export_dir=str(tmp_path / "exports"))
    both = open_store(store.url, read_url=empty_store_url)
    client = TestClient(create_app(settings, store=both), raise_server_exceptions=False)
    alone = TestClient(create_app(settings, store=open_store(store.url)), raise_server_exceptions=False)

    primary_token = _token(store, "primary")  # not on the replica: checked on the primary
    assert _status(client, primary_token, "QJ-BF-003") == "violation"  # the replica's record
    assert _status(alone, primary_token, "QJ-BF-003") != "violation"  # not on the primary
    replica_only = _token(replica, "replica-only")
    assert client.get(ITEMS, headers={"Authorization": f"Bearer {replica_only}"}).status_code == 401
    with store.session() as session:  # revoked on the primary: refused at once
        revoke_token(session, "primary", actor="test")
    assert client.get(ITEMS, headers={"Authorization": f"Bearer {primary_token}"}).status_code == 401
    for each in (both, replica):
        each.dispose()
