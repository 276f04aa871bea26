"""The web app's settings, from the environment (`LANDPATROL_*`), read once.

One pydantic-settings class reached through the cached `get_settings()`; the
app factory takes a `Settings` so tests build apps without touching os.environ.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What `landpatrol serve` and the app need to know.

    `secret_key` signs session cookies and CSRF tokens; when unset, a random one
    is made per process (sign-ins then last until a restart), so `serve` with
    several workers sets one for all of them.
    """

    model_config = SettingsConfigDict(env_prefix="LANDPATROL_", extra="ignore")

    db: str | None = Field(default=None, description="Database URL; default ./landpatrol.sqlite.")
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)
    session_max_age_s: int = 12 * 3600
    cookie_secure: bool = False  # set True behind HTTPS
    default_lang: str = "zh"
    login_max_failures: int = 5  # per name and per client address, within the window
    login_window_s: int = 300
    write_retries: int = 8  # SQLite "database is locked" and PostgreSQL serialisation retries
    export_dir: str | None = None  # where export downloads are written; default a temp folder


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read from the environment once."""
    return Settings()
