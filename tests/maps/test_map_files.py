"""Where `map street` and `map all` write: the export's rule, and progress for the long one."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from geo.errors import ConflictError, InputError, NotFoundError
from geo.store import Store
from maps import write_district, write_street_map
from scripts.cli import app
from tests.maps.conftest import AS_OF, FENGHUANG, QIANJIN, MapSample

runner = CliRunner()


def _map(store: Store, *args: str) -> Result:
    return runner.invoke(app, ["--db", store.url, "map", *args])


def test_street_map_into_a_missing_folder_is_one_line_and_writes_nothing(
    store: Store, sample: MapSample, tmp_path: Path,
) -> None:
    out = tmp_path / "no-such-folder" / "qj.html"
    result = _map(store, "street", "前进", "--out", str(out))
    assert result.exit_code == NotFoundError.exit_code
    assert "does not exist" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.parent.exists()


def test_street_map_keeps_an_existing_file_unless_overwrite(
    store: Store, sample: MapSample, tmp_path: Path,
) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "qj.html"
    out.write_text("mine", encoding="utf-8")
    refused = _map(store, "street", "前进", "--out", str(out))
    assert refused.exit_code == ConflictError.exit_code
    assert "--overwrite" in refused.output and "Traceback" not in refused.output
    assert out.read_text(encoding="utf-8") == "mine"
    replaced = _map(store, "street", "前进", "--out", str(out), "--overwrite")
    assert replaced.exit_code == 0, replaced.output
    assert "前进街道" in out.read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == ["qj.html"]  # no staging left


def test_street_map_default_name_follows_the_same_rule(
    store: Store, sample: MapSample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    with store.session() as session:
        first = write_street_map(session, "前进", as_of=AS_OF)
    assert first == Path(f"map-{QIANJIN}.html") and first.is_file()
    with store.session() as session, pytest.raises(ConflictError):
        write_street_map(session, "前进", as_of=AS_OF)


def test_map_all_refuses_to_overwrite_existing_maps(
    store: Store, sample: MapSample, tmp_path: Path,
) -> None:
    out = tmp_path / "maps"
    (out / "streets").mkdir(parents=True)
    mine = out / "streets" / f"{FENGHUANG}.html"
    mine.write_text("mine", encoding="utf-8")
    refused = _map(store, "all", "--out", str(out))
    assert refused.exit_code == ConflictError.exit_code, refused.output
    assert str(mine) in refused.output and "Traceback" not in refused.output
    assert mine.read_text(encoding="utf-8") == "mine"
    assert not (out / "index.html").exists()  # nothing written beside it either
    done = _map(store, "all", "--out", str(out), "--overwrite")
    assert done.exit_code == 0, done.output
    assert "凤凰街道" in mine.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "streets"]


def test_map_all_needs_the_parent_folder_and_a_folder_to_write_into(
    store: Store, sample: MapSample, tmp_path: Path,
) -> None:
    missing = _map(store, "all", "--out", str(tmp_path / "nope" / "maps"))
    assert missing.exit_code == NotFoundError.exit_code
    assert not (tmp_path / "nope").exists()
    a_file = tmp_path / "maps.txt"
    a_file.write_text("x", encoding="utf-8")
    assert _map(store, "all", "--out", str(a_file)).exit_code == InputError.exit_code


def test_map_all_leaves_no_folder_behind_when_drawing_fails(
    store: Store, sample: MapSample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise InputError("drawing failed")

    module = importlib.import_module("maps.district_index")  # `maps` exports a function so named
    monkeypatch.setattr(module, "district_index", broken)
    out = tmp_path / "out"
    out.mkdir()
    with store.session() as session, pytest.raises(InputError, match="drawing failed"):
        write_district(session, out / "maps", as_of=AS_OF)
    assert list(out.iterdir()) == []


def test_map_all_reports_progress_page_by_page(
    store: Store, sample: MapSample, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[tuple[int, int]] = []
    with store.session() as session:
        files = write_district(session, tmp_path / "a", as_of=AS_OF,
                               progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)] and len(files) == 3
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich draws its bar as on a terminal
    monkeypatch.setenv("COLUMNS", "120")
    result = _map(store, "all", "--out", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    assert "map all" in result.stderr and "3/3" in result.stderr
