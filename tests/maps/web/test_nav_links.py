"""The navigation links the review list for managers and admins, the field app for inspectors and admins."""

from __future__ import annotations

import re

from tests.maps.web.conftest import Site

NAV = re.compile(r"<nav>(.*?)</nav>", re.S)
EXPECTED = {  # role -> (links /review, links /field/)
    "admin": (True, True), "manager": (True, False), "analyst": (False, False),
    "inspector": (False, True), "other": (False, True),
}


def nav_links(site: Site, who: str, lang: str = "zh") -> list[tuple[str, str]]:
    client = site.client(who)
    if lang == "en":
        client.get("/lang/en?next=/")
    page = client.get("/")
    assert page.status_code == 200, page.text
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', NAV.search(page.text).group(1))


def test_each_role_sees_the_links_it_may_use(backend_site: Site) -> None:
    for who, (review, field) in EXPECTED.items():
        links = dict(nav_links(backend_site, who))
        assert ("/review" in links, "/field/" in links) == (review, field), who
        assert {links.get("/review"), links.get("/field/")} - {None} <= {"冲突复核", "外业巡查"}


def test_the_links_speak_english_on_request_and_lead_to_pages(backend_site: Site) -> None:
    links = dict(nav_links(backend_site, "admin", lang="en"))
    assert links["/review"] == "Review" and links["/field/"] == "Field app"
    for path in ("/review", "/field/"):
        assert backend_site.client("admin").get(path).status_code == 200
