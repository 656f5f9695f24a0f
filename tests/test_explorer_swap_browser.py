"""A new atlas swapped into an open explorer (a cold start's full atlas after its quick one), in real Chromium on
the standalone page (its model is a stand-in, so a change set on it here is what a kernel's update would be).

The swapped view's first write sends the model's own values back; a change the kernel makes just after it (the
dashboard sets the view to the UMAP map the full atlas brought, in a message of its own) used to be taken for a
late echo of an older page value and undone: on a loaded machine the cold-start page stayed on PCA.
"""
from __future__ import annotations

import os

import pytest

from _browser import CHROMIUM
from _explorer_page import _open, _state     # shipped_page: the shipped atlas's page, a fixture of tests/_explorer_page.py

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")

# Swap in the same atlas (a new object: the page mounts it afresh, as for a cold start's full atlas) and, the
# moment the new mount is ready (its first write not yet sent: that waits 120 ms), set the model's view as the
# kernel would. A MutationObserver runs as soon as the new mount has finished, before any timer of its own.
SWAP_THEN_SET_VIEW = """view => new Promise((done) => {
  const old = document.querySelector('.nx-root'), model = old.__nx.model, el = old.parentElement;
  const seen = new MutationObserver(() => {
    const root = el.querySelector('.nx-root');
    if (root === old || !root || root.dataset.ready !== '1' || !root.__nx) return;
    seen.disconnect();
    model.set('view', view);
    done(root.__nx.S.view);
  });
  seen.observe(el, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready'] });
  const data = model.get('_atlas_data');
  model.set('_atlas_data', new DataView(data.buffer.slice(0)));
})"""


def test_a_view_set_by_the_kernel_just_after_a_new_atlas_is_kept(browser, shipped_page):
    atlas, page_file = shipped_page
    assert {"umap", "pca"} <= set(atlas.maps)
    page, _, errors = _open(browser, page_file)
    assert _state(page)["view"] == "umap"
    assert page.evaluate(SWAP_THEN_SET_VIEW, "pca") == "pca"      # drawn at once, not put back to the page's umap
    # and kept: once the new view's write period is over, the address bar and the model say pca too
    page.wait_for_function("location.search.includes('view=pca')", timeout=30_000)
    assert _state(page)["view"] == "pca" and page.input_value(".nx-view") == "pca"
    assert page.evaluate("document.querySelector('.nx-root').__nx.model.get('view')") == "pca" and not errors, errors
    page.close()


def test_a_refusal_on_show_stays_red_when_a_new_atlas_is_drawn(browser, shipped_page):
    """A refused seed row is red until the student moves on; a new atlas (a cold start's full one) redrawing the
    view is not the student moving on (the line came back in the text colour)."""
    atlas, page_file = shipped_page
    page, _, errors = _open(browser, page_file)
    page.fill(".nx-seed", "x")
    page.press(".nx-seed", "Enter")
    refusal = page.inner_text(".nx-msg")
    assert refusal.startswith("seed row x is not a row number") and "nx-err" in page.get_attribute(".nx-msg", "class")
    page.evaluate("""() => new Promise((done) => {
      const old = document.querySelector('.nx-root'), model = old.__nx.model, el = old.parentElement;
      const seen = new MutationObserver(() => {
        const root = el.querySelector('.nx-root');
        if (root && root !== old && root.dataset.ready === '1') { seen.disconnect(); done(); }
      });
      seen.observe(el, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-ready'] });
      model.set('_atlas_data', new DataView(model.get('_atlas_data').buffer.slice(0)));
    })""")
    assert page.inner_text(".nx-msg") == refusal
    assert "nx-err" in page.get_attribute(".nx-msg", "class") and not errors, errors
    page.close()
