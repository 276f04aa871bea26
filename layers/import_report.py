"""What an import did: rows read, created, updated, repaired and skipped, each with its reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

OnInvalid = Literal["fail", "repair", "skip"]
ON_INVALID_CHOICES: tuple[str, ...] = ("fail", "repair", "skip")


@dataclass(frozen=True)
class RowNote:
    """One row's fate: its 1-based feature number, its code, and why."""

    row: int
    code: str | None
    reason: str


@dataclass
class ImportReport:
    """The summary every import ends with, in the terminal and as JSON (`--report FILE`)."""

    file: str
    target: str
    kind: str | None = None
    crs: str | None = None
    encoding: str | None = None
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[RowNote] = field(default_factory=list)
    skipped: list[RowNote] = field(default_factory=list)
    import_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Stable keys for scripts (documented in the README)."""
        return asdict(self)

    def summary(self) -> str:
        """One line of counts for the terminal."""
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{verb} {self.file}: read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, repaired {len(self.repaired)}, skipped {len(self.skipped)}"
        )

    def detail_lines(self) -> list[str]:
        """One line per repaired or skipped row."""
        lines = [f"  repaired feature {n.row} ({n.code}): {n.reason}" for n in self.repaired]
        lines += [f"  skipped feature {n.row} ({n.code}): {n.reason}" for n in self.skipped]
        return lines
