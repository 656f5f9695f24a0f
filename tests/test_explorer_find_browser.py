"""The find box as a newcomer types into it (seen from the installed wheel): "row 86", as the nearest list and
the match list write a row, picks that row; a find with no match says so and shows nothing else (it showed the
word "null" under the count)."""
from __future__ import annotations

import os

import pytest

from _browser import CHROMIUM
from _explorer_page import _open

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


def test_row_as_the_lists_write_it_picks_the_row(browser, shipped_page):
    _, page_file = shipped_page
    page, requests, errors = _open(browser, page_file, width=1024)
    page.fill(".nx-search", "row 86")
    page.wait_for_function("document.querySelector('.nx-root').__nx.S.picked === 86", timeout=5000)
    page.fill(".nx-search", "no_such_op")
    page.wait_for_function("document.querySelector('.nx-hits').textContent.includes('0 cells match')", timeout=5000)
    assert page.inner_text(".nx-hits").strip() == "0 cells match no_such_op"
    assert errors == [] and all(u.startswith("file://") for u in requests), (errors, requests[:5])
    page.close()
