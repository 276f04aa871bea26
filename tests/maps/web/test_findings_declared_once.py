"""Findings are declared once (`cases.rules.FINDINGS`): every model, schema, command and form has each one.

Each surface is asked the same question, "where is this finding missing?", for every
finding and for one made up here, which must be missing everywhere: so the check
would catch a finding added to FINDINGS and not reaching a surface, or a migration
that forgot its columns.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
import typer

from cases.models import Inspection, ParcelSummary
from cases.rules import ALL_VIOLATION_MEASURES, FINDINGS, Finding
from geo.store import Store
from maps.web.routers.field import form_definition
from maps.web.schemas import CorrectionIn, InspectionIn
from scripts.cli import app
from tests.maps.web.conftest import Site

PYTHON_TYPES = {"count": int, "area": float, "flag": bool}
MADE_UP = Finding("ponds_count", "count", "--ponds", "Fish ponds dug.", "Ponds", maximum=100)


class _Inputs(HTMLParser):
    """The names of a page's form inputs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "textarea", "select"):
            self.names.update(value for name, value in attrs if name == "name" and value)


def _column_gaps(finding: Finding, table: str, columns: dict[str, type]) -> list[str]:
    """`table.name` where the finding's column (or a violation measure's prev_*) is missing or mistyped."""
    wanted = [finding.name, *([f"prev_{finding.name}"] if table == "parcel_summaries"
                              and finding.name in ALL_VIOLATION_MEASURES else [])]
    return [f"{table}.{name}" for name in wanted if columns.get(name) is not PYTHON_TYPES[finding.kind]]


def _model_columns(model: type) -> dict[str, type]:
    return {c.name: c.type.python_type for c in model.__table__.columns}


def _stored_columns(store: Store, table: str) -> dict[str, type]:
    return {c["name"]: c["type"].python_type for c in sa.inspect(store.engine).get_columns(table)}


def _command_options(*path: str) -> dict[str, str]:
    """The options of `landpatrol <path>` with their help texts."""
    command = typer.main.get_command(app)
    for word in path:
        command = command.commands[word]  # type: ignore[attr-defined]
    return {name: param.help or "" for param in command.params for name in param.opts}


def _schema_gaps(finding: Finding) -> list[str]:
    gaps = []
    for model in (InspectionIn, CorrectionIn):
        field = model.model_json_schema()["properties"].get(finding.name)
        bounds = [] if field is None else [b for branch in field.get("anyOf", [field])
                                           for b in (branch.get("minimum"), branch.get("maximum"))]
        if field is None or (finding.kind != "flag" and bounds[:2] != [finding.minimum, finding.maximum]):
            gaps.append(model.__name__)
    return gaps


def _cli_gaps(finding: Finding) -> list[str]:
    return [" ".join(path) for path in (("inspect", "log"), ("inspect", "correct"))
            if _command_options(*path).get(finding.option) != finding.help]


def _form_gaps(finding: Finding, pages: dict[str, set[str]]) -> list[str]:
    definition = {f["name"]: f for f in form_definition()}
    gaps = [page for page, names in pages.items() if finding.name not in names]
    if definition.get(finding.name, {}).get("max") != finding.maximum:
        gaps.append("field app form")
    return gaps


@pytest.fixture(scope="module")
def form_pages(site: Site) -> dict[str, set[str]]:
    """The input names of the inspection form and of a correction form."""
    client = site.client("inspector")
    record = client.get("/api/parcels/QJ-SP-001/inspections").json()[0]
    return {"inspection form": _Inputs(client.get("/inspect").text).names,
            "correction form": _Inputs(client.get(f"/inspections/{record['id']}/correct").text).names}


def _gaps(finding: Finding, pages: dict[str, set[str]]) -> list[str]:
    return [*_column_gaps(finding, "inspections", _model_columns(Inspection)),
            *_column_gaps(finding, "parcel_summaries", _model_columns(ParcelSummary)),
            *_schema_gaps(finding), *_cli_gaps(finding), *_form_gaps(finding, pages)]


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f.name)
def test_every_surface_has_every_finding(finding: Finding, form_pages: dict[str, set[str]]) -> None:
    assert _gaps(finding, form_pages) == []


def test_a_finding_missing_from_the_surfaces_is_reported_on_each(form_pages: dict[str, set[str]]) -> None:
    assert _gaps(MADE_UP, form_pages) == [
        "inspections.ponds_count", "parcel_summaries.ponds_count", "InspectionIn", "CorrectionIn",
        "inspect log", "inspect correct", "inspection form", "correction form", "field app form"]


def test_the_migrations_make_a_column_for_every_finding(store: Store) -> None:
    """The store the real migrations build at head: one column per finding in both tables."""
    tables = {t: _stored_columns(store, t) for t in ("inspections", "parcel_summaries")}
    gaps = [gap for f in (*FINDINGS, MADE_UP) for t, columns in tables.items()
            for gap in _column_gaps(f, t, columns)]
    assert gaps == ["inspections.ponds_count", "parcel_summaries.ponds_count"]
