"""Follow mode: keep the newest message in view while a conversation grows (live view and replay).

Streamlit has no scroll API, so a small fixed script (no user content) watches the page: when elements
are added and the reader was at the bottom, the main container is scrolled to the bottom again. A reader
who scrolled up is left where they are until they scroll back down. The script is installed once per
browser tab; it only acts while a marker drawn by ``keep_newest_in_view`` is on the page, so leaving the
page (or turning follow off) stops it.
"""

from __future__ import annotations

import streamlit as st

NEAR_BOTTOM_PX = 120  # closer than this to the bottom counts as "at the bottom"

_SCRIPT = """
<span class="rt-follow" data-on="%(on)s" hidden></span>
<script>
(() => {
  const doc = window.document;
  if (window.__rtFollow) return;
  const state = window.__rtFollow = {pinned: true};
  const scroller = () => {
    const main = doc.querySelector('[data-testid="stMain"]');
    for (let el = main; el; el = el.parentElement) {
      const overflow = getComputedStyle(el).overflowY;
      if ((overflow === 'auto' || overflow === 'scroll') && el.scrollHeight > el.clientHeight) return el;
    }
    return doc.scrollingElement || doc.documentElement;
  };
  const active = () => doc.querySelector('.rt-follow[data-on="1"]') !== null;
  const gap = (el) => el.scrollHeight - el.scrollTop - el.clientHeight;
  doc.addEventListener('scroll', (event) => {
    const el = scroller();
    if (event.target === el || (event.target === doc && el === doc.scrollingElement)) {
      state.pinned = gap(el) < %(near)d;
    }
  }, true);
  new MutationObserver(() => {
    if (!active() || !state.pinned) return;
    const el = scroller();
    if (gap(el) > 1) el.scrollTop = el.scrollHeight;
  }).observe(doc.body, {childList: true, subtree: true});
})();
</script>
"""


def keep_newest_in_view(on: bool = True) -> None:
    """Draw the follow marker (and install the script on first use) into the current container."""
    st.html(_SCRIPT % {"on": "1" if on else "0", "near": NEAR_BOTTOM_PX}, unsafe_allow_javascript=True)
