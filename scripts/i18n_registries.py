"""The registries' names in the message catalogue: a Babel extractor, and the names it checks.

Why: parcel kinds, findings, statuses, issue states, issue categories and field labels are
declared as data in their registries (`layers.kinds`, `cases.rules`, `cases.issue_state`,
`cases.issues`, `cases.field_labels`), each with its Chinese and English name, so no
`_()` call shows them to `pybabel extract`. Babel runs `extract` on this file (see
[tool.babel] in pyproject.toml): the catalogue then holds every registry name, under one
context per registry, and `pybabel update` keeps them. A test checks that the catalogue's
Chinese is the registry's, until the registries keep only their English names.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import IO, Any

from babel.messages.extract import extract_python

from cases.field_labels import FIELD_LABELS
from cases.issue_state import STATE_LABELS
from cases.issues import CATEGORIES
from cases.rules import FINDINGS, FINDINGS_BY_NAME
from cases.status.rules import STATUS_LABELS
from layers.kinds import KINDS


def registry_names() -> list[tuple[str, str, str]]:
    """(context, English, Chinese) of every name a registry declares, without repeats."""
    names = [
        *(("parcel kind", kind.name_en, kind.name_zh) for kind in KINDS.values()),
        *(("kind property", p.label_en, p.label_zh) for kind in KINDS.values() for p in kind.properties),
        *(("finding", f.label_en, f.label_zh) for f in FINDINGS),
        *(("parcel status", en, zh) for zh, en in STATUS_LABELS.values()),
        *(("issue state", en, zh) for zh, en in STATE_LABELS.values()),
        *(("issue category", en, zh) for zh, en in CATEGORIES.values()),
        *(("field", en, zh) for name, (zh, en) in FIELD_LABELS.items() if name not in FINDINGS_BY_NAME),
    ]
    return list(dict.fromkeys(names))


def extract(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
            options: dict[str, Any]) -> Iterator[tuple[int, str, Any, list[str]]]:
    """Babel extraction method: this file's own messages, then every registry name (with its context)."""
    yield from extract_python(fileobj, keywords, comment_tags, options)
    for context, english, _chinese in registry_names():
        yield 0, "pgettext", (context, english), []
