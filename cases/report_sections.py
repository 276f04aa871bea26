"""The report's sections (heading, notes, table) as text for people, whatever the file format.

Markdown, HTML and Word render the same sections, so they say the same
things; numbers are written as people read them (`896,380`, not `896380.0`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cases.issue_state import STATE_LABELS
from cases.report_parcels import LISTED_STATUSES
from cases.status.rules import STATUS_LABELS, STATUSES
from geo.i18n import LANGS, NC_, translations
from layers.kinds import get_kind

# The report's words, each an English message id (under the "report" context) whose Chinese is
# in the catalogue (`geo.i18n`); the report reads them by key in the language it is written in.
_FIGURES: dict[str, tuple[str, str]] = {
    "parcels": NC_("report", "Parcels"), "area_mu": NC_("report", "Area (mu)"),
    "sheds_found": NC_("report", "Sheds found"), "sheds_standing": NC_("report", "Sheds standing"),
    "demolished": NC_("report", "Demolished"), "rebuilt": NC_("report", "Rebuilt"),
    "hardened_cleared_m2": NC_("report", "Hardened cleared (m²)"),
    "overdue": NC_("report", "Overdue patrols"), "recurrences": NC_("report", "Recurrences"),
}
_WORDS: dict[str, tuple[str, str]] = {
    "title": NC_("report", "Rectification progress"),
    "categories": NC_("report", "By category"), "streets": NC_("report", "Parcels by street"),
    "district": NC_("report", "District"), "past_deadline": NC_("report", "Tasks past their deadline"),
    "contradictions": NC_("report", "Done, yet a linked parcel is still in violation"),
    "none": NC_("report", "None"), "category": NC_("report", "Category"), "issues": NC_("report", "Tasks"),
    "measures": NC_("report", "Measures"), "street": NC_("report", "Street"),
    "deadline": NC_("report", "Deadline"), "parcels": NC_("report", "Linked parcels"),
    "kinds": NC_("report", "Area by kind"), "issue": NC_("report", "Issue"), "kind": NC_("report", "Kind"),
    "kind_streets": NC_("report", "Streets"), "area_ha": NC_("report", "Area (ha)"),
    "area_m2": NC_("report", "Area (m²)"), "violating": NC_("report", "Parcels still in violation"),
    "kind_status": NC_("report", "Area of each kind by status"), "status": NC_("report", "Status"),
    "list": NC_("report", "Parcels: {status}"), "code": NC_("report", "Code"), "name": NC_("report", "Name"),
    "days_since": NC_("report", "Days since last visit"), "charts": NC_("report", "Charts"),
    "chart_streets": NC_("report", "Parcel status by street"),
    "chart_progress": NC_("report", "Measures carried out"), "chart_parcels": NC_("report", "Parcels"),
    "chart_done": NC_("report", "Carried out"), "chart_total": NC_("report", "All measures"),
    "separator": NC_("list separator", ", "),
}
_NOTES: tuple[tuple[str, str], ...] = (
    NC_("report", "Sheds found: the most sheds any visit saw on each parcel, summed; demolished: the "
        "demolitions every visit recorded, summed; standing: what the latest visit saw; rebuilt tool and "
        "guard houses are not sheds."),
    NC_("report", "{name}: {found} sheds found, {demolished} demolished, {standing} standing; the other "
        "{other} were not recorded as demolished and the latest visit no longer counted them as sheds "
        "(e.g. kept once brought up to standard)."),
    NC_("report", "{name}: {demolished} demolished, more than the {found} found less the {standing} "
        "standing; the {other} more were put up and pulled down between two visits."),
)
FIGURE_LABELS: dict[str, tuple[str, str]] = {
    key: (translations("zh").pgettext(*message), message[1]) for key, message in _FIGURES.items()}
TEXT: dict[str, dict[str, str]] = {
    lang: {key: translations(lang).pgettext(*message) for key, message in _WORDS.items()} for lang in LANGS}
NOTES: dict[str, tuple[str, ...]] = {
    lang: tuple(translations(lang).pgettext(*message) for message in _NOTES) for lang in LANGS}


@dataclass(frozen=True)
class Section:
    """One heading of the report: its notes, then its table (an empty table reads "none")."""

    heading: str
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def number(value: Any) -> str:
    """`896,380`, `5,176.28`, `0.6156`: thousands grouped, two decimals unless whole, text as it is."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    whole, dot, fraction = text.partition(".")
    text = f"{whole}.{fraction:0<2}" if dot else text  # 2,436.50 beside 1,852.34, not 2,436.5
    return "0" if text == "-0" else text


def _i(lang: str) -> int:
    return 0 if lang == "zh" else 1


def _row(*values: Any) -> list[str]:
    return [number(v) for v in values]


def _codes(codes: str, lang: str) -> str:
    return TEXT[lang]["separator"].join(c for c in codes.split(",") if c)


def _status_label(status: str, lang: str) -> str:
    return STATUS_LABELS[status][_i(lang)]


def _categories(report: dict[str, Any], lang: str) -> Section:
    t, states = TEXT[lang], ("done", "basically_done", "in_progress")
    header = ["#", t["category"], t["issues"], *(STATE_LABELS[s][_i(lang)] for s in states), t["measures"]]
    return Section(t["categories"], header, [
        _row(c["category"], c["label"], c["issues"], *(c["by_state"][s] for s in states), c["measures"])
        for c in report["categories"]])


def _kinds(report: dict[str, Any], lang: str) -> list[Section]:
    t = TEXT[lang]
    header = [t["kind"], FIGURE_LABELS["parcels"][_i(lang)], t["area_m2"], FIGURE_LABELS["area_mu"][_i(lang)],
              t["area_ha"], t["kind_streets"]]
    kinds = [_row(k["label"], k["parcels"], k["area_m2"], k["area_mu"], k["area_ha"],
                  t["separator"].join(s["name"] for s in k["streets"])) for k in report["kinds"]]
    by_status = [_row(k["label"], _status_label(status, lang), part["parcels"], part["area_m2"])
                 for k in report["kinds"] for status, part in k.get("area_by_status", {}).items()
                 if part["parcels"]]
    status_header = [t["kind"], t["status"], FIGURE_LABELS["parcels"][_i(lang)], t["area_m2"]]
    return [Section(t["kinds"], header, kinds), Section(t["kind_status"], status_header, by_status)]


def _streets(report: dict[str, Any], lang: str) -> Section:
    t = TEXT[lang]
    figures = [f for f in FIGURE_LABELS if f not in ("overdue", "recurrences")]  # already status columns
    header = [t["street"], *(_status_label(s, lang) for s in STATUSES),
              *(FIGURE_LABELS[f][_i(lang)] for f in figures)]
    district = {**report["district"], "name": t["district"]}
    rows = [_row(s["name"], *(s["by_status"][k] for k in STATUSES), *(s.get(f) for f in figures))
            for s in [*report["streets"], district]]
    return Section(t["streets"], header, rows, notes=shed_notes(report, lang))


def shed_notes(report: dict[str, Any], lang: str) -> list[str]:
    """What the shed figures mean, and why found − demolished ≠ standing where it is not."""
    definition, fewer, more = NOTES[lang]
    notes = [definition]
    for street in report["streets"]:
        other = street.get("sheds_other", 0)
        if other:
            notes.append((fewer if other > 0 else more).format(
                name=street["name"], found=street["sheds_found"], demolished=street["demolished"],
                standing=street["sheds_standing"], other=abs(other)))
    return notes


def _parcel_lists(report: dict[str, Any], lang: str) -> list[Section]:
    t = TEXT[lang]
    header = [t["street"], t["code"], t["name"], t["kind"], t["area_m2"], t["days_since"]]
    lists = report.get("parcel_lists", {})
    return [Section(t["list"].format(status=_status_label(status, lang)), header, [
        _row(street["name"], p["code"], p["name"] or "", get_kind(p["kind"]).label(lang), p["area_m2"],
             p["days_since"])
        for street in lists.get(status, []) for p in street["parcels"]]) for status in LISTED_STATUSES]


def _issues(report: dict[str, Any], lang: str) -> list[Section]:
    t = TEXT[lang]
    late = [_row(i["ref"], i["title"], i["deadline"] or "", _codes(i.get("parcels", ""), lang))
            for i in report["past_deadline"]]
    wrong = [_row(i["ref"], i["title"], i["deadline"] or "", _codes(i["violating_parcels"], lang))
             for i in report["done_with_violation"]]
    return [Section(t["past_deadline"], ["#", t["issue"], t["deadline"], t["parcels"]], late),
            Section(t["contradictions"], ["#", t["issue"], t["deadline"], t["violating"]], wrong)]


def report_sections(report: dict[str, Any], lang: str) -> list[Section]:
    """Every section of the report, in order, as text ready to print."""
    return [_categories(report, lang), *_kinds(report, lang), _streets(report, lang),
            *_parcel_lists(report, lang), *_issues(report, lang)]
