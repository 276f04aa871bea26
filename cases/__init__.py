"""What happens on the land: inspections, parcel status, rectification issues and the report.

The public API; every service takes a SQLAlchemy session (one transaction per
command or import) and keyword arguments, and raises `geo.errors` on bad input.
"""

from cases.inspect_import import ImportResult, import_inspections
from cases.inspections import correct_inspection, find_by_client_id, inspection_history, log_inspection
from cases.issue_state import ISSUE_STATES, STATE_LABELS
from cases.issues import (
    add_issue,
    add_measure,
    add_note,
    get_issue,
    issue_detail,
    ledger_frame,
    link_parcels,
    list_issues,
    measure_done,
    set_state,
)
from cases.ledger_io import export_ledger, import_ledger
from cases.report import build_report
from cases.report_text import render_report
from cases.rules import FINDINGS
from cases.status.derive import parcel_status, status_frame, street_figures
from cases.status.rules import STATUS_LABELS, STATUSES
from cases.status.summaries import refresh_summaries

__all__ = [
    "FINDINGS",
    "ISSUE_STATES",
    "STATE_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "ImportResult",
    "add_issue",
    "add_measure",
    "add_note",
    "build_report",
    "correct_inspection",
    "export_ledger",
    "find_by_client_id",
    "get_issue",
    "import_inspections",
    "import_ledger",
    "inspection_history",
    "issue_detail",
    "ledger_frame",
    "link_parcels",
    "list_issues",
    "log_inspection",
    "measure_done",
    "parcel_status",
    "refresh_summaries",
    "render_report",
    "set_state",
    "status_frame",
    "street_figures",
]
