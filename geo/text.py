"""Which characters free text may carry: one rule for the services, imports and the API.

PostgreSQL refuses NUL in text, and Excel (the ledger, the exports) refuses
the other C0 control characters; a record that cannot be stored or exported
is refused where it comes in, naming its field. Tab and line breaks stay.
"""

from __future__ import annotations

import re

from geo.errors import InputError

# C0 controls except tab (09), line feed (0a) and carriage return (0d).
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f"
CONTROL_CLASS = f"[{CONTROL_CHARACTERS}]"  # for pandas' vectorised `str.contains`
NO_CONTROLS = f"^[^{CONTROL_CHARACTERS}]*$"  # the same rule as a pattern, for the API's schemas
_CONTROL = re.compile(CONTROL_CLASS)


def control_character(text: str) -> str | None:
    """The first control character in `text`, as U+XXXX, or None when there is none."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def control_message(text: str) -> str | None:
    """Why `text` is refused ("contains control character U+0000"), or None when it is fine."""
    found = control_character(text)
    return f"contains control character {found}" if found else None


def check_text(value: object, *, field: str, row: int | None = None) -> None:
    """Refuse a text value with a control character, naming its field (and data row)."""
    if not isinstance(value, str):
        return
    reason = control_message(value)
    if reason:
        where = f"row {row}, " if row is not None else ""
        raise InputError(f"{where}{field}: {reason}", field=field, row=row, code="control_character")
