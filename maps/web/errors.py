"""Errors at the edge: domain errors become their HTTP status and one line, never a trace.

`/api/...` gets `{"detail": "..."}`; pages get the error page in the user's
language, and a visitor not signed in is sent to the sign-in page and back.
Anything unexpected is logged here and answered with a bare 500.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from cases.field_labels import labelled
from geo.errors import LandpatrolError
from maps.web.messages import hinted, localized, status_line
from maps.web.pages import page_lang, render

log = logging.getLogger("landpatrol.web")
API_PREFIX = "/api"
OGC_PREFIX = "/ogc"
JSON_PREFIXES = (API_PREFIX, "/openapi", OGC_PREFIX)  # desktop GIS clients read errors as JSON


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(JSON_PREFIXES)


def _reply(request: Request, status: int, message: str, field: str | None = None) -> Response:
    if status == 422 and request.url.path.startswith(OGC_PREFIX):
        status = 400  # OGC API - Features answers 400 for any parameter it cannot accept
    if _is_api(request):
        body = {"detail": message, **({"field": field} if field else {})}
        return JSONResponse(body, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def _sign_in_first(request: Request) -> Response:
    """To the sign-in page, which comes back here (a local path only: see `safe_next`)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?{urlencode({'next': here})}", status_code=303)


async def _domain(request: Request, err: Exception) -> Response:
    """The message names its field by the field's label (`field` keeps the API name for clients)."""
    assert isinstance(err, LandpatrolError)
    lang = page_lang(request)
    if _is_api(request):
        return _reply(request, err.http_status, labelled(hinted(str(err), err, lang), err.field, lang),
                      err.field)
    if err.http_status == 401 and request.method == "GET":
        return _sign_in_first(request)
    return _reply(request, err.http_status, labelled(localized(err, lang), err.field, lang))


async def _http(request: Request, err: Exception) -> Response:
    assert isinstance(err, HTTPException)
    detail = str(err.detail)
    if err.status_code == 404 and not _is_api(request):
        detail = status_line("not_found", page_lang(request))
    response = _reply(request, err.status_code, detail)
    for name, value in (err.headers or {}).items():
        response.headers[name] = value
    return response


def _problem(error: dict, lang: str) -> str:
    where = ".".join(str(p) for p in error["loc"][1:]) or "body"
    return labelled(f"{where}: {error['msg']}", where, lang)


async def _validation(request: Request, err: Exception) -> Response:
    assert isinstance(err, RequestValidationError)
    errors = err.errors()
    problems = [_problem(e, page_lang(request)) for e in errors]
    first = ".".join(str(p) for p in errors[0]["loc"][1:]) if errors else ""
    return _reply(request, 422, "; ".join(problems), first or None)


async def _database(request: Request, err: Exception) -> Response:
    log.error("database error on %s %s: %s", request.method, request.url.path, err)
    return _reply(request, 503, status_line("busy", "en" if _is_api(request) else page_lang(request)))


async def _unexpected(request: Request, err: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _reply(request, 500, status_line("internal", "en" if _is_api(request) else page_lang(request)))


def install_error_handlers(app: FastAPI) -> None:
    """Translate every error once, here."""
    app.add_exception_handler(LandpatrolError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
