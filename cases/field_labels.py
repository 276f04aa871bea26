"""The label of each field of an inspection, for messages people read (issue 15, item 6).

Why one place: the validator names fields by their API names (`hardened_m2`), which
the CLI and files use; the web and the phone show the same message with the field's
Chinese (or English) label instead. Findings take their labels from `cases.rules.FINDINGS`.
"""

from __future__ import annotations

from cases.rules import FINDINGS

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "parcel_code": ("地块编号", "Parcel code"),
    "code": ("地块编号", "Parcel code"),
    "inspected_at": ("巡查时间", "Visit time"),
    "inspector": ("巡查员", "Inspector"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "lon/lat": ("经纬度", "Longitude/latitude"),
    "note": ("备注", "Note"),
    "client_id": ("记录编号", "Record id"),
    "photos": ("照片", "Photos"),
    "street_code": ("街道", "Street"),
    **{f.name: (f.label_zh, f.label_en) for f in FINDINGS},
}


def field_label(field: str, lang: str = "zh") -> str:
    """The field's label in the language (its own name when it has none)."""
    zh, en = FIELD_LABELS.get(field, (field, field))
    return zh if lang == "zh" else en


def labelled(message: str, field: str | None, lang: str = "zh") -> str:
    """The message with its leading `field:` (or `row 3, field:`) named by the field's label."""
    if not field or field not in FIELD_LABELS:
        return message
    for head in (f"{field}: ", f"{field}:"):
        where = message.find(head)
        if where != -1 and (where == 0 or message[:where].endswith(", ")):
            return f"{message[:where]}{field_label(field, lang)}: {message[where + len(head):].lstrip()}"
    return f"{field_label(field, lang)}: {message}"
