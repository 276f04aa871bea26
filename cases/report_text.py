"""Rendering the report dict as Markdown, HTML or JSON, in Chinese or English.

The Chinese wording follows the bureau's own report, e.g.
"共20项整改任务,已完成14项、基本完成1项,其余5项正在推进".
"""

from __future__ import annotations

import html
import json
from typing import Any

from cases.issue_state import STATE_LABELS
from cases.rules import STATUS_LABELS, STATUSES
from geo.errors import InputError

FORMATS = ("md", "html", "json")
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
           "area_m2": "面积(m²)"},
    "en": {"title": "Rectification progress", "as_of": "As of", "categories": "By category",
           "streets": "Parcels by street", "district": "District",
           "past_deadline": "Tasks past their deadline",
           "contradictions": "Done, yet a linked parcel is still in violation", "none": "None",
           "category": "Category", "issues": "Tasks", "measures": "Measures", "street": "Street",
           "deadline": "Deadline", "parcels": "Linked parcels", "kinds": "Area by kind", "issue": "Issue",
           "kind": "Kind", "kind_streets": "Streets", "area_ha": "Area (ha)", "area_m2": "Area (m²)"},
}


def summary_sentence(issues: dict[str, Any], lang: str) -> str:
    """The headline in the report's own words, from the counts by state."""
    total, by = issues["total"], issues["by_state"]
    done, basic, rest = by["done"], by["basically_done"], by["in_progress"]
    if lang == "zh":
        parts = [p for p in (f"已完成{done}项" if done else "", f"基本完成{basic}项" if basic else "") if p]
        text = f"共{total}项整改任务"
        if parts:
            text += "," + "、".join(parts)
            text += f",其余{rest}项正在推进" if rest else ""
        elif rest:
            text += ",均正在推进"
        return text
    text = f"{total} rectification tasks"
    parts = [f"{n} {label}" for n, label in ((done, "done"), (basic, "basically done")) if n]
    if parts:
        text += ": " + ", ".join(parts) + (f", the other {rest} in progress" if rest else "")
    elif rest:
        text += ", all in progress"
    return text


def measures_sentence(issues: dict[str, Any], lang: str) -> str:
    """How many measures there are and how many are done."""
    measures, done = issues["measures"], issues["measures_done"]
    if lang == "zh":
        return f"共提出{measures}条整改措施,已落实{done}条。"
    return f"{measures} measures in all, {done} carried out."


def _status_label(status: str, lang: str) -> str:
    return STATUS_LABELS[status][0 if lang == "zh" else 1]


def _tables(report: dict[str, Any], lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's sections as (heading, header, rows)."""
    t = TEXT[lang]
    states = ("done", "basically_done", "in_progress")
    state_names = [STATE_LABELS[s][0 if lang == "zh" else 1] for s in states]
    categories = [[c["category"], c["label"], c["issues"], *(c["by_state"][s] for s in states), c["measures"]]
                  for c in report["categories"]]
    # overdue and recurrence already have their status columns
    figures = [f for f in FIGURE_LABELS if f not in ("overdue", "recurrences")]
    street_header = [t["street"], *(_status_label(s, lang) for s in STATUSES),
                     *(FIGURE_LABELS[f][0 if lang == "zh" else 1] for f in figures)]
    district = {"name": t["district"], "area_mu": None, **report["district"]}
    streets = [[s["name"], *(s["by_status"][k] for k in STATUSES), *(s.get(f) for f in figures)]
               for s in [*report["streets"], district]]
    def issue_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
        return [[i["ref"], i["title"], i["deadline"] or "", i["violating_parcels"]] for i in items]

    issue_header = ["#", t["issue"], t["deadline"], t["parcels"]]
    separator = "、" if lang == "zh" else ", "
    kinds = [[k["label"], k["parcels"], k["area_m2"], k["area_mu"], k["area_ha"],
              separator.join(s["name"] for s in k["streets"])] for k in report["kinds"]]
    kind_header = [t["kind"], FIGURE_LABELS["parcels"][0 if lang == "zh" else 1], t["area_m2"],
                   FIGURE_LABELS["area_mu"][0 if lang == "zh" else 1], t["area_ha"], t["kind_streets"]]
    return [
        (t["categories"], ["#", t["category"], t["issues"], *state_names, t["measures"]], categories),
        (t["kinds"], kind_header, kinds),
        (t["streets"], street_header, streets),
        (t["past_deadline"], issue_header, issue_rows(report["past_deadline"])),
        (t["contradictions"], issue_header, issue_rows(report["done_with_violation"])),
    ]


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("|", "/").replace("\n", " ")


def _markdown(report: dict[str, Any], lang: str) -> str:
    t = TEXT[lang]
    lines = [f"# {t['title']}", "", f"{t['as_of']} {report['as_of_date']}", "",
             summary_sentence(report["issues"], lang) + ("。" if lang == "zh" else "."),
             measures_sentence(report["issues"], lang), ""]
    for heading, header, rows in _tables(report, lang):
        lines += [f"## {heading}", ""]
        if not rows:
            lines += [t["none"], ""]
            continue
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def _html(report: dict[str, Any], lang: str) -> str:
    t = TEXT[lang]
    esc = html.escape
    parts = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
             f"<title>{esc(t['title'])}</title>"
             "<style>body{font-family:sans-serif;max-width:72em;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:2px 6px}</style></head><body>",
             f"<h1>{esc(t['title'])}</h1><p>{esc(t['as_of'])} {esc(report['as_of_date'])}</p>",
             f"<p>{esc(summary_sentence(report['issues'], lang))}</p>",
             f"<p>{esc(measures_sentence(report['issues'], lang))}</p>"]
    for heading, header, rows in _tables(report, lang):
        parts.append(f"<h2>{esc(heading)}</h2>")
        if not rows:
            parts.append(f"<p>{esc(t['none'])}</p>")
            continue
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{esc(_cell(v))}</td>" for v in row) + "</tr>" for row in rows)
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return "".join(parts) + "</body></html>\n"


def render_report(report: dict[str, Any], fmt: str = "md", lang: str | None = None) -> str:
    """The report as `md`, `html` or `json` text; `lang` defaults to the report's own."""
    lang = lang or report.get("lang", "zh")
    if fmt == "json":
        summary = {"summary": summary_sentence(report["issues"], lang)}
        return json.dumps({**report, **summary},
                          ensure_ascii=False, indent=2, default=str)
    if fmt == "md":
        return _markdown(report, lang)
    if fmt == "html":
        return _html(report, lang)
    raise InputError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
