"""Narrow screens (a laptop split in two, a projector at 800 px): the sidebar starts collapsed, images fit
their column, and rows of cards stack instead of squeezing.

Streamlit collapses the sidebar by itself only at 768 px and below, and columns stack only below 640 px,
so the studio sets its own breakpoint. The sidebar is collapsed once per browser tab (the person may open it
again and it stays open); the script is the studio's own, and reads nothing a run or a model wrote.
"""

from __future__ import annotations

import streamlit as st

NARROW_PX = 900
COLLAPSED_FLAG = "roundtable.sidebar-collapsed-for-narrow-screen"  # in the tab's sessionStorage
CARDS_KEY = "cards"  # st.container(key=f"{CARDS_KEY}-...") marks a row of cards that stacks when narrow

_STYLE = f"""
<style>
[data-testid="stImage"] img {{ max-width: 100%; height: auto; }}
@media (max-width: {NARROW_PX}px) {{
  [class*="st-key-{CARDS_KEY}-"] [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap; }}
  [class*="st-key-{CARDS_KEY}-"] [data-testid="stColumn"] {{ flex: 1 1 100% !important; min-width: 100%; }}
}}
</style>
"""

_COLLAPSE_ONCE = f"""
<script>
(function () {{
  const flag = "{COLLAPSED_FLAG}";
  if (window.innerWidth > {NARROW_PX} || window.sessionStorage.getItem(flag)) return;
  window.sessionStorage.setItem(flag, "1");
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (sidebar && button && sidebar.getAttribute("data-collapsed") === "false") button.click();
}})();
</script>
"""


def narrow_screen_layout() -> None:
    """Once per page run, from the app's entry point. The script runs in the page itself (``st.html``), not
    in an iframe of its own, so it takes no room in the sidebar."""
    st.html(_STYLE)
    with st.sidebar:
        st.html(_COLLAPSE_ONCE, unsafe_allow_javascript=True)
