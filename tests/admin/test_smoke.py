"""Every main page renders for the street admin."""

import pytest

PAGES = ["/admin/inbox", "/admin/org", "/admin/org/staff", "/admin/org/care", "/admin/audit", "/admin/outbox",
         "/admin/canned", "/admin/org/grids/1"]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders(admin, url):
    r = admin.get(url)
    assert r.status_code == 200, r.text[:2000]
    assert "邻里" in r.text
