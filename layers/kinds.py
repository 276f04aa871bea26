"""The registry of parcel kinds: what each kind of protected land is and how often to patrol it."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.errors import InputError


@dataclass(frozen=True)
class KindProperty:
    """One kind-specific attribute of a parcel (stored in its JSON properties)."""

    name: str
    type: type
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class ParcelKind:
    """A kind of parcel with its own properties and patrol interval."""

    code: str
    name_zh: str
    name_en: str
    patrol_interval_days: int
    properties: tuple[KindProperty, ...] = field(default=())

    def label(self, lang: str) -> str:
        """The kind's name in the user's language."""
        return self.name_zh if lang == "zh" else self.name_en


KINDS: dict[str, ParcelKind] = {
    kind.code: kind
    for kind in (
        ParcelKind(
            "basic_farmland", "永久基本农田", "Basic farmland", 90,
            (
                KindProperty("red_line_id", str, "红线编号", "Red line id"),
                KindProperty("crop", str, "种植作物", "Crop"),
            ),
        ),
        ParcelKind(
            "forest_patch", "林地图斑", "Forest patch", 60,
            (
                KindProperty("patch_id", str, "图斑编号", "Patch id"),
                KindProperty("supervision_year", int, "督查年度", "Supervision year"),
            ),
        ),
        ParcelKind(
            "storage_plot", "储备土地", "Storage plot", 31,
            (
                KindProperty("custodian", str, "委托看管单位", "Custodian"),
                KindProperty("owner_agency", str, "收储单位", "Owner agency"),
            ),
        ),
        ParcelKind(
            "illegal_land", "违法用地", "Illegal land", 60,
            (
                KindProperty("case_no", str, "案件编号", "Case number"),
                KindProperty("penalty", str, "处罚决定", "Penalty"),
            ),
        ),
        ParcelKind(
            "temporary_land", "临时用地", "Temporary land", 60,
            (
                KindProperty("permit_no", str, "批准文号", "Permit number"),
                KindProperty("reclaim_by", str, "复垦期限", "Reclaim by"),
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
