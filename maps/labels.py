"""Every word a map shows, in Chinese (the default on maps) and English.

Status and kind names come from their registries (`cases.status`, `layers.kinds`)
so a map never calls a thing differently from the report or the CLI.
"""

from __future__ import annotations

from cases.status.rules import STATUS_LABELS
from layers.kinds import KINDS

LANGS = ("zh", "en")

ISSUE_STATES: dict[str, tuple[str, str]] = {
    "done": ("已完成", "done"),
    "basically_done": ("基本完成", "basically done"),
    "in_progress": ("正在推进", "in progress"),
}

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "{street} 土地巡查图",
        "as_of": "截至 {date}",
        "schematic": "示意数据：街道边界为示意，非测绘成果",
        "legend": "图例 · 地块状态",
        "kinds": "地块类型",
        "street_boundary": "街道边界",
        "figures": "巡查整改情况",
        "parcels_total": "地块总数",
        "by_status": "按状态",
        "sheds_found": "发现窝棚",
        "sheds_standing": "现存窝棚",
        "demolished": "已拆除",
        "rebuilt": "按标准重建",
        "hardened_cleared": "清理硬底化",
        "overdue": "逾期未巡",
        "recurrences": "新增反弹",
        "rectification": "整改",
        "unit_count": "处",
        "unit_parcels": "块",
        "code": "编号",
        "name": "名称",
        "kind": "类型",
        "village": "村/社",
        "area": "面积",
        "mu": "亩",
        "status": "状态",
        "lastInspection": "最近巡查",
        "never": "未巡查",
        "findings": "发现情况",
        "inspections": "巡查次数",
        "issues": "关联整改问题",
        "note": "备注",
        "coordinates": "中心坐标 (CGCS2000)",
        "search": "按地块编号查找…",
        "notFound": "未找到该编号",
        "listSep": "；",
        "none_found": "无",
        "index_title": "天河区 土地巡查 · 各街道情况",
        "index_map": "各街道违法违规地块占比",
        "street": "街道",
        "street_code": "代码",
        "share": "违法违规占比",
        "share_means": "{share} = （{statuses}）地块数 ÷ 地块总数",
        "no_parcels": "无地块",
        "open_map": "打开地图",
        "district_total": "全区合计",
        "back_to_index": "返回全区",
    },
    "en": {
        "title": "{street}: land inspection map",
        "as_of": "as of {date}",
        "schematic": "Schematic data: the street boundary is a sketch, not a survey",
        "legend": "Legend: parcel status",
        "kinds": "Parcel kinds",
        "street_boundary": "Street boundary",
        "figures": "Inspection and rectification",
        "parcels_total": "Parcels",
        "by_status": "By status",
        "sheds_found": "Sheds found",
        "sheds_standing": "Sheds standing",
        "demolished": "Demolished",
        "rebuilt": "Rebuilt to standard",
        "hardened_cleared": "Hardened ground cleared",
        "overdue": "Overdue patrols",
        "recurrences": "Recurrences",
        "rectification": "Rectification",
        "unit_count": "",
        "unit_parcels": "",
        "code": "Code",
        "name": "Name",
        "kind": "Kind",
        "village": "Village",
        "area": "Area",
        "mu": "mu",
        "status": "Status",
        "lastInspection": "Last inspection",
        "never": "never",
        "findings": "Findings",
        "inspections": "Inspections",
        "issues": "Linked issues",
        "note": "Note",
        "coordinates": "Centre (CGCS2000)",
        "search": "Find parcel by code…",
        "notFound": "No parcel with that code",
        "listSep": "; ",
        "none_found": "none",
        "index_title": "Tianhe district land inspection: streets",
        "index_map": "Share of parcels in violation, by street",
        "street": "Street",
        "street_code": "Code",
        "share": "In violation",
        "share_means": "{share} = ({statuses}) parcels ÷ all parcels",
        "no_parcels": "no parcels",
        "open_map": "open map",
        "district_total": "District total",
        "back_to_index": "back to district",
    },
}


def text(lang: str) -> dict[str, str]:
    """The words of one language (English for anything but `zh`)."""
    return TEXT["zh" if lang == "zh" else "en"]


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
    return {code: _pick(pair, lang) for code, pair in ISSUE_STATES.items()}
