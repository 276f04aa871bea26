"""Real image bytes for tests: photos are decoded in full before they are stored, so fakes no longer pass."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str, size: tuple[int, int] = (8, 8), colour: str = "green") -> bytes:
    """A small image encoded by Pillow (`fmt`: JPEG, PNG, GIF, WEBP)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    """A small, valid JPEG."""
    return image_bytes("JPEG", size)
