"""Stored files (photos, thumbnails) behind one interface: a folder, or the database itself.

Why: with several web servers behind a proxy, a file written to one server's
folder is missing on the others. `DatabaseMedia` keeps the bytes in the
`media_blobs` table, written in the caller's transaction, so a file and its
record commit or roll back together and every server sees both. `FolderMedia`
keeps the layout the folder always had (`<root>/<key>`), which backups copy.

Keys are relative paths such as `ab/abcdef….jpg`; both backends store each key
once (keys hold a content hash, so the same key always means the same bytes).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from geo.errors import InputError
from geo.orm import Base

DB_CHOICE = "db"


class MediaBlob(Base):
    """A stored file's bytes, by its key (which holds the content hash)."""

    __tablename__ = "media_blobs"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Media(Protocol):
    """Where stored files live; `session` is the transaction of the record they belong to."""

    def put(self, session: Session, key: str, data: bytes) -> None:
        """Store `data` under `key` unless it is stored already."""

    def get(self, session: Session, key: str) -> bytes | None:
        """The bytes under `key`, or None."""


def _checked(key: str) -> str:
    """Refuse a key that could leave the media root (absolute, `..`, empty parts)."""
    parts = key.split("/")
    if not key or any(part in ("", ".", "..") or "\\" in part for part in parts):
        raise InputError(f"media key {key!r} is not a plain relative path", field="key")
    return key


class FolderMedia:
    """Files in a folder: `<root>/<key>`, written atomically (a crash never leaves half a file).

    A file left by a rolled-back transaction is harmless: its key is its content.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, session: Session, key: str, data: bytes) -> None:
        target = self.root / _checked(key)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)

    def get(self, session: Session, key: str) -> bytes | None:
        path = self.root / _checked(key)
        return path.read_bytes() if path.is_file() else None


class DatabaseMedia:
    """Files in the `media_blobs` table, in the caller's transaction (BYTEA on PostGIS, BLOB on SQLite)."""

    def put(self, session: Session, key: str, data: bytes) -> None:
        stored = sa.select(MediaBlob.key).where(MediaBlob.key == _checked(key))  # not the bytes
        if session.scalar(stored) is None:
            session.add(MediaBlob(key=key, data=data))
            session.flush()

    def get(self, session: Session, key: str) -> bytes | None:
        return session.scalar(sa.select(MediaBlob.data).where(MediaBlob.key == _checked(key)))


def choose_media(configured: str | None, default_folder: Path) -> Media:
    """`LANDPATROL_MEDIA`: `db` for the database, a folder path, or unset for `default_folder`."""
    if configured and configured.strip().lower() == DB_CHOICE:
        return DatabaseMedia()
    return FolderMedia(Path(configured) if configured else default_folder)
