"""Inspection photos: checked by their bytes, decoded in full, stored once by SHA-256 (`geo.media`)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from cases.models import Photo
from geo.errors import InputError, NotFoundError
from geo.media import Media

MAX_BYTES = 20 * 1024 * 1024
# (media type, extension, test on the first bytes); the extension of the file is never trusted.
SIGNATURES: tuple[tuple[str, str, object], ...] = (
    ("image/jpeg", "jpg", lambda b: b.startswith(b"\xff\xd8\xff")),
    ("image/png", "png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/gif", "gif", lambda b: b[:6] in (b"GIF87a", b"GIF89a")),
    ("image/webp", "webp", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
    ("image/heic", "heic", lambda b: b[4:8] == b"ftyp" and b[8:12] in (
        b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis")),
)


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(media type, extension) of an image by its first bytes, or None if not an image."""
    for media_type, extension, test in SIGNATURES:
        if test(head):  # type: ignore[operator]
            return media_type, extension
    return None


def check_photo(path: Path, *, field: str = "photos", number: int | None = None) -> tuple[str, str]:
    """Refuse a missing file, one over 20 MB, or one whose bytes are not an image.

    The error's field is `field`; `number` (the photo's place among those sent) is named in its line.
    """
    head = f"{field}: photo {number}, " if number else f"{field}: "
    if not path.is_file():
        raise NotFoundError(f"{head}no file {str(path)!r}", field=field, code="missing")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(f"{head}{path.name} is {size / 2**20:.1f} MB, over the 20 MB limit", field=field,
                         code="too_large")
    with path.open("rb") as handle:
        found = sniff_image(handle.read(32))
    if found is None:
        raise InputError(f"{head}{path.name} is not an image (JPEG, PNG, GIF, WebP or HEIC)", field=field,
                         code="not_an_image")
    if found[0] != "image/heic" or _heif_opener():
        _decode(path, head=head, field=field)
    return found


def _heif_opener() -> bool:
    """Whether Pillow can decode HEIC (pillow-heif installed); without it HEIC is known by its bytes only."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return False
    register_heif_opener()
    return True


def _decode(path: Path, *, head: str, field: str) -> None:
    """Decode the whole image, so a valid header cannot carry anything else (HTML, a script).

    Pillow's `MAX_IMAGE_PIXELS` bounds the pixels: a small file that would
    expand to gigabytes (a decompression bomb) is refused before it is decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.verify()  # checks the structure; the image cannot be used after it
            with Image.open(path) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"{head}{path.name} has too many pixels (over {Image.MAX_IMAGE_PIXELS:,})",
                         field=field, code="too_large") from None
    except (OSError, SyntaxError, ValueError, EOFError):  # what Pillow raises for broken images
        raise InputError(f"{head}{path.name} is not a readable image", field=field,
                         code="not_an_image") from None


def photo_key(sha256: str, extension: str) -> str:
    """A photo's media key: `ab/abcdef….jpg` (in a folder, its path below the media root)."""
    return f"{sha256[:2]}/{sha256}.{extension}"


def store_photo(session: Session, path: Path, *, media: Media, field: str = "photos",
                number: int | None = None) -> Photo:
    """The stored photo for a file, its bytes put in the media if new (in the session's transaction)."""
    media_type, extension = check_photo(path, field=field, number=number)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    existing = session.scalar(sa.select(Photo).where(Photo.sha256 == digest))
    media.put(session, photo_key(digest, extension), data)
    if existing is not None:
        return existing
    photo = Photo(sha256=digest, media_type=media_type, size_bytes=len(data), original_name=path.name)
    session.add(photo)
    return photo
