"""The label of each field of an inspection, for messages people read (issue 15, item 6).

Why one place: the validator names fields by their API names (`hardened_m2`), which
the CLI and files use; the web and the phone show the same message with the field's
Chinese (or English) label instead. Findings take their labels from `cases.rules.FINDINGS`.
"""

from __future__ import annotations

from cases.rules import FINDINGS
from geo.i18n import label_pairs

FIELD_CONTEXT = "field"  # the catalogue's context of the fields' labels
FIELD_NAMES: dict[str, str] = {
    "parcel_code": "Parcel code",
    "code": "Parcel code",
    "inspected_at": "Visit time",
    "inspector": "Inspector",
    "lon": "Longitude",
    "lat": "Latitude",
    "lon/lat": "Longitude/latitude",
    "note": "Note",
    "client_id": "Record id",
    "photos": "Photos",
    "street_code": "Street",
}
"""English label of each field that is not a finding (findings label themselves)."""
FIELD_LABELS: dict[str, tuple[str, str]] = {
    **label_pairs(FIELD_CONTEXT, FIELD_NAMES),
    **{f.name: (f.label_zh, f.label_en) for f in FINDINGS},
}
"""(Chinese, English) label of each field, the Chinese read from the catalogue."""


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
