"""Imports from the web: an upload saved safely, unzipped safely, handed to the import services.

The reading, checking and writing are the services' own (`layers.streets_import`,
`layers.parcels_import`, `cases.inspect_import`, `cases.ledger_io`), each in one
transaction and audited there. This module adds only what an upload needs: a
file name the client cannot choose, a size cap, zip members that cannot escape
their folder, photos named in a table found only inside the same upload, and
one report shape for the four targets.
"""

from __future__ import annotations

import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO, Any, Literal

from cases.inspect_import import import_inspections
from cases.ledger_io import import_ledger
from geo.errors import InputError, LandpatrolError
from geo.store import Store
from layers.import_report import ImportReport, OnInvalid, RowNote
from layers.kinds import get_kind
from layers.parcels_import import import_parcels
from layers.streets_import import import_streets
from maps.web.writes import writer_turn

Target = Literal["streets", "parcels", "inspections", "ledger"]
TARGETS: tuple[str, ...] = ("streets", "parcels", "inspections", "ledger")
UPLOAD_SUFFIXES = (".gpkg", ".geojson", ".json", ".fgb", ".csv", ".xlsx", ".zip")
DATA_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".fgb", ".csv", ".xlsx")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # a zip bomb stops here
MAX_MEMBERS = 2_000
CHUNK = 1 << 20
_SAFE_STEM = re.compile(r"[^\w\-]+")


@dataclass(frozen=True)
class ImportChoice:
    """What the admin said the file is and how to treat bad rows."""

    target: Target
    kind: str | None = None
    on_invalid: OnInvalid = "fail"
    dry_run: bool = False

    def check(self) -> None:
        """Refuse combinations the chosen service cannot honour, before reading the upload."""
        if self.target == "parcels":
            get_kind(self.kind or "")
        if self.target == "inspections" and self.on_invalid == "repair":
            raise InputError("on_invalid: inspections cannot be repaired; choose fail or skip",
                             field="on_invalid")
        if self.target == "ledger" and self.on_invalid != "fail":
            raise InputError("on_invalid: the ledger is imported all or nothing; choose fail",
                             field="on_invalid")


def safe_name(client_name: str | None) -> str:
    """A file name from the client's, reduced to word characters plus a known suffix.

    Only the suffix picks the reader; the stem is kept (cleaned) so reports
    name something the admin recognises. No separator or `..` can survive.
    """
    raw = PureWindowsPath(PurePosixPath(client_name or "").name).name
    suffix = Path(raw).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise InputError(f"file: {suffix or 'no suffix'} is not an accepted type "
                         f"({', '.join(UPLOAD_SUFFIXES)})", field="file")
    stem = _SAFE_STEM.sub("_", Path(raw).stem).strip("_")[:80] or "upload"
    return f"{stem}{suffix}"


def _copy_capped(source: IO[bytes], target: Path, cap: int, what: str, limit: int | None = None) -> int:
    """Copy at most `cap` bytes; over it, the error names `limit` (the whole allowance, default `cap`)."""
    size = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > cap:
                raise InputError(f"file: {what} is over the {(limit or cap) // (1024 * 1024)} MB limit",
                                 field="file", code="too_large")
            out.write(chunk)
    return size


def _member_path(folder: Path, info: zipfile.ZipInfo) -> Path | None:
    """Where a zip member may go inside `folder`; refuses absolute paths, `..` and links."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        raise InputError(f"file: the zip member {info.filename!r} points outside the archive", field="file")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InputError(f"file: the zip member {info.filename!r} is a link", field="file")
    if info.is_dir() or not parts or parts[0] == "__MACOSX":
        return None
    target = folder.joinpath(*parts).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise InputError(f"file: the zip member {info.filename!r} points outside the archive", field="file")
    return target


def unzip(archive: Path, folder: Path) -> Path:
    """Extract a zip member by member (never `extractall`); returns its one data file."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputError(f"file: the zip has over {MAX_MEMBERS} members", field="file")
            targets = [(info, _member_path(folder, info)) for info in members]  # check all first
            budget = MAX_UNZIPPED_BYTES
            for info, target in targets:
                if target is None:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zipped.open(info) as source:
                    budget -= _copy_capped(source, target, budget, "the unzipped content",
                                           MAX_UNZIPPED_BYTES)
    except zipfile.BadZipFile:
        raise InputError(f"file: {archive.name} is not a zip archive", field="file") from None
    return _data_file(folder)


def _data_file(folder: Path) -> Path:
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES]
    shapefiles = [p for p in files if p.suffix.lower() == ".shp"]
    found = shapefiles or files
    if len(found) != 1:
        listed = ", ".join(sorted(p.name for p in found)) or "none"
        raise InputError(f"file: the zip must hold exactly one layer or table (found: {listed})",
                         field="file")
    return found[0]


@contextmanager
def saved_upload(source: IO[bytes], client_name: str | None,
                 cap: int = MAX_UPLOAD_BYTES) -> Iterator[Path]:
    """The upload as a file in a private temporary folder (unzipped when a zip), removed after."""
    name = safe_name(client_name)
    with tempfile.TemporaryDirectory(prefix="lp-import-") as temp:
        folder = Path(temp)
        try:
            upload = folder / name
            _copy_capped(source, upload, cap, "the upload")
            if upload.suffix == ".zip":
                inside = folder / "unzipped"
                inside.mkdir()
                yield unzip(upload, inside)
            else:
                yield upload
        except LandpatrolError as err:
            raise _without_folder(err, folder) from None


def photos_inside(folder: Path) -> Callable[[str], Path]:
    """A photo finder for an uploaded table: only files of the same upload, inside the table's folder.

    Absolute paths, `..` and missing files all get one neutral message, so an
    upload can neither copy a server file nor learn which server paths exist.
    """
    root = folder.resolve()

    def find(name: str) -> Path:
        try:
            found = (root / name).resolve()
            if name and found.is_relative_to(root) and found.is_file():
                return found
        except (OSError, ValueError):  # a NUL in the name, a loop of links
            pass
        raise InputError(f"photos: {name!r} is not a file of this upload", field="photos")

    return find


def _without_folder(err: LandpatrolError, folder: Path) -> LandpatrolError:
    """The same error (field, row and code kept) without the server's temporary path in its line."""
    inner = re.compile(re.escape(str(folder)) + r"[/\\](?:unzipped[/\\])?")
    return type(err)(inner.sub("", str(err)), field=err.field, row=err.row, code=err.code)


def run_import(store: Store, path: Path, choice: ImportChoice, *, actor: str,
               measures_path: Path | None = None) -> dict[str, Any]:
    """Run the chosen service on the file in this process's turn to write; the report, JSON-ready.

    `measures_path` is a CSV ledger's measures table.
    """
    choice.check()
    with writer_turn(store):
        return _dispatch(store, path, choice, actor, measures_path)


def _dispatch(store: Store, path: Path, choice: ImportChoice, actor: str,
              measures_path: Path | None) -> dict[str, Any]:
    if choice.target == "streets":
        report = import_streets(store, path, actor=actor, on_invalid=choice.on_invalid,
                                dry_run=choice.dry_run)
    elif choice.target == "parcels":
        report = import_parcels(store, path, kind=choice.kind or "", actor=actor,
                                on_invalid=choice.on_invalid, dry_run=choice.dry_run)
    elif choice.target == "inspections":
        report = _inspections(store, path, choice, actor)
    else:
        return _ledger(store, path, choice, actor, measures_path)
    return {**report.to_dict(), "counts": {}}


def _inspections(store: Store, path: Path, choice: ImportChoice, actor: str) -> ImportReport:
    with store.session(dry_run=choice.dry_run) as session:
        result = import_inspections(session, path, partial=choice.on_invalid == "skip",
                                    rejected_file=path.with_name("rejected.csv"),
                                    media=store.media(), actor=actor,
                                    photo_path=photos_inside(path.parent))
    return ImportReport(
        file=path.name, target="inspections", dry_run=choice.dry_run, read=result.read,
        created=result.written, unchanged=result.skipped,
        skipped=[RowNote(e.number or 0, None, f"{e.field}: {e.message}") for e in result.errors],
        import_id=None if choice.dry_run else result.import_id)


def _ledger(store: Store, path: Path, choice: ImportChoice, actor: str,
            measures_path: Path | None) -> dict[str, Any]:
    with store.session(dry_run=choice.dry_run) as session:
        counts = import_ledger(session, path, measures_path=measures_path, actor=actor)
    report = ImportReport(file=path.name, target="ledger", dry_run=choice.dry_run,
                          read=counts["issues"], created=counts["issues"])
    return {**report.to_dict(), "counts": counts}
