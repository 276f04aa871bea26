"""The status registry is the one list of statuses: every status the rules can give is in it."""

from __future__ import annotations

import itertools

import pandas as pd

from cases.status.rules import STATUS_BY_CODE, STATUS_COLORS, STATUS_LABELS, STATUSES, classify

FLAGS = ("latest_violation", "ever_violated", "clean_after_violation", "has_open_issue", "falling")


def test_every_status_the_rules_give_is_registered_and_each_is_reachable():
    rows = [dict(zip(("inspections_count", *FLAGS, "days_since"), (count, *flags, days), strict=True))
            for count in (0, 1) for flags in itertools.product((False, True), repeat=len(FLAGS))
            for days in (1.0, 1000.0)]
    frame = pd.DataFrame(rows).assign(kind="forest_patch")
    given = set(classify(frame, days_since=frame["days_since"]))
    assert given == set(STATUSES)


def test_labels_and_colours_are_views_of_the_registry():
    assert tuple(STATUS_BY_CODE) == STATUSES
    assert all(STATUS_LABELS[c] == (s.label_zh, s.label_en) and STATUS_COLORS[c] == s.color
               for c, s in STATUS_BY_CODE.items())
    assert len(set(STATUS_COLORS.values())) == len(STATUSES)
    assert STATUS_BY_CODE["violation"].label("zh") == "违法违规"
    assert STATUS_BY_CODE["violation"].label("en") == "Violation"
