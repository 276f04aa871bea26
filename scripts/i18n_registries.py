"""The registries' names in the message catalogue: a Babel extractor, and the names it gives.

Why: parcel kinds, findings, statuses, issue states, issue categories and field labels are
declared as data in their registries (`layers.kinds`, `cases.rules`, `cases.status.rules`,
`cases.issue_state`, `cases.issues`, `cases.field_labels`) with their English names only,
so no `_()` call shows them to `pybabel extract`. Babel runs `extract` on this file (see
[tool.babel] in pyproject.toml): the catalogue then holds every registry name, under the
registry's context, with its Chinese, which the registries read back (`geo.i18n.registry_label`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import IO, Any

from babel.messages.extract import extract_python

from cases.field_labels import FIELD_CONTEXT, FIELD_NAMES
from cases.issue_state import STATE_CONTEXT, STATE_NAMES
from cases.issues import CATEGORY_CONTEXT, CATEGORY_NAMES
from cases.rules import FINDING_CONTEXT, FINDINGS
from cases.status.rules import STATUS_BY_CODE, STATUS_CONTEXT
from layers.kinds import KIND_CONTEXT, KINDS, PROPERTY_CONTEXT


def registry_names() -> list[tuple[str, str]]:
    """(context, English) of every name a registry declares, without repeats."""
    names = [
        *((KIND_CONTEXT, kind.name_en) for kind in KINDS.values()),
        *((PROPERTY_CONTEXT, p.label_en) for kind in KINDS.values() for p in kind.properties),
        *((FINDING_CONTEXT, f.label_en) for f in FINDINGS),
        *((STATUS_CONTEXT, s.label_en) for s in STATUS_BY_CODE.values()),
        *((STATE_CONTEXT, english) for english in STATE_NAMES.values()),
        *((CATEGORY_CONTEXT, english) for english in CATEGORY_NAMES.values()),
        *((FIELD_CONTEXT, english) for english in FIELD_NAMES.values()),
    ]
    return list(dict.fromkeys(names))


def extract(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
            options: dict[str, Any]) -> Iterator[tuple[int, str, Any, list[str]]]:
    """Babel extraction method: this file's own messages, then every registry name (with its context)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for context, english in registry_names():
        yield 0, "pgettext", (context, english), []
