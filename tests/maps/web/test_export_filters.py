"""The web export with a status filter that matches nothing, or parcels of some kinds only."""

from __future__ import annotations

import pytest

from cases.status.rules import STATUSES
from tests.maps.web.conftest import Site


@pytest.mark.parametrize("fmt", ["gpkg", "xlsx"])  # the layered formats, which used to answer 500
def test_every_status_filter_gives_a_file(backend_site: Site, fmt: str) -> None:
    client = backend_site.client("analyst")
    token = {"X-CSRF-Token": backend_site.csrf(client)}
    rows = {}
    for status in STATUSES:
        reply = client.post("/api/exports", json={"format": fmt, "statuses": [status]}, headers=token)
        assert reply.status_code == 201, (status, reply.text)
        rows[status] = reply.json()["rows"]
        download = client.get(reply.json()["url"])
        assert download.status_code == 200 and download.content
    everything = client.post("/api/exports", json={"format": fmt}, headers=token).json()["rows"]
    assert 0 in rows.values() and sum(rows.values()) == everything  # some statuses match nothing
    assert any(0 < n < everything for n in rows.values())
