"""Schemathesis against `/ogc/api` (OpenAPI 3.0): generated requests find no server error.

Requests carry an analyst's API token, so generated parameters reach the
query building and CQL2 compilation instead of stopping at 401.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from maps.ogc.tokens import add_token
from tests.maps.web.conftest import USERS, Site

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402


@pytest.fixture(scope="module")
def ogc_schema(site: Site) -> object:
    """The OGC API's own definition, loaded through ASGI (no network)."""
    return schemathesis.openapi.from_asgi("/ogc/api", site.app)


@pytest.fixture(scope="module")
def token_header(site: Site) -> dict[str, str]:
    with site.store.session() as session:
        token = add_token(session, name="schemathesis", user_name=USERS["analyst"][0], actor="test")
    return {"Authorization": f"Bearer {token}"}


def test_generated_requests_get_no_server_error(ogc_schema: object, token_header: dict[str, str]) -> None:
    operations = [result.ok() for result in ogc_schema.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) == 7

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case: object) -> None:
            case.call_and_validate(headers=token_header, checks=[not_a_server_error])  # type: ignore[attr-defined]

        call()
