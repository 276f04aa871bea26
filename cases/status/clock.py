"""Reading dates and times as people write them, and the as-of instant of a query.

Field staff write local Beijing time; the store keeps UTC. A time written
without an offset is taken as Asia/Shanghai, and a bare date as-of means the
end of that local day, so "as of 2022-10-25" includes everything that day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from geo.errors import InputError
from geo.local_time import LOCAL_TZ
from geo.orm import utc_now

EARLIEST = datetime(2000, 1, 1, tzinfo=LOCAL_TZ)


def parse_datetime(value: str | datetime | date, *, field: str, end_of_day: bool = False) -> datetime:
    """An aware UTC datetime from ISO 8601 text, a datetime or a date.

    A date alone means the start of that local day (or its last microsecond
    with `end_of_day`); naive times are local.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time.max if end_of_day else time.min)
    else:
        text = str(value).strip()
        if not text:
            raise InputError(f"{field}: empty date", field=field, code="empty")
        try:
            parsed = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            raise InputError(f"{field}: {text!r} is not a date/time (use 2022-10-25T09:30+08:00)",
                             field=field, code="not_a_date") from None
        if end_of_day and len(text) <= 10:
            parsed = datetime.combine(parsed.date(), time.max)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)


def parse_date(value: str | date, *, field: str) -> date:
    """A calendar date from `2022-10-25` (or a date)."""
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        raise InputError(f"{field}: {text!r} is not a date (use 2022-10-25)", field=field,
                         code="not_a_date") from None


def resolve_as_of(as_of: datetime | date | str | None) -> datetime:
    """The instant a status query looks at: now, or the end of the given local day."""
    if as_of is None:
        return utc_now()
    instant = parse_datetime(as_of, field="as_of", end_of_day=True)
    check_as_of_day(local_date(instant), field="as_of")
    return instant


def instant_and_present(as_of: datetime | date | str | None) -> tuple[datetime, bool]:
    """The instant asked for, and whether it is the present (no as-of, or a day not yet over):
    the present is read from the stored summaries, a past instant from the whole history."""
    instant = resolve_as_of(as_of)
    return instant, as_of is None or instant >= utc_now()


def check_as_of_day(day: date, *, field: str) -> None:
    """Refuse an as-of day after today (nothing is known of it yet) or before 2000."""
    today = local_date(utc_now())
    if day > today:
        raise InputError(f"{field}: {day.isoformat()} is after today ({today.isoformat()}); "
                         "a status in the future is not known yet", field=field, code="out_of_range")
    if day < EARLIEST.date():
        raise InputError(f"{field}: {day.isoformat()} is before 2000", field=field, code="out_of_range")


def local_date(instant: datetime) -> date:
    """The Beijing calendar date of an instant."""
    return instant.astimezone(LOCAL_TZ).date()


def check_inspection_time(at: datetime, *, field: str, now: datetime | None = None) -> None:
    """Refuse a time in the future (beyond a minute of clock skew) or before 2000."""
    now = now or utc_now()
    if at > now + timedelta(minutes=1):
        raise InputError(f"{field}: {at.astimezone(LOCAL_TZ).isoformat()} is in the future", field=field,
                         code="out_of_range")
    if at < EARLIEST:
        raise InputError(f"{field}: {at.astimezone(LOCAL_TZ).isoformat()} is before 2000", field=field,
                         code="out_of_range")
