"""Errors at the edge: domain errors become their HTTP status and one line, never a trace.

`/api/...` gets `{"detail": "..."}`; pages get the error page in the user's
language. Anything unexpected is logged here and answered with a bare 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from geo.errors import LandpatrolError
from maps.web.pages import render

log = logging.getLogger("landpatrol.web")
API_PREFIX = "/api"
JSON_PREFIXES = (API_PREFIX, "/openapi", "/ogc")  # desktop GIS clients read errors as JSON


def _reply(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith(JSON_PREFIXES):
        return JSONResponse({"detail": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def _domain(request: Request, err: Exception) -> Response:
    assert isinstance(err, LandpatrolError)
    return _reply(request, err.http_status, str(err))


async def _http(request: Request, err: Exception) -> Response:
    assert isinstance(err, HTTPException)
    response = _reply(request, err.status_code, str(err.detail))
    for name, value in (err.headers or {}).items():
        response.headers[name] = value
    return response


async def _validation(request: Request, err: Exception) -> Response:
    assert isinstance(err, RequestValidationError)
    problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in err.errors()]
    if request.url.path.startswith(API_PREFIX):
        return JSONResponse({"detail": "; ".join(problems)}, status_code=422)
    return _reply(request, 422, "; ".join(problems))


async def _database(request: Request, err: Exception) -> Response:
    log.error("database error on %s %s: %s", request.method, request.url.path, err)
    return _reply(request, 503, "the database is busy or unavailable; try again")


async def _unexpected(request: Request, err: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return _reply(request, 500, "internal error")


def install_error_handlers(app: FastAPI) -> None:
    """Translate every error once, here."""
    app.add_exception_handler(LandpatrolError, _domain)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(Exception, _unexpected)
