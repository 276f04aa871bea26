"""Rendering the report dict as Markdown, HTML or JSON, in Chinese or English.

The Chinese wording follows the bureau's own report, e.g.
"共20项整改任务,已完成14项、基本完成1项,其余5项正在推进".
"""

from __future__ import annotations

import html
import json
from typing import Any

from cases.report_sections import TEXT, report_sections
from geo.errors import InputError
from geo.i18n import NC_, translations

FORMATS = ("md", "html", "json")


def summary_sentence(issues: dict[str, Any], lang: str) -> str:
    """The headline in the report's own words, from the counts by state (the words from the catalogue)."""
    t = translations(lang)
    total, by = issues["total"], issues["by_state"]
    done, basic, rest = by["done"], by["basically_done"], by["in_progress"]
    counts = ((done, NC_("report", "{n} done")), (basic, NC_("report", "{n} basically done")))
    parts = [t.pgettext(*message).format(n=n) for n, message in counts if n]
    if parts:
        text = t.pgettext("report", "{total} rectification tasks: {parts}").format(
            total=total, parts=t.pgettext("list separator", ", ").join(parts))
        rest_text = t.pgettext("report", ", the other {rest} in progress").format(rest=rest)
        return text + (rest_text if rest else "")
    text = t.pgettext("report", "{total} rectification tasks").format(total=total)
    return text + (t.pgettext("report", ", all in progress") if rest else "")


def measures_sentence(issues: dict[str, Any], lang: str) -> str:
    """How many measures there are and how many are done."""
    return translations(lang).pgettext("report", "{measures} measures in all, {done} carried out.").format(
        measures=issues["measures"], done=issues["measures_done"])


def sentence_end(lang: str) -> str:
    """The full stop after the headline (`。` in Chinese)."""
    return translations(lang).pgettext("report", ".")


def as_of_line(report: dict[str, Any], lang: str) -> str:
    """`截至 2022-10-25 23:59(北京时间)`: the instant the figures hold for, as people read it."""
    when = report.get("as_of_text") or report["as_of_date"]
    return translations(lang).pgettext("report", "As of {when} (Beijing time)").format(when=when)


def _cell(value: str) -> str:
    return value.replace("|", "/").replace("\n", " ")


def _markdown(report: dict[str, Any], lang: str) -> str:
    t = TEXT[lang]
    lines = [f"# {t['title']}", "", as_of_line(report, lang), "",
             summary_sentence(report["issues"], lang) + sentence_end(lang),
             measures_sentence(report["issues"], lang), ""]
    for section in report_sections(report, lang):
        lines += [f"## {section.heading}", ""]
        if not section.rows:
            lines += [t["none"], ""]
        else:
            lines.append("| " + " | ".join(section.header) + " |")
            lines.append("|" + "---|" * len(section.header))
            lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in section.rows]
            lines.append("")
        lines += [line for note in section.notes for line in (note, "")]
    return "\n".join(lines)


def _html(report: dict[str, Any], lang: str) -> str:
    t = TEXT[lang]
    esc = html.escape
    parts = [f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
             f"<title>{esc(t['title'])}</title>"
             "<style>body{font-family:sans-serif;max-width:72em;margin:auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:2px 6px}</style></head><body>",
             f"<h1>{esc(t['title'])}</h1><p>{esc(as_of_line(report, lang))}</p>",
             f"<p>{esc(summary_sentence(report['issues'], lang))}</p>",
             f"<p>{esc(measures_sentence(report['issues'], lang))}</p>"]
    for section in report_sections(report, lang):
        parts.append(f"<h2>{esc(section.heading)}</h2>")
        if not section.rows:
            parts.append(f"<p>{esc(t['none'])}</p>")
        else:
            head = "".join(f"<th>{esc(h)}</th>" for h in section.header)
            body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
                           for row in section.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        parts += [f"<p>{esc(note)}</p>" for note in section.notes]
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
