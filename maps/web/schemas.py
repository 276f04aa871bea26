"""The JSON the API reads and writes, one model per use, so no secret leaves the API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from cases.issues import CATEGORIES, REF_PATTERN
from cases.rules import FINDINGS, Finding
from geo.errors import InputError, LandpatrolError
from geo.text import NO_CONTROLS
from layers.models import PARCEL_CODE_MAX_LENGTH

Role = Literal["inspector", "manager", "analyst", "admin"]
IssueState = Literal["in_progress", "basically_done", "done"]
M = TypeVar("M", bound=BaseModel)


# Row ids in paths: database integers, so a number beyond them is a 422, not an overflow.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Row id")]


class Problem(BaseModel):
    """Every error the API answers: one line saying what is wrong (`geo.errors` at the edge)."""

    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description}
    for status, description in (
        (400, "Bad request"), (401, "Not signed in"), (403, "Not allowed for this role or street"),
        (404, "Not found"), (409, "Conflicts with what is stored"),
        (422, "Invalid input: the field and the reason"), (429, "Too many attempts"),
        (503, "The database is busy or unavailable"),
    )
}


def plain_text(max_length: int, min_length: int = 0) -> Any:
    """A text field of at most `max_length` characters, control characters refused (`geo.text`)."""
    return Field(min_length=min_length, max_length=max_length, pattern=NO_CONTROLS)


def _finding_field(finding: Finding) -> tuple[Any, Any]:
    """A finding's type and bounds, as `cases.rules` defines them (NaN and infinity refused)."""
    if finding.kind == "flag":
        return bool | None, None
    if finding.kind == "count":
        return int | None, Field(None, ge=finding.minimum, le=finding.maximum)
    return float | None, Field(None, ge=finding.minimum, le=finding.maximum, allow_inf_nan=False)


Findings: type[BaseModel] = create_model(
    "Findings", __config__=ConfigDict(extra="forbid"),
    __doc__="What an inspector saw; anything left out is zero / no.",
    **{finding.name: _finding_field(finding) for finding in FINDINGS},
)


class InspectionIn(Findings):  # type: ignore[misc,valid-type]
    """A new inspection; `client_id` makes a retried POST store it once."""

    client_id: str | None = Field(None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    inspected_at: datetime = Field(description="ISO 8601; Beijing time unless an offset is given.")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    note: Annotated[str, plain_text(4000)] | None = None
    street_code: str | None = Field(None, max_length=20, description=(
        "The parcel's street as the phone knew it; another street now makes a conflict."))


class CorrectionIn(Findings):  # type: ignore[misc,valid-type]
    """What a correction changes; anything left out keeps the corrected record's value."""

    inspected_at: datetime | None = Field(None, description="ISO 8601; Beijing time without an offset.")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    note: Annotated[str, plain_text(4000)] | None = None


class InspectionOut(BaseModel):
    """A stored inspection."""

    id: int
    parcel_code: str
    client_id: str | None
    inspected_at: datetime
    recorded_at: datetime
    inspector: str
    off_site: bool
    supersedes_id: int | None
    note: str | None
    photos: list[str]
    findings: dict[str, Any]
    conflicts: list[dict[str, Any]] = Field(default_factory=list, description=(
        "What changed on the parcel after the visit (cases.conflicts); the record is stored anyway."))
    photo_flags: list[dict[str, Any]] = Field(default_factory=list, description=(
        "Photos taken over 200 m from the parcel or 2 h from the visit (cases.photo_evidence)."))


class StreetOut(BaseModel):
    """A street with the report's figures."""

    code: str
    name: str
    figures: dict[str, Any]


class ParcelOut(BaseModel):
    """A parcel with its status as of now."""

    code: str
    kind: str
    name: str | None
    street_code: str | None
    village: str | None
    area_m2: float
    status: str
    last_inspected_at: datetime | None
    inspections_count: int
    open_issue_refs: str
    issue_states: str


class FeatureCollection(BaseModel):
    """GeoJSON (RFC 7946, lon/lat) with paging, as OGC API Features pages it."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]
    numberMatched: int
    numberReturned: int
    links: list[dict[str, str]]


class MeasureIn(BaseModel):
    """A new measure of an issue."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, plain_text(4000, min_length=1)]
    owner: Annotated[str, plain_text(200)] | None = None
    due: date | None = None


class MeasureOut(BaseModel):
    """A measure."""

    id: int
    text: str
    owner: str | None
    due: date | None
    done_on: date | None


class MeasureDoneIn(BaseModel):
    """When a measure was finished (today when left out)."""

    model_config = ConfigDict(extra="forbid")

    on: date | None = None


class StateIn(BaseModel):
    """A state change of an issue, with an optional note."""

    model_config = ConfigDict(extra="forbid")

    state: IssueState
    on: date | None = None
    note: Annotated[str, plain_text(4000)] | None = None


class IssueRow(BaseModel):
    """One row of the ledger."""

    ref: str
    category: int
    title: str
    state: str
    deadline: date | None
    lead_department: str | None
    measures: int
    measures_done: int
    parcels: str
    streets: str
    past_deadline: bool
    done_with_violation: bool


class IssueIn(BaseModel):
    """A new issue of the ledger (category 1–5 as in the 2022 report).

    Refs are the ledger's own pattern (`cases.issues.REF_PATTERN`: 2-1, 3.2, 5-a).
    """

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(min_length=1, max_length=20, pattern=REF_PATTERN.pattern)
    category: int = Field(ge=min(CATEGORIES), le=max(CATEGORIES))
    title: Annotated[str, plain_text(500, min_length=1)]
    finding: Annotated[str, plain_text(4000)] | None = None
    lead_department: Annotated[str, plain_text(200)] | None = None
    partner_departments: list[Annotated[str, plain_text(200, min_length=1)]] = Field(
        default_factory=list, max_length=20)
    deadline: date | None = None
    opened_on: date | None = None


class LinkIn(BaseModel):
    """Parcel codes to link to an issue (already linked ones are left as they are)."""

    model_config = ConfigDict(extra="forbid")

    codes: list[Annotated[str, Field(min_length=1, max_length=PARCEL_CODE_MAX_LENGTH)]] = Field(
        min_length=1, max_length=500)


class LinkOut(BaseModel):
    """The codes newly linked to an issue."""

    ref: str
    added: list[str]


class RowNoteOut(BaseModel):
    """One row repaired or skipped, and why."""

    row: int
    code: str | None
    reason: str


class ImportOut(BaseModel):
    """An import's report: rows read, created, updated, repaired and skipped (with reasons)."""

    file: str
    target: str
    kind: str | None = None
    crs: str | None = None
    encoding: str | None = None
    dry_run: bool
    read: int
    created: int
    updated: int
    unchanged: int
    repaired: list[RowNoteOut]
    skipped: list[RowNoteOut]
    import_id: int | None = None
    counts: dict[str, int] = Field(default_factory=dict, description="The ledger's issues, measures, links.")


class UserIn(BaseModel):
    """A new user (the password is hashed at once and never returned)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role
    password: str = Field(min_length=8, max_length=1000)
    streets: list[str] = Field(default_factory=list, max_length=30)


class UserOut(BaseModel):
    """A user, without secrets."""

    name: str
    role: str
    streets: list[str]
    disabled: bool


class ExportIn(BaseModel):
    """What to export: parcel status (any format) or the issue ledger (xlsx)."""

    model_config = ConfigDict(extra="forbid")

    what: Literal["parcels", "ledger"] = "parcels"
    format: Literal["gpkg", "geojson", "shp", "csv", "parquet", "fgb", "xlsx"] = "gpkg"
    streets: list[str] = Field(default_factory=list, max_length=30)
    kinds: list[str] = Field(default_factory=list, max_length=20)
    statuses: list[str] = Field(default_factory=list, max_length=10)
    as_of: date | None = None
    lang: Literal["zh", "en"] = "zh"


class ExportOut(BaseModel):
    """A finished export and where to download it."""

    name: str
    url: str
    rows: int | None = None


def form_errors(err: LandpatrolError, fields: tuple[str, ...], default: str,
                message: str | None = None) -> dict[str, str]:
    """The error's line (`message`, else its own) beside the field it names (`err.field`), else `default`."""
    return {err.field if err.field in fields else default: str(err) if message is None else message}


def parse_form(model: type[M], data: dict[str, Any]) -> M:
    """A model from form fields; a bad field is an `InputError` naming it (422, not 500)."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        raise InputError(f"{field}: {first['msg']}", field=field, code=first["type"]) from None
