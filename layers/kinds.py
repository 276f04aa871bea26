"""The registry of parcel kinds: what each kind of protected land is and how often to patrol it."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.errors import InputError
from geo.i18n import registry_label

KIND_CONTEXT = "parcel kind"  # the catalogue's context of the kinds' names
PROPERTY_CONTEXT = "kind property"  # ... and of their properties' labels


@dataclass(frozen=True)
class KindProperty:
    """One kind-specific attribute of a parcel (stored in its JSON properties)."""

    name: str
    type: type
    label_en: str

    def label(self, lang: str) -> str:
        """The property's label in the user's language (Chinese from the catalogue)."""
        return registry_label(PROPERTY_CONTEXT, self.label_en, lang)

    @property
    def label_zh(self) -> str:
        """The property's Chinese label (how imported sheets name its column)."""
        return self.label("zh")


@dataclass(frozen=True)
class ParcelKind:
    """A kind of parcel with its own properties and patrol interval."""

    code: str
    name_en: str
    patrol_interval_days: int
    properties: tuple[KindProperty, ...] = field(default=())

    def label(self, lang: str) -> str:
        """The kind's name in the user's language (Chinese from the catalogue)."""
        return registry_label(KIND_CONTEXT, self.name_en, lang)

    @property
    def name_zh(self) -> str:
        """The kind's Chinese name."""
        return self.label("zh")


KINDS: dict[str, ParcelKind] = {
    kind.code: kind
    for kind in (
        ParcelKind(
            "basic_farmland", "Basic farmland", 90,
            (
                KindProperty("red_line_id", str, "Red line id"),
                KindProperty("crop", str, "Crop"),
            ),
        ),
        ParcelKind(
            "forest_patch", "Forest patch", 60,
            (
                KindProperty("patch_id", str, "Patch id"),
                KindProperty("supervision_year", int, "Supervision year"),
            ),
        ),
        ParcelKind(
            "storage_plot", "Storage plot", 31,
            (
                KindProperty("custodian", str, "Custodian"),
                KindProperty("owner_agency", str, "Owner agency"),
            ),
        ),
        ParcelKind(
            "illegal_land", "Illegal land", 60,
            (
                KindProperty("case_no", str, "Case number"),
                KindProperty("penalty", str, "Penalty"),
            ),
        ),
        ParcelKind(
            "temporary_land", "Temporary land", 60,
            (
                KindProperty("permit_no", str, "Permit number"),
                KindProperty("reclaim_by", str, "Reclaim by"),
            ),
        ),
    )
}


def get_kind(code: str) -> ParcelKind:
    """The kind registered under `code`, or an error listing the known kinds."""
    try:
        return KINDS[code]
    except KeyError:
        raise InputError(f"unknown parcel kind {code!r}; known kinds: {', '.join(KINDS)}") from None
