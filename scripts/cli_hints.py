"""What the command line adds to a service's error: the option that fixes it, chosen by the error's code.

The services word their errors for every interface (`geo.errors`: message, field,
row, code); only here are they told which `--option` to use.
"""

from __future__ import annotations

from geo.errors import LandpatrolError

HINTS: dict[str, str] = {
    "rows_rejected": "use --partial to keep good rows",
    "no_crs": "give --crs (e.g. EPSG:4490 or gcj02)",
    "unknown_encoding": "give --encoding (e.g. gbk)",
    "wrong_encoding": "check --encoding",
    "many_layers": "choose one with --layer",
    "no_code_field": "give --code-field",
    "no_geometry_column": "give --wkt-field, or --lon-field and --lat-field",
    "repairable_row": "fix the file or use --on-invalid repair or skip",
    "invalid_row": "fix the file or use --on-invalid skip",
}


def cli_message(err: LandpatrolError) -> str:
    """The error's line, with the command line's hint for its code (if it has one)."""
    hint = HINTS.get(err.code or "")
    return f"{err}; {hint}" if hint else str(err)
