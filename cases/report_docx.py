"""The report as a Word document, the bureau's own format: the same sections, plus two charts.

Built whole in memory and moved into place in one step, so a failure (no CJK
font for the charts, a full disk) leaves no half-written file behind.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from cases import report_charts
from cases.report_sections import TEXT, report_sections
from cases.report_text import as_of_line, measures_sentence, sentence_end, summary_sentence

EAST_ASIAN_FONT = "宋体"  # what the bureau's documents are set in; Word maps it on every Chinese system


def _east_asian(document: Any) -> None:
    """Chinese text in 宋体: python-docx sets only the Latin font name."""
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def _table(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def docx_bytes(report: dict[str, Any], lang: str | None = None) -> bytes:
    """The whole report as the bytes of a .docx file."""
    lang = lang or report.get("lang", "zh")
    t = TEXT[lang]
    charts = [(t["chart_streets"], report_charts.status_by_street(report, lang)),
              (t["chart_progress"], report_charts.progress(report, lang))]
    document = Document()
    _east_asian(document)
    document.add_heading(t["title"], level=0)
    document.add_paragraph(as_of_line(report, lang))
    document.add_paragraph(summary_sentence(report["issues"], lang) + sentence_end(lang))
    document.add_paragraph(measures_sentence(report["issues"], lang))
    for section in report_sections(report, lang):
        document.add_heading(section.heading, level=1)
        if section.rows:
            _table(document, section.header, section.rows)
        else:
            document.add_paragraph(t["none"])
        for note in section.notes:
            document.add_paragraph(note)
    document.add_heading(t["charts"], level=1)
    for caption, png in charts:
        document.add_picture(io.BytesIO(png), width=Cm(16))
        document.add_paragraph(caption)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(report: dict[str, Any], path: Path, lang: str | None = None) -> Path:
    """Write the .docx at `path`, all or nothing."""
    data = docx_bytes(report, lang)
    staged = path.with_name(f".{path.name}.partial")
    try:
        staged.write_bytes(data)
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
    return path
