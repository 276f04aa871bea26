"""Photo evidence: where and when each photo was taken, checked against its record.

Why: a photo is the proof of a visit. Its EXIF says when and where it was
taken; a photo taken more than 200 m outside the parcel, or more than 2 hours
from the visit's time, is flagged on the record (never refused: a phone's GPS
drifts, a photo may be taken on the way back). Thumbnails for lists are made
when first asked for, once per photo, upright (EXIF orientation applied), in the same media as the
originals (`geo.media`), which stay as they came, stored once by their hash
(`cases.photos`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import shapely
import sqlalchemy as sa
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Session

from cases.models import Inspection, Photo, PhotoExif, PhotoFlag, inspection_photos
from cases.photos import SIGNATURES, photo_key
from geo.crs import MEASURE_CRS
from geo.frames import wkb_column
from geo.i18n import N_, translator
from geo.local_time import LOCAL_TZ
from geo.measure import from_storage
from geo.media import Media
from layers.models import Parcel

FAR_METRES = 200.0
TIME_WINDOW = timedelta(hours=2)
THUMB_PIXELS = 320
EXTENSIONS = {media_type: extension for media_type, extension, _ in SIGNATURES}
FLAG_LABELS: dict[str, str] = {  # English message ids; their Chinese is in the catalogue (`geo.i18n`)
    "far": N_("Photo taken over 200 m from the parcel"),
    "time": N_("Photo taken over 2 hours from the visit"),
}


@dataclass(frozen=True)
class Exif:
    """What a photo's EXIF says; None where it says nothing (or is unreadable)."""

    taken_at: datetime | None = None
    lon: float | None = None
    lat: float | None = None
    orientation: int | None = None


def _degrees(parts: Any, ref: Any) -> float | None:
    """EXIF (degrees, minutes, seconds) rationals and N/S/E/W to signed decimal degrees."""
    try:
        value = float(parts[0]) + float(parts[1]) / 60 + float(parts[2]) / 3600
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    return -value if str(ref).strip().upper() in ("S", "W") else value


def _taken_at(exif_ifd: Any) -> datetime | None:
    """DateTimeOriginal with its offset; a camera's time without one is Beijing time."""
    text = exif_ifd.get(ExifTags.Base.DateTimeOriginal)
    if not text:
        return None
    try:
        moment = datetime.strptime(str(text).strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = exif_ifd.get(ExifTags.Base.OffsetTimeOriginal)
    if offset:
        try:
            return datetime.fromisoformat(f"{moment.isoformat()}{str(offset).strip()}").astimezone(UTC)
        except ValueError:
            pass
    return moment.replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def read_exif(source: Path | bytes) -> Exif:
    """The time, GPS position and orientation in a photo file or its bytes (empty if it has none)."""
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            exif = image.getexif()
    except (UnidentifiedImageError, OSError):
        return Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or lon is None:
        lat = lon = None
    orientation = exif.get(ExifTags.Base.Orientation)
    return Exif(_taken_at(exif.get_ifd(ExifTags.IFD.Exif)), lon, lat,
                int(orientation) if orientation else None)


def thumbnail_key(sha256: str) -> str:
    """A photo's thumbnail key: `thumbs/ab/abcdef….jpg`."""
    return f"thumbs/{photo_key(sha256, 'jpg')}"


def make_thumbnail(data: bytes) -> bytes | None:
    """An upright JPEG at most 320 px a side, or None if the photo cannot be decoded."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (THUMB_PIXELS, THUMB_PIXELS))  # JPEG: decode at a fraction of the size
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
            small = upright.convert("RGB")
    except (UnidentifiedImageError, OSError):
        return None
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def original_key(photo: Photo) -> str:
    """The media key of a stored photo's original bytes."""
    return photo_key(photo.sha256, EXTENSIONS.get(photo.media_type, "jpg"))


def thumbnail(session: Session, media: Media, photo: Photo) -> bytes | None:
    """The photo's thumbnail, made and stored once (in the session's transaction); None if undecodable."""
    stored = media.get(session, thumbnail_key(photo.sha256))
    if stored is not None:
        return stored
    original = media.get(session, original_key(photo))
    small = make_thumbnail(original) if original is not None else None
    if small is not None:
        media.put(session, thumbnail_key(photo.sha256), small)
    return small


def _exifs(session: Session, photos: list[Photo], media: Media) -> dict[int, PhotoExif]:
    """The photos' EXIF rows by photo id: stored ones in one query, the others read from their bytes once."""
    ids = list({photo.id for photo in photos})
    found = {e.photo_id: e for e in session.scalars(sa.select(PhotoExif).where(PhotoExif.photo_id.in_(ids)))}
    for photo in photos:
        if photo.id not in found:
            data = media.get(session, original_key(photo))
            exif = read_exif(data) if data is not None else Exif()
            found[photo.id] = PhotoExif(photo_id=photo.id, taken_at=exif.taken_at, lon=exif.lon, lat=exif.lat,
                                        orientation=exif.orientation)
            session.add(found[photo.id])
    return found


def _metres_outside(
    session: Session, parcel_ids: list[int], points: list[tuple[float, float]],
) -> list[float]:
    """Metres from each (lon, lat) to its parcel (0 inside), in the metric CRS; one query for all parcels."""
    rows = session.execute(sa.select(Parcel.id, wkb_column(Parcel.geom))
                           .where(Parcel.id.in_(set(parcel_ids)))).all()
    shapes = dict(zip([i for i, _ in rows], from_storage(shapely.from_wkb([w for _, w in rows]), MEASURE_CRS),
                      strict=True))
    projected = from_storage(shapely.points(points), MEASURE_CRS)
    return [float(d) for d in shapely.distance(projected, [shapes[i] for i in parcel_ids])]


# (record id, its parcel id, its visit time, one of its photos)
_Item = tuple[int, int, datetime, Photo]


def record_evidence(session: Session, inspection: Inspection, media: Media | None) -> list[PhotoFlag]:
    """Read each photo of the record and store the record's flags (thumbnails wait until asked for)."""
    if media is None or not inspection.photos:
        return []
    items = [(inspection.id, inspection.parcel_id, inspection.inspected_at, p) for p in inspection.photos]
    return _store_flags(session, items, media)


def record_import_evidence(session: Session, import_id: int, media: Media | None) -> list[PhotoFlag]:
    """The same checks for every record of a batch import, in a few queries whatever its size."""
    if media is None:
        return []
    items = session.execute(
        sa.select(Inspection.id, Inspection.parcel_id, Inspection.inspected_at, Photo)
        .join(inspection_photos, inspection_photos.c.inspection_id == Inspection.id)
        .join(Photo, Photo.id == inspection_photos.c.photo_id)
        .where(Inspection.import_id == import_id).order_by(Inspection.id, Photo.id)).all()
    return _store_flags(session, [tuple(item) for item in items], media) if items else []


def _store_flags(session: Session, items: list[_Item], media: Media) -> list[PhotoFlag]:
    """Flag each photo taken over 200 m outside its record's parcel or over 2 hours from its visit."""
    exifs = _exifs(session, [photo for *_, photo in items], media)
    flags = []
    placed = [(item, exif) for item in items
              if (exif := exifs[item[3].id]).lon is not None and exif.lat is not None]
    if placed:
        parcels = [item[1] for item, _ in placed]
        distances = _metres_outside(session, parcels, [(exif.lon, exif.lat) for _, exif in placed])
        flags += [PhotoFlag(inspection_id=item[0], photo_id=item[3].id, reason="far",
                            distance_m=round(metres, 1))
                  for (item, _), metres in zip(placed, distances, strict=True) if metres > FAR_METRES]
    for inspection_id, _, inspected_at, photo in items:
        taken_at = exifs[photo.id].taken_at
        if taken_at is not None and abs(taken_at - inspected_at) > TIME_WINDOW:
            minutes = (taken_at - inspected_at).total_seconds() / 60
            flags.append(PhotoFlag(inspection_id=inspection_id, photo_id=photo.id, reason="time",
                                   minutes_off=round(minutes, 1)))
    session.add_all(flags)
    session.flush()
    return flags


def flag_dict(flag: PhotoFlag, sha256: str) -> dict[str, Any]:
    """A flag as the API, the pages and the exports show it."""
    label = FLAG_LABELS[flag.reason]
    return {"photo": sha256, "reason": flag.reason, "label_zh": translator("zh")(label), "label_en": label,
            "distance_m": flag.distance_m, "minutes_off": flag.minutes_off}


def flags_of(session: Session, inspection_ids: list[int] | None) -> dict[int, list[dict[str, Any]]]:
    """The photo flags of these records (None: every record), by record id (unflagged ones left out)."""
    if inspection_ids is not None and not inspection_ids:
        return {}
    query = sa.select(PhotoFlag, Photo.sha256).join(Photo, Photo.id == PhotoFlag.photo_id)
    if inspection_ids is not None:
        query = query.where(PhotoFlag.inspection_id.in_(inspection_ids))
    rows = session.execute(query.order_by(PhotoFlag.id)).all()
    out: dict[int, list[dict[str, Any]]] = {}
    for flag, sha256 in rows:
        out.setdefault(flag.inspection_id, []).append(flag_dict(flag, sha256))
    return out


def flag_text(flags: list[dict[str, Any]], lang: str = "zh") -> str:
    """Flags as one cell of text (exports, CLI): `far 350 m; time +180 min`."""
    _ = translator(lang)
    parts = []
    for flag in flags:
        label = _(FLAG_LABELS[flag["reason"]])
        amount = (f"{flag['distance_m']:.0f} m" if flag["reason"] == "far"
                  else f"{flag['minutes_off']:+.0f} min")
        parts.append(f"{label} ({amount})")
    return "; ".join(parts)


def flag_texts(session: Session, inspection_ids: list[int] | None, lang: str = "zh") -> dict[int, str]:
    """Flagged records' flags as one cell of text each, by record id, in one query (None: every record).

    Why: the status export and the OGC items map each parcel's latest record to
    its flags; flags are rare, so the export reads them all once, not per chunk or row.
    """
    found = flags_of(session, inspection_ids)
    return {record_id: flag_text(flags, lang) for record_id, flags in found.items()}


def flagged_records(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest records with photo flags, for the review list: newest visit first."""
    ids = session.scalars(
        sa.select(Inspection.id).where(Inspection.id.in_(sa.select(PhotoFlag.inspection_id)))
        .order_by(Inspection.inspected_at.desc(), Inspection.id.desc()).limit(limit)).all()
    flags = flags_of(session, list(ids))
    query = (sa.select(Inspection.id, Parcel.code, Inspection.inspector, Inspection.inspected_at)
             .join(Parcel, Parcel.id == Inspection.parcel_id).where(Inspection.id.in_(ids))
             .order_by(Inspection.inspected_at.desc(), Inspection.id.desc()))
    rows = session.execute(query).all()
    return [{"inspection_id": i, "parcel_code": code, "inspector": who, "inspected_at": at,
             "flags": flags[i]} for i, code, who, at in rows]
