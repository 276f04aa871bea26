"""The web app factory: `create_app(settings)` builds a FastAPI app; nothing connects at import.

Pages and the `/api` JSON share the same services the CLI calls; this module
only wires routers, static files, error translation and security headers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from xstatic.pkg import leaflet

from geo.store import Store, open_store
from maps.web.deps import refuse_control_characters
from maps.web.errors import install_error_handlers
from maps.web.response_cache import ResponseCache
from maps.web.routers import (
    admin_imports,
    auth,
    corrections,
    exports,
    field,
    inspect_form,
    issues,
    ogc,
    parcels,
    patrol,
    review,
    streets,
    tiles,
    users,
)
from maps.web.schemas import ERROR_RESPONSES
from maps.web.sessions import SessionStore
from maps.web.settings import Settings, get_settings
from maps.web.sign_in_limits import SignInLimiter

STATIC_DIR = Path(__file__).with_name("static")
# Folium maps are inline scripts and styles; nothing may come from another origin.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'self'; form-action 'self'; "
       "base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds the security headers to every response (plain ASGI: no per-request overhead)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def _export_dir(settings: Settings) -> Path:
    default = Path(tempfile.gettempdir()) / "landpatrol-exports"
    folder = Path(settings.export_dir) if settings.export_dir else default
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """A new app for the settings (default: the environment's); the store connects on first use."""
    settings = settings or get_settings()
    app = FastAPI(
        title="landpatrol", version="1", docs_url=None, redoc_url=None,  # their pages load CDN scripts
        description="Tianhe land patrol: streets, parcels, inspections, issues and exports.",
        responses=ERROR_RESPONSES,  # errors are {"detail": "one line"}, FastAPI's 422 included
        dependencies=[Depends(refuse_control_characters)],
    )
    app.state.settings = settings
    app.state.store = store or open_store(settings.db)
    app.state.login_limiter = SignInLimiter(app.state.store, settings.login_max_failures,
                                            settings.login_max_per_address, settings.login_window_s)
    app.state.sessions = SessionStore(app.state.store, settings.session_idle_s, settings.session_max_age_s)
    app.state.export_dir = _export_dir(settings)
    app.state.response_cache = ResponseCache()
    install_error_handlers(app)
    for module in (auth, streets, parcels, inspect_form, corrections, issues, exports, users, admin_imports,
                   patrol, review, field, ogc, tiles):
        app.include_router(module.router)
    # The field app's Leaflet from xstatic-leaflet (mounted before /static, which would shadow it).
    app.mount("/static/leaflet", StaticFiles(directory=leaflet.BASE_DIR), name="leaflet")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    return app


def app_from_env() -> Any:
    """For `uvicorn --factory maps.web.app:app_from_env` (each worker builds its own app)."""
    return create_app()
