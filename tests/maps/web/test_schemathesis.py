"""Schemathesis against the app's own OpenAPI: generated requests find no 5xx and no schema violation.

Every operation is called as a signed-in manager (who may read everything), with a
valid CSRF header, so generated inputs reach the handlers instead of stopping at 401.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from maps.web.security import SESSION_COOKIE
from tests.maps.web.conftest import Site

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402


@pytest.fixture(scope="module")
def web_schema(site: Site) -> object:
    """The app's OpenAPI, loaded through ASGI (no network)."""
    return schemathesis.openapi.from_asgi("/openapi.json", site.app)


@pytest.fixture(scope="module")
def manager_auth(site: Site) -> dict[str, str]:
    """A manager's session cookie and CSRF header, signed in once for the module."""
    client = site.client("manager")
    return {"Cookie": f"{SESSION_COOKIE}={client.cookies.get(SESSION_COOKIE)}",
            "X-CSRF-Token": site.csrf(client)}


def test_generated_requests_get_no_server_error(web_schema: object, manager_auth: dict[str, str]) -> None:
    """Every operation, with hypothesis-generated parameters and bodies.

    Schemathesis' own pytest plugin does not run under this pytest, so the
    operations are driven through their hypothesis strategies directly.
    """
    operations = [result.ok() for result in web_schema.get_all_operations()]  # type: ignore[attr-defined]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case: object) -> None:
            case.call_and_validate(  # type: ignore[attr-defined]
                headers=manager_auth, checks=[not_a_server_error, response_schema_conformance],
            )

        call()
