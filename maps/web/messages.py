"""Errors the web app raises, worded in the page's language.

An error made by `web_error` keeps English in `str()` (the JSON API, logs)
and carries its key and values, so the error page and forms can word it in
Chinese or English. Errors from the services keep their own (English) line.
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
    """The error's line in `lang`: its own words when `web_error` made it, else its message."""
    params = getattr(err, "params", None)
    if err.code in MESSAGES and isinstance(params, dict):
        return _word(err.code, lang, params)
    return str(err)


def status_line(key: str, lang: str) -> str:
    """A fixed line (`not_found`, `busy`, `internal`) in `lang`."""
    return _word(key, lang, {})
