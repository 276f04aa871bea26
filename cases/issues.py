"""Rectification issues (整改问题): the ledger, its measures, parcel links and progress notes.

Every function writes inside the caller's transaction and records an audit
event; state changes are dated notes, so the state on any past day is kept.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cases.issue_state import ISSUE_STATES, issues_as_of, ref_key
from cases.models import Issue, IssueUpdate, Measure, issue_parcels
from cases.status.clock import EARLIEST, local_date, parse_date, resolve_as_of
from cases.status.derive import status_frame
from geo.audit import default_actor, record
from geo.errors import ConflictError, InputError, NotFoundError
from geo.i18n import label_pairs, registry_label, translations
from geo.orm import utc_now
from geo.text import check_text
from layers.models import Parcel
from layers.query import get_parcel
from layers.streets import find_street

REF_PATTERN = re.compile(r"^[0-9A-Za-z]+(?:[-.][0-9A-Za-z]+)*$")
CATEGORY_CONTEXT = "issue category"  # the catalogue's context of the categories' names
CATEGORY_NAMES: dict[int, str] = {
    1: "Carrying out central decisions",
    2: "Duty performance",
    3: "People's livelihood problems",
    4: "Leadership and staff management",
    5: "Rectification of the previous round",
}
CATEGORIES: dict[int, tuple[str, str]] = label_pairs(CATEGORY_CONTEXT, CATEGORY_NAMES)
"""(Chinese, English) name of each category of the 2022 report, the Chinese read from the catalogue."""
DateLike = date | str | None


def category_label(category: int, lang: str) -> str:
    """A category's name in the user's language (`第6类` for one not in the report)."""
    if category not in CATEGORY_NAMES:
        return translations(lang).pgettext("issue category", "Category {n}").format(n=category)
    return registry_label(CATEGORY_CONTEXT, CATEGORY_NAMES[category], lang)


def check_category(category: object) -> int:
    """The category number, or an error naming the valid ones (the 2022 report's five)."""
    if isinstance(category, bool) or not isinstance(category, int) or category not in CATEGORIES:
        valid = ", ".join(str(c) for c in CATEGORIES)
        raise InputError(f"category: {category!r} is not a category (valid: {valid})",
                         field="category", code="out_of_range")
    return category


def check_state(state: str) -> str:
    """The state, or an error naming the three allowed."""
    if state not in ISSUE_STATES:
        raise InputError(f"state: {state!r} is not one of {', '.join(ISSUE_STATES)}", field="state",
                         code="unknown_state")
    return state


def _date(value: DateLike, field: str, *, happened: bool = False) -> date | None:
    """A date from 2000 on; one that `happened` (a state, a note, a finished measure) not after today.

    Deadlines may lie ahead; nothing in the ledger lies before 2000.
    """
    if value in (None, ""):
        return None
    day = parse_date(value, field=field)  # type: ignore[arg-type]
    if day < EARLIEST.date():
        raise InputError(f"{field}: {day.isoformat()} is before 2000", field=field, code="out_of_range")
    today = local_date(utc_now())
    if happened and day > today:
        raise InputError(f"{field}: {day.isoformat()} is after today ({today.isoformat()})",
                         field=field, code="out_of_range")
    return day


def _check_texts(**fields: str | Sequence[str] | None) -> None:
    """Refuse control characters in the free text of an issue, a measure or a note (`geo.text`)."""
    for field, value in fields.items():
        for text in [value] if value is None or isinstance(value, str) else value:
            check_text(text, field=field)


def _audit(session: Session, action: str, key: str, actor: str | None, **detail: Any) -> None:
    record(session, actor=actor or default_actor(), action=action, entity="issue", key=key, detail=detail)


def get_issue(session: Session, ref: str) -> Issue:
    """The issue with this reference, or an error suggesting near ones."""
    check_text(ref, field="ref")
    issue = session.scalar(sa.select(Issue).where(Issue.ref == ref))
    if issue is None:
        refs = session.scalars(sa.select(Issue.ref)).all()
        near = difflib.get_close_matches(ref, refs, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise NotFoundError(f"issue: no issue {ref!r}{hint}", field="ref", code="no_issue")
    return issue


def add_issue(
    session: Session,
    *,
    ref: str,
    category: int,
    title: str,
    finding: str | None = None,
    lead_department: str | None = None,
    partner_departments: Sequence[str] = (),
    deadline: DateLike = None,
    state: str = "in_progress",
    state_on: DateLike = None,
    opened_on: DateLike = None,
    actor: str | None = None,
) -> Issue:
    """Add an issue to the ledger; its state is recorded as a note dated `state_on`.

    `state_on` defaults to `opened_on`, else today; the issue exists from
    `opened_on` (from always, where unknown) in as-of queries.
    """
    ref = str(ref).strip()
    if not REF_PATTERN.fullmatch(ref):
        raise InputError(f"ref: {ref!r} is not a reference like 2-1", field="ref", code="bad_ref")
    check_category(category)
    _check_texts(title=title, finding=finding, lead_department=lead_department,
                 partner_departments=partner_departments)
    if not str(title or "").strip():
        raise InputError("title: empty", field="title", code="empty")
    check_state(state)
    if session.scalar(sa.select(Issue.id).where(Issue.ref == ref)) is not None:
        raise ConflictError(f"ref: issue {ref!r} exists already", field="ref", code="duplicate")
    opened = _date(opened_on, "opened_on", happened=True)
    issue = Issue(
        ref=ref, category=category, title=title.strip(), finding=finding, lead_department=lead_department,
        partner_departments=[p.strip() for p in partner_departments if p.strip()],
        deadline=_date(deadline, "deadline"), state=state, opened_on=opened,
    )
    session.add(issue)
    session.flush()
    on = _date(state_on, "state_on", happened=True) or opened or local_date(utc_now())
    author = actor or default_actor()
    session.add(IssueUpdate(issue_id=issue.id, on=on, state=state, text=None, author=author))
    _audit(session, "issue.add", ref, actor, title=issue.title, state=state, on=on)
    return issue


def add_measure(
    session: Session, *, ref: str, text: str, owner: str | None = None, due: DateLike = None,
    done_on: DateLike = None, actor: str | None = None,
) -> Measure:
    """Add a measure (整改措施) to an issue."""
    issue = get_issue(session, ref)
    _check_texts(text=text, owner=owner)
    if not str(text or "").strip():
        raise InputError("text: empty measure", field="text", code="empty")
    measure = Measure(issue_id=issue.id, text=text.strip(), owner=owner, due=_date(due, "due"),
                      done_on=_date(done_on, "done_on", happened=True))
    session.add(measure)
    session.flush()
    _audit(session, "measure.add", ref, actor, measure=measure.id, text=measure.text)
    return measure


def measure_done(session: Session, measure_id: int, *, on: DateLike, actor: str | None = None) -> Measure:
    """Mark a measure done on a day."""
    measure = session.get(Measure, measure_id)
    if measure is None:
        raise NotFoundError(f"measure: no measure {measure_id}", field="measure", code="no_measure")
    measure.done_on = _date(on, "on", happened=True) or local_date(utc_now())
    _audit(session, "measure.done", measure.issue.ref, actor, measure=measure.id, on=measure.done_on)
    return measure


def link_parcels(session: Session, *, ref: str, codes: Iterable[str], actor: str | None = None) -> list[str]:
    """Link parcels to an issue (already linked ones are left as they are); returns codes added."""
    issue = get_issue(session, ref)
    column = issue_parcels.c.parcel_id
    linked = set(session.scalars(sa.select(column).where(issue_parcels.c.issue_id == issue.id)))
    added = []
    for code in codes:
        check_text(code, field="codes")
        parcel = get_parcel(session, code.strip())
        if parcel.id not in linked:
            session.execute(sa.insert(issue_parcels).values(issue_id=issue.id, parcel_id=parcel.id))
            linked.add(parcel.id)
            added.append(parcel.code)
    _audit(session, "issue.link", ref, actor, parcels=added)
    return added


def set_state(
    session: Session, *, ref: str, state: str, on: DateLike = None, note: str | None = None,
    actor: str | None = None,
) -> IssueUpdate:
    """Change an issue's state from a day on, with an optional note."""
    check_state(state)
    _check_texts(note=note)
    issue = get_issue(session, ref)
    day = _date(on, "on", happened=True) or local_date(utc_now())
    update = IssueUpdate(issue_id=issue.id, on=day, state=state, text=note, author=actor or default_actor())
    session.add(update)
    session.flush()
    latest = session.scalar(
        sa.select(IssueUpdate.state).where(IssueUpdate.issue_id == issue.id, IssueUpdate.state.is_not(None))
        .order_by(IssueUpdate.on.desc(), IssueUpdate.id.desc()).limit(1)
    )
    issue.state = latest or state
    _audit(session, "issue.state", ref, actor, state=state, on=update.on, note=note)
    return update


def add_note(
    session: Session, *, ref: str, text: str, on: DateLike = None, actor: str | None = None,
) -> IssueUpdate:
    """A dated progress note that leaves the state as it is."""
    issue = get_issue(session, ref)
    _check_texts(text=text)
    if not str(text or "").strip():
        raise InputError("text: empty note", field="text", code="empty")
    day = _date(on, "on", happened=True) or local_date(utc_now())
    update = IssueUpdate(issue_id=issue.id, on=day, state=None, text=text.strip(),
                         author=actor or default_actor())
    session.add(update)
    session.flush()
    _audit(session, "issue.note", ref, actor, on=update.on, text=update.text)
    return update


def ledger_frame(session: Session, *, as_of: datetime | date | str | None = None) -> pd.DataFrame:
    """Every issue open by the day, with state, measures, parcels, streets and flags.

    Flags: `done_with_violation` (done, yet a linked parcel is in violation or
    recurrence) and `past_deadline` (not done after its deadline).
    """
    instant = resolve_as_of(as_of)
    day = local_date(instant)
    issues = issues_as_of(session, day=day).set_index("issue_id")
    measures = pd.DataFrame(
        session.execute(sa.select(Measure.issue_id, Measure.done_on)).all(), columns=["issue_id", "done_on"])
    issues["measures"] = measures.groupby("issue_id").size().reindex(issues.index).fillna(0).astype(int)
    done_mask = measures["done_on"].map(lambda d: d is not None and not pd.isna(d) and d <= day)
    done = measures[done_mask.astype(bool)]  # astype: an empty map() is object dtype, not a mask
    issues["measures_done"] = done.groupby("issue_id").size().reindex(issues.index).fillna(0).astype(int)
    links = pd.DataFrame(session.execute(
        sa.select(issue_parcels.c.issue_id, Parcel.id, Parcel.code, Parcel.street_code)
        .join(Parcel, Parcel.id == issue_parcels.c.parcel_id)).all(),
        columns=["issue_id", "parcel_id", "code", "street_code"])
    status = status_frame(session, as_of=instant, parcel_ids=links["parcel_id"].unique().tolist())
    links["status"] = links["parcel_id"].map(status["status"]).fillna("retired")
    bad = links[links["status"].isin(["violation", "recurrence"])]
    grouped = links.groupby("issue_id")
    issues["parcels"] = grouped["code"].agg(lambda c: ",".join(sorted(c))).reindex(issues.index).fillna("")
    issues["streets"] = grouped["street_code"].agg(
        lambda s: ",".join(sorted(set(s.dropna())))).reindex(issues.index).fillna("")
    issues["violating_parcels"] = bad.groupby("issue_id")["code"].agg(
        lambda c: ",".join(sorted(c))).reindex(issues.index).fillna("")
    issues["done_with_violation"] = (issues["state"] == "done") & (issues["violating_parcels"] != "")
    late = issues["deadline"].map(lambda d: d is not None and not pd.isna(d) and d < day).astype(bool)
    issues["past_deadline"] = (issues["state"] != "done") & late
    issues = issues.reset_index()
    order = issues["ref"].map(ref_key).argsort(kind="stable")
    return issues.iloc[order].reset_index(drop=True)


def list_issues(
    session: Session, *, state: str | None = None, category: int | None = None, street: str | None = None,
    as_of: datetime | date | str | None = None,
) -> pd.DataFrame:
    """The ledger filtered by state, category, and street (any linked parcel in it)."""
    frame = ledger_frame(session, as_of=as_of)
    if state is not None:
        frame = frame[frame["state"] == check_state(state)]
    if category is not None:
        frame = frame[frame["category"] == check_category(category)]
    if street is not None:
        code = find_street(session, street).code
        frame = frame[frame["streets"].str.split(",").map(lambda codes: code in codes)]
    return frame.reset_index(drop=True)


def issue_detail(session: Session, ref: str, *, as_of: datetime | date | str | None = None) -> dict[str, Any]:
    """One issue with its measures, notes and linked parcels' status (for `issues show`)."""
    issue = get_issue(session, ref)
    row = ledger_frame(session, as_of=as_of).set_index("ref")
    summary = row.loc[ref].to_dict() if ref in row.index else {"state": "not open yet"}
    return {
        "ref": issue.ref, "category": issue.category, "title": issue.title, "finding": issue.finding,
        "lead_department": issue.lead_department, "partner_departments": issue.partner_departments,
        "deadline": issue.deadline, "opened_on": issue.opened_on, "state": summary["state"],
        "flags": [f for f in ("done_with_violation", "past_deadline") if summary.get(f)],
        "parcels": summary.get("parcels", ""),
        "measures": [{"id": m.id, "text": m.text, "owner": m.owner, "due": m.due, "done_on": m.done_on}
                     for m in issue.measures],
        "updates": [{"on": u.on, "state": u.state, "text": u.text, "author": u.author}
                    for u in issue.updates],
    }
