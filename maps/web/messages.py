"""Errors the web app raises, worded in the page's language.

An error made by `web_error` keeps English in `str()` (the JSON API, logs)
and carries its key and values, so the error page and forms can word it in
Chinese or English. Errors from the services keep their own (English) line, and
`hinted` adds what to do on the web where the command line would name an option
(`scripts.cli_hints`), chosen by the error's code.
"""

from __future__ import annotations

from typing import Any

from geo.errors import LandpatrolError

LIST_SEPARATORS = {"zh": "、", "en": ", "}
ROLE_NAMES = {"inspector": "巡查员", "manager": "负责人", "analyst": "分析员", "admin": "管理员"}
MESSAGES: dict[str, tuple[str, str]] = {
    "sign_in": ("请先登录", "sign in first"),
    "role_forbidden": ("{role}角色无权进行此操作", "the {role} role may not do this"),
    "not_your_street": ("这条街道不在您的巡查范围内", "this street is not one of yours"),
    "csrf": ("表单已失效，请刷新页面后重试", "missing or invalid CSRF token; reload the page and try again"),
    "no_parcel": ("没有编号为“{code}”的地块", "no parcel {code!r}"),
    "no_parcel_near": ("没有编号为“{code}”的地块；您是否要找：{near}？",
                       "no parcel {code!r}; did you mean {near}?"),
    "no_street": ("没有街道“{street}”；您的街道：{near}", "no street {street!r}; your streets: {near}"),
    "not_found": ("页面不存在", "no such page"),
    "busy": ("数据库繁忙或不可用，请稍后重试", "the database is busy or unavailable; try again"),
    "internal": ("内部错误", "internal error"),
}

# By a service error's code: what to do in the web app (the command line names its option instead).
HINTS: dict[str, tuple[str, str]] = {
    "rows_rejected": ("如需导入其余各行，请在“无效要素”中选择“跳过”",
                      "to import the good rows, choose Skip under Invalid features"),
    "no_crs": ("请上传注明坐标系的文件（如 EPSG:4490）",
               "upload a file that declares its CRS (e.g. EPSG:4490)"),
    "unknown_encoding": ("请将文件另存为 UTF-8 编码后重新上传", "save the file as UTF-8 and upload it again"),
    "wrong_encoding": ("请将文件另存为 UTF-8 编码后重新上传", "save the file as UTF-8 and upload it again"),
    "many_layers": ("请上传只含一个图层的文件", "upload a file with one layer"),
    "no_code_field": ("请在文件中加入编号字段", "add a code field to the file"),
    "no_geometry_column": ("CSV 需含 WKT 几何列，或经度、纬度两列",
                           "a CSV needs a WKT column, or lon and lat columns"),
    "repairable_row": ("请修正文件，或在“无效要素”中选择“尝试修复”或“跳过”",
                       "fix the file, or choose Repair or Skip under Invalid features"),
    "invalid_row": ("请修正文件，或在“无效要素”中选择“跳过”",
                    "fix the file, or choose Skip under Invalid features"),
}


def _word(key: str, lang: str, params: dict[str, Any]) -> str:
    zh, en = MESSAGES[key]
    joined = {k: LIST_SEPARATORS[lang].join(v) if isinstance(v, list) else v for k, v in params.items()}
    if lang == "zh" and "role" in joined:
        joined["role"] = ROLE_NAMES.get(joined["role"], joined["role"])
    return (zh if lang == "zh" else en).format(**joined)


def web_error(kind: type[LandpatrolError], key: str, *, field: str | None = None,
              **params: Any) -> LandpatrolError:
    """An error of `kind` whose pages show it in the user's language (English in `str()`)."""
    err = kind(_word(key, "en", params), field=field, code=key)
    err.params = params  # type: ignore[attr-defined]  # read back by `localized`
    return err


def localized(err: LandpatrolError, lang: str) -> str:
    """The error's line in `lang`: its own words when `web_error` made it, else its message and hint."""
    params = getattr(err, "params", None)
    if err.code in MESSAGES and isinstance(params, dict):
        return _word(err.code, lang, params)
    return hinted(str(err), err, lang)


def hinted(message: str, err: LandpatrolError, lang: str) -> str:
    """`message` with the web's hint for the error's code, if it has one."""
    hint = HINTS.get(err.code or "")
    if hint is None:
        return message
    return f"{message}；{hint[0]}" if lang == "zh" else f"{message}; {hint[1]}"


def status_line(key: str, lang: str) -> str:
    """A fixed line (`not_found`, `busy`, `internal`) in `lang`."""
    return _word(key, lang, {})
