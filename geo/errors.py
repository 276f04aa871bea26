"""Domain errors, each carrying its CLI exit code and HTTP status.

Raised anywhere below the interfaces; translated once at the edges (the CLI's
error handler, the web app's exception handler), so users see one line, never
a traceback.
"""

from __future__ import annotations


class LandpatrolError(Exception):
    """Base of every error a user can cause or fix.

    `field` (the API's field name), `row` (1-based data row of a file) and
    `code` (a stable machine word, e.g. `out_of_range`) let each interface word
    its own hint (a CLI flag, a form label) without parsing the message.
    """

    exit_code = 1
    http_status = 500

    def __init__(self, message: str = "", *, field: str | None = None, row: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.row = row
        self.code = code


class InputError(LandpatrolError):
    """Bad input: a file, row or field that cannot be accepted as given."""

    exit_code = 2
    http_status = 422


class NotFoundError(LandpatrolError):
    """A parcel, street, issue or file that does not exist."""

    exit_code = 3
    http_status = 404


class ConflictError(LandpatrolError):
    """The request contradicts what is stored (duplicate code, existing output)."""

    exit_code = 4
    http_status = 409


class StoreError(LandpatrolError):
    """The spatial store is missing, not initialised, or lacks its extension."""

    exit_code = 5
    http_status = 503


class PermissionDeniedError(LandpatrolError):
    """The user's role does not allow this action."""

    exit_code = 6
    http_status = 403
