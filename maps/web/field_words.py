"""The field app's words, from the message catalogue, as a script the phone keeps offline.

The app (static/field/app.js) sets every text from `window.FIELD_WORDS`, both languages at once,
so switching language works without signal; the service worker keeps `/field/words.js` with the
rest of the shell. The Chinese lives once, in the catalogue, like every other word people read.
"""

from __future__ import annotations

import json
from typing import Any

from geo.i18n import LANGS, NC_, translations
from maps.geojson import script_safe
from maps.web.i18n import LANGUAGE_NAMES

WORDS: dict[str, tuple[str, str]] = {
    "app": NC_("field app", "Land patrol"),
    "sign_out": NC_("field app", "Sign out"),
    "sync": NC_("field app", "Upload"),
    "tab_list": NC_("field app", "Patrol"),
    "tab_map": NC_("field app", "Map"),
    "tab_queue": NC_("field app", "Waiting"),
    "my_position": NC_("field app", "My position"),
    "inspected_at": NC_("field app", "Inspected at"),
    "use_gps": NC_("field app", "Use my position"),
    "note": NC_("field app", "Note"),
    "photos": NC_("field app", "Photos"),
    "photo_hint": NC_("field app", "Up to 10, each up to 20 MB"),
    "save": NC_("field app", "Save on the phone"),
    "cancel": NC_("field app", "Cancel"),
    "queue_count": NC_("field app", "{n} waiting to upload"),
    "fresh": NC_("field app", "Offline data from {t}"),
    "no_data": NC_("field app", "No offline data yet"),
    "online": NC_("field app", "Online"),
    "offline": NC_("field app", "Offline"),
    "expired": NC_("field app", "Session expired: sign in again and the records will upload."),
    "sign_in": NC_("field app", "Sign in"),
    "saved": NC_("field app", "Saved on the phone, waiting to upload"),
    "sent": NC_("field app", "{n} uploaded"),
    "refused": NC_("field app", "{n} refused: please edit"),
    "no_network": NC_("field app", "No network: they upload when it returns"),
    "sending": NC_("field app", "Uploading…"),
    "confirm_sign_out": NC_("field app",
                "{n} records are not uploaded yet; signing out deletes them. Sign out?"),
    "other_users": NC_("field app",
                "{n} more were recorded by other users; they upload when that user signs in"),
    "edit": NC_("field app", "Edit"),
    "log": NC_("field app", "Log"),
    "last_visit": NC_("field app", "Last visit {t}"),
    "never": NC_("field app", "Never inspected"),
    "interval": NC_("field app", "every {n} days"),
    "due_in": NC_("field app", "due in {n} days"),
    "overdue_by": NC_("field app", "{n} days overdue"),
    "issues": NC_("field app", "Issues"),
    "distance": NC_("field app", "{n} m"),
    "conflict": NC_("field app", "{code}: {reason}; sent to a manager for review"),
    "by_distance": NC_("field app", "Sort by distance"),
    "no_distance_offline": NC_("field app",
                "Offline the list keeps the urgency order; online it can sort by distance"),
    "parcel_code": NC_("field app", "Parcel code"),
    "choose_parcel": NC_("field app", "choose a parcel"),
    "not_number": NC_("field app", "is not a number"),
    "not_whole": NC_("field app", "must be a whole number"),
    "too_small": NC_("field app", "must be at least {n}"),
    "too_large": NC_("field app", "must be at most {n}"),
    "required": NC_("field app", "required"),
    "too_many_photos": NC_("field app", "at most {n}"),
    "photo_too_big": NC_("field app", "{name} is over 20 MB"),
    "remove": NC_("field app", "Remove"),
    "fix_errors": NC_("field app", "Please fix the marked fields"),
    "gps": NC_("field app", "GPS"),
    "no_gps": NC_("field app", "No position"),
    "empty_queue": NC_("field app", "Nothing waiting to upload"),
    "photo_count": NC_("field app", "{n} photos"),
    "1": NC_("field app", "Act now"),
    "2": NC_("field app", "Overdue"),
    "3": NC_("field app", "Due within 7 days"),
    "4": NC_("field app", "The rest"),
}
GROUPS: dict[int, tuple[str, str]] = {  # the patrol's groups, most urgent first (cases.patrol)
    1: NC_("field app", "Act now"),
    2: NC_("field app", "Overdue"),
    3: NC_("field app", "Due within 7 days"),
    4: NC_("field app", "The rest"),
}


def field_words(lang: str) -> dict[str, Any]:
    """Every word of the field app in `lang`; its `lang` entry is the other language's name (the switch)."""
    words = translations(lang)
    other = next(code for code in LANGS if code != lang)
    return {key: words.pgettext(*message) for key, message in WORDS.items()} | {
        "lang": LANGUAGE_NAMES[other],
        "groups": {group: words.pgettext(*message) for group, message in GROUPS.items()},
    }


def words_script() -> str:
    """`window.FIELD_WORDS = {...};` for every language; no text can close the script early."""
    text = json.dumps({lang: field_words(lang) for lang in LANGS}, ensure_ascii=False)
    return f"window.FIELD_WORDS = {script_safe(text)};\n"
