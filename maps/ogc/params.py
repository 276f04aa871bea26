"""The query parameters of `/items`, checked once: a bad one is a 400 naming it.

`limit` (1 to 10,000, default 1,000), `offset`, `bbox` with `bbox-crs`,
`crs`, `properties`, `filter` with `filter-lang` and `filter-crs`, and on
parcel collections `datetime` (a date: status as of that day). `after` is the
key of the last feature of the page before: the `next` links carry it, so a
deep page costs what the first does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from cases.status.clock import check_as_of_day, parse_date
from geo.errors import InputError
from maps.ogc.collections import Collection
from maps.ogc.crs import DEFAULT, BadRequest, Crs, box_to_storage, parse_crs

DEFAULT_LIMIT = 1_000
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
ITEMS_PARAMS = frozenset({"limit", "offset", "after", "bbox", "bbox-crs", "crs", "properties", "filter",
                          "filter-lang", "filter-crs", "datetime", "f", "lang"})


@dataclass(frozen=True)
class ItemsQuery:
    """A checked `/items` request."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: str | None = None
    bbox: tuple[float, float, float, float] | None = None  # lon/lat, EPSG:4490
    crs: Crs = DEFAULT
    properties: tuple[str, ...] | None = None
    filter: str | None = None
    filter_crs: Crs = DEFAULT
    as_of: date | None = None


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise BadRequest(f"{name}: {text[:40]!r} is not a whole number", field=name) from None
    if not low <= value <= high:
        raise BadRequest(f"{name}: {value} is outside {low}..{high}", field=name, code="out_of_range")
    return value


def _bbox(text: str, crs: Crs) -> tuple[float, float, float, float]:
    try:
        numbers = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise BadRequest(f"bbox: {text[:80]!r} is not 4 or 6 numbers", field="bbox") from None
    if len(numbers) not in (4, 6) or not all(math.isfinite(v) for v in numbers):
        raise BadRequest("bbox: give 4 (or 6) finite numbers", field="bbox")
    half = len(numbers) // 2
    if any(numbers[i] > numbers[i + half] for i in range(half)):
        raise BadRequest("bbox: the lower corner is above the upper one", field="bbox")
    return box_to_storage(numbers, crs)


def _as_of(text: str) -> date:
    """A date, or an instant whose day is taken; intervals are refused (status is of one day)."""
    if "/" in text:
        raise BadRequest("datetime: give one date (status as of that day), not an interval",
                         field="datetime")
    try:
        day = parse_date(text, field="datetime")
        check_as_of_day(day, field="datetime")
    except InputError as err:
        raise BadRequest(str(err), field="datetime") from None
    return day


def items_query(params: Mapping[str, str], collection: Collection) -> ItemsQuery:
    """Check the parameters of an `/items` request for this collection."""
    unknown = sorted(set(params) - ITEMS_PARAMS)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0][:40]!r}", field=unknown[0][:40])
    properties = None
    if "properties" in params:
        properties = tuple(p.strip() for p in params["properties"].split(",") if p.strip())
        wrong = [p for p in properties if p not in collection.properties]
        if wrong:
            raise BadRequest(f"properties: unknown property {wrong[0][:80]!r}", field="properties")
    language = params.get("filter-lang", "cql2-text")
    if language != "cql2-text":
        raise BadRequest(f"filter-lang: only cql2-text is supported, not {language[:40]!r}",
                         field="filter-lang")
    if "datetime" in params and collection.kind is None:
        raise BadRequest("datetime: only parcel collections have a status as of a day", field="datetime")
    after = params.get("after")
    return ItemsQuery(
        limit=_integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_integer(params, "offset", 0, 0, MAX_OFFSET),
        after=after if after else None,
        bbox=_bbox(params["bbox"], parse_crs(params.get("bbox-crs"), field="bbox-crs"))
        if "bbox" in params else None,
        crs=parse_crs(params.get("crs"), field="crs"),
        properties=properties,
        filter=params.get("filter") or None,
        filter_crs=parse_crs(params.get("filter-crs"), field="filter-crs"),
        as_of=_as_of(params["datetime"]) if params.get("datetime") else None,
    )
