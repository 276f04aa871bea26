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
from layers.kinds import get_kind

FIGURE_LABELS: dict[str, tuple[str, str]] = {
    "parcels": ("地块数", "Parcels"), "area_mu": ("面积(亩)", "Area (mu)"),
    "sheds_found": ("发现窝棚", "Sheds found"), "sheds_standing": ("现存窝棚", "Sheds standing"),
    "demolished": ("已拆除", "Demolished"), "rebuilt": ("按标准重建", "Rebuilt"),
    "hardened_cleared_m2": ("清除硬底化(m²)", "Hardened cleared (m²)"),
    "overdue": ("逾期未巡", "Overdue patrols"), "recurrences": ("新增反弹", "Recurrences"),
}
TEXT: dict[str, dict[str, str]] = {
    "zh": {"title": "巡察整改进展情况", "as_of": "截至", "categories": "分类情况",
           "streets": "各街道地块情况", "district": "全区", "past_deadline": "逾期未完成的整改任务",
           "contradictions": "状态与现场不符(已完成但关联地块仍违法)", "none": "无",
           "category": "类别", "issues": "任务数", "measures": "措施数", "street": "街道",
           "deadline": "整改期限", "parcels": "关联地块", "kinds": "各类地块面积", "issue": "问题",
           "kind": "类型", "kind_streets": "分布街道", "area_ha": "面积(公顷)",
           "area_m2": "面积(m²)", "violating": "仍违法的地块", "kind_status": "各类地块按状态的面积",
           "status": "状态", "list": "地块清单:{status}", "code": "地块编码", "name": "名称",
           "days_since": "距上次巡查(天)", "charts": "图表",
           "chart_streets": "各街道地块状态", "chart_progress": "整改措施落实进度",
           "chart_parcels": "地块数", "chart_done": "已落实措施", "chart_total": "措施总数",
           "local_time": "北京时间", "separator": "、"},
    "en": {"title": "Rectification progress", "as_of": "As of", "categories": "By category",
           "streets": "Parcels by street", "district": "District",
           "past_deadline": "Tasks past their deadline",
           "contradictions": "Done, yet a linked parcel is still in violation", "none": "None",
           "category": "Category", "issues": "Tasks", "measures": "Measures", "street": "Street",
           "deadline": "Deadline", "parcels": "Linked parcels", "kinds": "Area by kind", "issue": "Issue",
           "kind": "Kind", "kind_streets": "Streets", "area_ha": "Area (ha)", "area_m2": "Area (m²)",
           "violating": "Parcels still in violation", "kind_status": "Area of each kind by status",
           "status": "Status", "list": "Parcels: {status}", "code": "Code", "name": "Name",
           "days_since": "Days since last visit", "charts": "Charts",
           "chart_streets": "Parcel status by street", "chart_progress": "Measures carried out",
           "chart_parcels": "Parcels", "chart_done": "Carried out", "chart_total": "All measures",
           "local_time": "Beijing time", "separator": ", "},
}
NOTES = {
    "zh": ("发现窝棚:各地块历次巡查所见窝棚数的最大值之和;已拆除:历次巡查记录的拆除数之和;"
           "现存窝棚:最近一次巡查所见;按标准重建的农具房、看护房不计为窝棚。",
           "{name}:发现窝棚{found}间,已拆除{demolished}间,现存{standing}间;"
           "其余{other}间未记录拆除、最近一次巡查已不再记为窝棚(如按标准整改后保留)。",
           "{name}:已拆除{demolished}间,多于发现的{found}间减去现存的{standing}间;"
           "多出的{other}间是两次巡查之间新搭又拆除的。"),
    "en": ("Sheds found: the most sheds any visit saw on each parcel, summed; demolished: the demolitions "
           "every visit recorded, summed; standing: what the latest visit saw; rebuilt tool and guard "
           "houses are not sheds.",
           "{name}: {found} sheds found, {demolished} demolished, {standing} standing; the other {other} "
           "were not recorded as demolished and the latest visit no longer counted them as sheds "
           "(e.g. kept once brought up to standard).",
           "{name}: {demolished} demolished, more than the {found} found less the {standing} standing; "
           "the {other} more were put up and pulled down between two visits."),
}


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
