"""Photos are decoded in full before they are stored; the size cap comes first (issue 13, item 13)."""

from __future__ import annotations

import importlib.util

import pytest
import sqlalchemy as sa
from PIL import Image

from cases.inspect_import import import_inspections
from cases.inspections import log_inspection
from cases.models import Inspection, Photo
from cases.photos import MAX_BYTES, check_photo, photo_key
from geo.errors import InputError
from geo.media import MediaBlob
from tests.cases.images import image_bytes, jpeg_bytes

HTML_BEHIND_A_JPEG_HEADER = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>"


def count(store, model) -> int:
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_real_images_of_each_type_are_accepted(tmp_path, fmt):
    path = tmp_path / "photo.bin"
    path.write_bytes(image_bytes(fmt))
    assert check_photo(path)[0] == f"image/{fmt.lower()}"


@pytest.mark.parametrize("data", [
    HTML_BEHIND_A_JPEG_HEADER,
    jpeg_bytes((64, 64))[:300],  # cut short
    b"\x89PNG\r\n\x1a\n" + b"<svg onload=alert(1)>",
    b"GIF89a<?php echo 1; ?>",
], ids=["html-behind-jpeg", "truncated-jpeg", "svg-behind-png", "php-behind-gif"])
def test_a_valid_header_in_front_of_something_else_is_refused(tmp_path, data):
    path = tmp_path / "evil.jpg"
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"photos: evil\.jpg is not a readable image") as caught:
        check_photo(path)
    assert caught.value.code == "not_an_image"


def test_the_size_cap_comes_before_decoding(tmp_path, monkeypatch):
    path = tmp_path / "big.jpg"
    with path.open("wb") as handle:
        handle.write(HTML_BEHIND_A_JPEG_HEADER)
        handle.truncate(MAX_BYTES + 1)
    monkeypatch.setattr(Image, "open", lambda *a, **k: pytest.fail("decoded a file over the cap"))
    with pytest.raises(InputError, match="over the 20 MB limit"):
        check_photo(path)


@pytest.mark.parametrize("side", [15, 40], ids=["over-the-limit", "over-twice-the-limit"])
def test_decompression_bombs_are_refused_by_their_pixel_count(tmp_path, monkeypatch, side):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 15² warns in Pillow, 40² is its error
    path = tmp_path / "bomb.png"
    path.write_bytes(image_bytes("PNG", (side, side)))
    with pytest.raises(InputError, match=r"bomb\.png has too many pixels") as caught:
        check_photo(path)
    assert caught.value.code == "too_large"


@pytest.mark.skipif(importlib.util.find_spec("pillow_heif") is not None,
                    reason="with pillow-heif installed, HEIC is decoded like the rest")
def test_heic_is_known_by_its_bytes_while_pillow_cannot_decode_it(tmp_path):
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    assert check_photo(path) == ("image/heic", "heic")


def test_a_disguised_photo_stores_nothing_on_either_path(store, sites, tmp_path):
    evil = tmp_path / "evil.jpg"
    evil.write_bytes(HTML_BEHIND_A_JPEG_HEADER)
    with pytest.raises(InputError, match=r"photos: photo 1, evil\.jpg is not a readable image"), \
            store.session() as session:
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="李",
                       photos=[evil], media=store.media())
    table = tmp_path / "field.csv"
    table.write_text("parcel_code,inspected_at,inspector,photos\nQJ-001,2022-10-20,王,evil.jpg\n",
                     encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2, photos: evil\.jpg is not a readable image"), \
            store.session() as session:
        import_inspections(session, table, media=store.media())
    assert count(store, Inspection) == 0 and count(store, Photo) == 0
    assert not list(store.media_dir().rglob("*.*"))


def test_with_media_in_the_store_a_photo_commits_and_rolls_back_with_its_record(store, sites, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("LANDPATROL_MEDIA", "db")
    good = tmp_path / "good.jpg"
    good.write_bytes(jpeg_bytes((64, 64)))
    missing = tmp_path / "missing.jpg"
    with pytest.raises(Exception, match="missing"), store.session() as session:  # the 2nd photo fails
        log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="李",
                       photos=[good, missing], media=store.media())
    assert count(store, MediaBlob) == 0 and count(store, Photo) == 0
    with store.session() as session:
        record = log_inspection(session, parcel_code="QJ-001", inspected_at="2022-10-20", inspector="李",
                                photos=[good], media=store.media())
        sha = record.photos[0].sha256
    with store.session() as session:
        assert store.media().get(session, photo_key(sha, "jpg")) == good.read_bytes()
    assert not (tmp_path / "media").exists()  # nothing in the folder the store would use otherwise
