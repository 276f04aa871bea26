"""Beijing time, the only clock people here read.

The store keeps UTC. Everything a person reads (web pages, CLI tables, reports,
Excel, map popups) shows Beijing time; files that other programs read keep an
unambiguous ISO 8601 time with its +08:00 offset. Both go through here so that
no interface formats a time its own way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def to_local(moment: datetime) -> datetime:
    """The same instant in Beijing time; a naive datetime is taken as UTC (as the store keeps it)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ)


def local_text(moment: datetime | None, *, seconds: bool = False) -> str:
    """`2022-10-25 09:30` in Beijing time, for people; empty for a missing time."""
    if moment is None:
        return ""
    return to_local(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_iso(moment: datetime | None) -> str:
    """`2022-10-25T09:30:00+08:00`, for files; empty for a missing time."""
    if moment is None:
        return ""
    return to_local(moment).isoformat(timespec="seconds")
