"""The words of the web pages, in Chinese (the default) and English.

Status, kind, finding and issue-state names come from their registries, so a
page never calls a thing differently from the map, the report or the CLI.
"""

from __future__ import annotations

from cases.issue_state import STATE_LABELS
from cases.rules import FINDINGS_BY_NAME
from cases.status.rules import STATUS_LABELS
from layers.kinds import KINDS

LANGS = ("zh", "en")
LANG_COOKIE = "lp_lang"

_PAIRS: dict[str, tuple[str, str]] = {
    "app": ("天河区土地巡查", "Tianhe land patrol"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "name": ("用户名", "Name"),
    "password": ("密码", "Password"),
    "bad_login": ("用户名或密码错误", "Wrong name or password"),
    "too_many": ("尝试次数过多，请 {s} 秒后再试", "Too many attempts; try again in {s} s"),
    "streets": ("街道", "Streets"),
    "street": ("街道", "Street"),
    "parcels": ("地块", "Parcels"),
    "parcel": ("地块", "Parcel"),
    "map": ("地图", "Map"),
    "open_map": ("全屏地图", "Full-screen map"),
    "issues": ("整改台账", "Issue ledger"),
    "issue": ("整改问题", "Issue"),
    "exports": ("数据导出", "Exports"),
    "users": ("用户管理", "Users"),
    "inspect": ("巡查登记", "Log inspection"),
    "review": ("冲突复核", "Review"),
    "field_app": ("外业巡查", "Field app"),
    "history": ("巡查记录", "Inspection history"),
    "photos": ("照片", "Photos"),
    "status": ("状态", "Status"),
    "kind": ("类型", "Kind"),
    "village": ("村/社", "Village"),
    "area": ("面积", "Area"),
    "code": ("编号", "Code"),
    "parcel_code": ("地块编号", "Parcel code"),
    "inspected_at": ("巡查时间", "Inspected at"),
    "inspector": ("巡查人", "Inspector"),
    "note": ("备注", "Note"),
    "gps": ("定位", "GPS"),
    "use_gps": ("获取当前位置", "Use my position"),
    "submit": ("提交", "Submit"),
    "saved": ("已保存", "Saved"),
    "none": ("无", "none"),
    "total": ("合计", "Total"),
    "ref": ("编号", "Ref"),
    "category": ("类别", "Category"),
    "title": ("问题", "Title"),
    "lead": ("牵头部门", "Lead department"),
    "deadline": ("整改期限", "Deadline"),
    "state": ("整改状态", "State"),
    "measures": ("整改措施", "Measures"),
    "updates": ("进展", "Progress notes"),
    "owner": ("责任人", "Owner"),
    "due": ("期限", "Due"),
    "done_on": ("完成日期", "Done on"),
    "mark_done": ("标记完成", "Mark done"),
    "add_measure": ("新增措施", "Add measure"),
    "set_state": ("更新状态", "Change state"),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "all"),
    "as_of": ("截至日期", "As of"),
    "format": ("格式", "Format"),
    "export_parcels": ("导出地块状态", "Export parcel status"),
    "export_ledger": ("导出整改台账", "Export issue ledger"),
    "files": ("已导出文件", "Exported files"),
    "download": ("下载", "Download"),
    "role": ("角色", "Role"),
    "disabled": ("已停用", "disabled"),
    "disable": ("停用", "Disable"),
    "add_user": ("新增用户", "Add user"),
    "error": ("出错了", "Something went wrong"),
    "back": ("返回", "Back"),
    "flags": ("提示", "Flags"),
    "superseded": ("已被更正", "superseded"),
    "off_site": ("定位距地块超过200米", "GPS over 200 m from the parcel"),
    "photo_hint": ("JPEG 或 PNG，每张不超过 20 MB，可多选", "JPEG or PNG, up to 20 MB each, several allowed"),
    "figures": ("巡查整改情况", "Figures"),
    "lang_switch": ("English", "中文"),
    "imports": ("数据导入", "Imports"),
    "import_file": ("文件", "File"),
    "import_measures": ("措施表", "Measures table"),
    "import_measures_hint": ("台账为 CSV 时可另附措施 CSV（问题编号、措施、责任单位、完成期限、完成日期）",
                             "with a CSV ledger, its measures as a CSV (ref, text, owner, due, done_on)"),
    "import_hint": ("GeoPackage、Shapefile（zip）、GeoJSON、FlatGeobuf、CSV 或台账 xlsx，不超过 200 MB",
                    "GeoPackage, zipped Shapefile, GeoJSON, FlatGeobuf, CSV or ledger .xlsx, up to 200 MB"),
    "import_target": ("导入内容", "What it is"),
    "target_streets": ("街道", "Streets"),
    "target_parcels": ("地块", "Parcels"),
    "target_inspections": ("巡查记录", "Inspections"),
    "target_ledger": ("整改台账", "Issue ledger"),
    "on_invalid": ("无效要素", "Invalid features"),
    "on_invalid_fail": ("中止导入", "Fail"),
    "on_invalid_repair": ("尝试修复", "Repair"),
    "on_invalid_skip": ("跳过", "Skip"),
    "dry_run": ("仅检查，不保存", "Dry run: check only, store nothing"),
    "run_import": ("导入", "Import"),
    "report": ("导入结果", "Import report"),
    "dry_run_done": ("仅检查：未保存任何数据", "Dry run: nothing was stored"),
    "read": ("读取", "Read"),
    "created": ("新增", "Created"),
    "updated": ("更新", "Updated"),
    "unchanged": ("未变", "Unchanged"),
    "repaired": ("已修复", "Repaired"),
    "skipped": ("已跳过", "Skipped"),
    "row": ("要素", "Feature"),
    "reason": ("原因", "Reason"),
    "correct": ("更正", "Correct"),
    "correct_title": ("更正巡查记录", "Correct an inspection"),
    "correct_hint": ("更正会新增一条记录取代原记录，原记录保留在巡查记录中。",
                     "A correction is a new record superseding this one; the old one stays in the history."),
    "new_issue": ("新增整改问题", "New issue"),
    "finding": ("发现问题", "Finding"),
    "partners": ("配合部门（逗号分隔）", "Partner departments (comma-separated)"),
    "opened_on": ("立案日期", "Opened on"),
    "link_parcels": ("关联地块", "Link parcels"),
    "parcel_codes": ("地块编号（空格或逗号分隔）", "Parcel codes (space- or comma-separated)"),
}
WORDS: dict[str, dict[str, str]] = {
    lang: {key: pair[i] for key, pair in _PAIRS.items()} for i, lang in enumerate(LANGS)
}


def pick_lang(requested: str | None, cookie: str | None, default: str) -> str:
    """The page language: `?lang=`, else the cookie, else the default."""
    for lang in (requested, cookie, default):
        if lang in LANGS:
            return lang
    return "zh"


def labels(lang: str) -> dict[str, object]:
    """Every word a template may need in `lang`, registry names included."""
    i = 0 if lang == "zh" else 1
    return {
        **WORDS[lang],
        "statuses": {s: pair[i] for s, pair in STATUS_LABELS.items()},
        "states": {s: pair[i] for s, pair in STATE_LABELS.items()},
        "kinds": {code: kind.label(lang) for code, kind in KINDS.items()},
        "findings": {name: f.label(lang) for name, f in FINDINGS_BY_NAME.items()},
    }
