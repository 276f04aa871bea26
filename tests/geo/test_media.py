"""Both media backends on both store backends: bytes kept once by key; a DB write rolls back."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from geo.media import DatabaseMedia, FolderMedia, Media, MediaBlob, choose_media

KEY = "ab/" + "ab" * 32 + ".jpg"


@pytest.fixture(params=["folder", "db"])
def media(request, tmp_path) -> Media:
    return FolderMedia(tmp_path / "media") if request.param == "folder" else DatabaseMedia()


def test_bytes_put_are_read_back_and_kept_once(store, media):
    with store.session() as session:
        assert media.get(session, KEY) is None
        media.put(session, KEY, b"\x00first\xff")
        media.put(session, KEY, b"second")  # same key: already stored, left as it was
    with store.session() as session:
        assert media.get(session, KEY) == b"\x00first\xff"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_any_bytes_come_back_unchanged(store, media, data):
    digest = hashlib.sha256(data).hexdigest()
    key = f"thumbs/{digest[:2]}/{digest}.bin"
    with store.session() as session:
        media.put(session, key, data)
    with store.session() as session:
        assert media.get(session, key) == data


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x.jpg", "ab/../../x.jpg", "ab//x.jpg", "a\\b.jpg"])
def test_a_key_that_could_leave_the_root_is_refused(store, media, key):
    with store.session() as session, pytest.raises(InputError, match="media key"):
        media.put(session, key, b"x")


def test_a_database_write_rolls_back_with_its_record(store):
    media = DatabaseMedia()
    with pytest.raises(RuntimeError), store.session() as session:
        media.put(session, KEY, b"photo")
        raise RuntimeError("the record failed")
    with store.session() as session:
        assert media.get(session, KEY) is None
        assert session.scalar(sa.select(sa.func.count()).select_from(MediaBlob)) == 0


def test_the_folder_keeps_its_layout(store, tmp_path):
    media = FolderMedia(tmp_path / "m")
    with store.session() as session:
        media.put(session, KEY, b"photo")
    assert (tmp_path / "m" / KEY).read_bytes() == b"photo"
    assert not list((tmp_path / "m").rglob("*.part"))


def test_configuration_chooses_the_backend(tmp_path):
    assert isinstance(choose_media("db", tmp_path), DatabaseMedia)
    assert isinstance(choose_media(" DB ", tmp_path), DatabaseMedia)
    assert choose_media(str(tmp_path / "x"), tmp_path).root == tmp_path / "x"
    assert choose_media(None, tmp_path).root == tmp_path
