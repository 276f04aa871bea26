"""The state of every rectification issue as of a day, from its dated state notes.

An issue exists from its `opened_on` day (always, where that is unknown). Its
state on a day is that of its latest note with a state dated on or before the
day; before any such note it is `in_progress`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.models import Issue, IssueUpdate
from geo.i18n import label_pairs

ISSUE_STATES: tuple[str, ...] = ("in_progress", "basically_done", "done")
STATE_CONTEXT = "issue state"  # the catalogue's context of the states' names
STATE_NAMES: dict[str, str] = {
    "in_progress": "in progress", "basically_done": "basically done", "done": "done"}
STATE_LABELS: dict[str, tuple[str, str]] = label_pairs(STATE_CONTEXT, STATE_NAMES)
"""(Chinese, English) name of each state, the Chinese read from the catalogue."""
ISSUE_COLUMNS = ("issue_id", "ref", "category", "title", "deadline", "lead_department", "state")


def issues_as_of(session: Session, *, day: date) -> pd.DataFrame:
    """Issues open by `day`, with their state on that day; columns `ISSUE_COLUMNS`."""
    issues = session.execute(
        sa.select(Issue.id, Issue.ref, Issue.category, Issue.title, Issue.deadline,
                  Issue.lead_department)
        .where(sa.or_(Issue.opened_on.is_(None), Issue.opened_on <= day))
    ).all()
    frame = pd.DataFrame(issues, columns=list(ISSUE_COLUMNS[:-1]))
    updates = session.execute(
        sa.select(IssueUpdate.issue_id, IssueUpdate.on, IssueUpdate.id, IssueUpdate.state)
        .where(IssueUpdate.state.is_not(None), IssueUpdate.on <= day)
    ).all()
    notes = pd.DataFrame(updates, columns=["issue_id", "on", "id", "state"])
    latest = notes.sort_values(["on", "id"]).groupby("issue_id")["state"].last()
    frame["state"] = pd.Series([latest.get(i, "in_progress") for i in frame["issue_id"]],
                               index=frame.index, dtype=object)
    return frame


def ref_key(ref: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key: `2-10` after `2-9`; a lettered part (`2-a`) after the numbered ones."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in ref.replace(".", "-").split("-"))
