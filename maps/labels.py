"""Every word a map shows, by key, through the catalogue (Chinese the default on maps, and English).

Status, kind and issue-state names come from their registries (`cases.status`,
`layers.kinds`, `cases.issue_state`) so a map never calls a thing differently from
the report or the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from cases.issue_state import STATE_LABELS
from cases.status.rules import STATUS_LABELS
from geo.i18n import N_, NC_, translations
from layers.kinds import KINDS

# Key → English message id (its Chinese is in the catalogue, `geo.i18n`); the map script reads
# the words by key. A count's unit is part of its message: `{n} 处` in Chinese, `{n}` in English.
_MESSAGES: dict[str, str | tuple[str, str]] = {
    "title": N_("{street}: land inspection map"),
    "as_of": N_("as of {date}"),
    "schematic": N_("Schematic data: the street boundary is a sketch, not a survey"),
    "legend": N_("Legend: parcel status"),
    "kinds": N_("Parcel kinds"),
    "street_boundary": N_("Street boundary"),
    "figures": N_("Inspection and rectification"),
    "parcels_total": NC_("count", "Parcels"),
    "by_status": N_("By status"),
    "sheds_found": N_("Sheds found"),
    "sheds_standing": N_("Sheds standing"),
    "demolished": N_("Demolished"),
    "rebuilt": N_("Rebuilt to standard"),
    "hardened_cleared": N_("Hardened ground cleared"),
    "overdue": N_("Overdue patrols"),
    "recurrences": N_("Recurrences"),
    "rectification": N_("Rectification"),
    "code": N_("Code"),
    "name": NC_("parcel", "Name"),
    "kind": N_("Kind"),
    "village": N_("Village"),
    "area": N_("Area"),
    "mu": N_("mu"),
    "status": N_("Status"),
    "lastInspection": N_("Last inspection"),
    "never": N_("never"),
    "findings": N_("Findings"),
    "inspections": NC_("count", "Inspections"),
    "issues": N_("Linked issues"),
    "note": N_("Note"),
    "coordinates": N_("Centre (CGCS2000)"),
    "search": N_("Find parcel by code…"),
    "notFound": N_("No parcel with that code"),
    "listSep": N_("; "),
    "none_found": N_("none"),
    "index_title": N_("Tianhe district land inspection: streets"),
    "index_map": N_("Share of parcels in violation, by street"),
    "street": N_("Street"),
    "street_code": NC_("street", "Code"),
    "share": N_("In violation"),
    "share_means": N_("{share} = ({statuses}) parcels ÷ all parcels"),
    "no_parcels": N_("no parcels"),
    "open_map": N_("open map"),
    "district_total": N_("District total"),
    "back_to_index": N_("back to district"),
    "n_places": NC_("count of places", "{n}"),
    "n_parcels": NC_("count of parcels", "{n}"),
}


@cache
def text(lang: str) -> Mapping[str, str]:
    """The words of one language by key (English for anything but `zh`), read-only."""
    found = translations(lang)
    return MappingProxyType({
        key: found.pgettext(*message) if isinstance(message, tuple) else found.gettext(message)
        for key, message in _MESSAGES.items()})


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def status_label(status: str, lang: str) -> str:
    """A status's name; an unknown code shows as itself."""
    return _pick(STATUS_LABELS[status], lang) if status in STATUS_LABELS else status


def kind_label(kind: str, lang: str) -> str:
    """A kind's name; a kind not in the registry shows as its code."""
    return KINDS[kind].label(lang) if kind in KINDS else kind


def issue_state_labels(lang: str) -> dict[str, str]:
    """Issue state code → name, for the popups."""
    return {code: _pick(pair, lang) for code, pair in STATE_LABELS.items()}
