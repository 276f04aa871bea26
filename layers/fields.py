"""Which attribute of an imported file holds the code, name, street and village.

Files from Chinese bureaus name these fields in English, Chinese or pinyin
initials; the usual names are recognised, `--code-field` and friends say
it explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from geo.errors import InputError

CODE_FIELDS = ("code", "parcel_code", "编码", "编号", "地块编码", "图斑编号", "dkbm", "bsm")
NAME_FIELDS = ("name", "名称", "地块名称", "dkmc", "mc")
STREET_FIELDS = ("street", "street_code", "街道", "街道名称", "所属街道", "jd")
VILLAGE_FIELDS = ("village", "村", "村名", "村社", "所属村", "cun")

# Columns that exports derive (status, areas, findings…) under their names and headers,
# declared by the module that defines the export (`cases.status.export_rows`: layers cannot
# import it), so that re-importing an exported file does not store them as properties.
_DERIVED: set[str] = set()


def declare_derived(columns: Iterable[str]) -> None:
    """Add the names and headers of columns an export derives from the store."""
    _DERIVED.update(columns)


def derived_columns() -> frozenset[str]:
    """Every declared derived column name or header."""
    return frozenset(_DERIVED)


@dataclass(frozen=True)
class FieldMap:
    """The source columns chosen for each role (None where the file has none)."""

    code: str | None
    name: str | None
    street: str | None
    village: str | None

    def used(self) -> set[str]:
        """Columns that feed a role, so they are not copied into properties as well."""
        return {c for c in (self.code, self.name, self.street, self.village) if c}

    def properties(self, columns: Iterable[str]) -> list[str]:
        """The columns to keep as properties: not a role, not the geometry, not derived by an export."""
        skipped = self.used() | derived_columns() | {"geometry"}
        return [c for c in columns if c not in skipped]


def _pick(columns: Sequence[str], explicit: str | None, candidates: Sequence[str], *,
          path: Path, option: str) -> str | None:
    """The explicit field (which must exist) or the first usual name present, any case."""
    if explicit is not None:
        if explicit not in columns:
            raise InputError(
                f"{path.name}: no field {explicit!r} for {option}; fields: {', '.join(columns)}"
            )
        return explicit
    by_lower = {c.lower(): c for c in columns}
    return next((by_lower[c.lower()] for c in candidates if c.lower() in by_lower), None)


def map_fields(
    columns: Sequence[str], path: Path, *, code: str | None = None, name: str | None = None,
    street: str | None = None, village: str | None = None, code_required: bool = True,
) -> FieldMap:
    """Choose the columns for each role; a file without a code field is refused."""
    columns = [c for c in columns if c != "geometry"]
    chosen = FieldMap(
        code=_pick(columns, code, CODE_FIELDS, path=path, option="--code-field"),
        name=_pick(columns, name, NAME_FIELDS, path=path, option="--name-field"),
        street=_pick(columns, street, STREET_FIELDS, path=path, option="--street-field"),
        village=_pick(columns, village, VILLAGE_FIELDS, path=path, option="--village-field"),
    )
    if code_required and chosen.code is None:
        raise InputError(f"{path.name}: no code field found (fields: {', '.join(columns)})",
                         field="code_field", code="no_code_field")
    return chosen
