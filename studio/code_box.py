"""A code editor with syntax highlighting for a form field (the ``streamlit-code-editor`` component).

The component (react-ace, its JavaScript bundled in the package and served by the studio itself) is
imported only when a page draws one, so the studio's start does not pay for it. It sends the code when
the editor loses focus or on Ctrl+Enter; the text then goes into the form field, where the page's
checks and its Save button read it, like any widget's value. The editor starts from the field's value
whenever it is drawn anew (a loaded item, or coming back to the page), so typed code is never lost.
Its look is set here: the package's own "streamlit" themes import a web font from a CDN, which the
reader's browser would fetch, so the editor uses Ace's bundled "textmate" theme with the colours of
Streamlit's code blocks in a style sheet of ours (``STYLE``).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from studio.formstate import Form

THEME = "textmate"  # bundled; draws nothing from outside the studio
FONTS = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace'
STYLE = """
.ace_editor { background: rgb(248, 249, 251); color: rgb(49, 51, 63); border-radius: 8px; }
.ace_editor .ace_gutter { background: rgb(240, 242, 246); color: #6a6f7a; }
.ace_editor .ace_gutter-active-line, .ace_editor .ace_marker-layer .ace_active-line { background: rgb(185 186 188 / 19%); }
.ace_editor .ace_marker-layer .ace_selection { background: #d6d8dd; }
.ace_editor .ace_marker-layer .ace_bracket { border: 1px solid #bec2c6; }
.ace_editor .ace_cursor { color: #528bff; }
.ace_editor .ace_keyword { color: rgb(28, 131, 225); }
.ace_editor .ace_keyword.ace_operator, .ace_editor .ace_punctuation, .ace_editor .ace_paren { color: rgb(120, 124, 132); }
.ace_editor .ace_constant.ace_numeric { color: rgb(41, 176, 157); }
.ace_editor .ace_constant.ace_language, .ace_editor .ace_support.ace_constant { color: #b5651d; }
.ace_editor .ace_support.ace_function, .ace_editor .ace_entity.ace_name.ace_function { color: #8a4baf; }
.ace_editor .ace_string { color: rgb(9, 151, 59); }
.ace_editor .ace_comment { color: #8a8f98; font-style: italic; }
.ace_editor .ace_invalid { color: #fff; background: #e06c75; }
"""


def editor_key(form: Form, field: str) -> str:
    return f"{form.page}.code.{field}.{form.get('editor') or ''}"


def take_edit(form: Form, field: str) -> None:
    """Copy what the editor last sent into the form field (call before reading the field: callbacks too)."""
    key = editor_key(form, field)
    response: Any = st.session_state.get(key)
    if not isinstance(response, dict) or not response.get("id") or response.get("type") not in {"blur", "submit"}:
        return
    if response["id"] != st.session_state.get(f"{key}.taken"):
        st.session_state[f"{key}.taken"] = response["id"]
        form.set(field, str(response.get("text") or ""))


def code_box(form: Form, field: str, *, lines: tuple[int, int] = (14, 32)) -> None:
    """Draw the editor for ``field``; what is typed reaches ``form.get(field)``."""
    from code_editor import code_editor

    key = editor_key(form, field)
    seed = f"{key}.seed"
    if key not in st.session_state or seed not in st.session_state:  # drawn anew: start from the field
        st.session_state[seed] = form.get(field) or ""
    code_editor(
        st.session_state[seed], lang="python", key=key, height=list(lines), response_mode=["blur"],
        component_props={"globalCSS": STYLE},
        props={"theme": THEME, "enableBasicAutocompletion": False, "enableLiveAutocompletion": False,
               "scrollMargin": [0, 0, 0, 0]},  # its default top margin leaves the gutter a line off after a paste
        options={"showLineNumbers": True, "tabSize": 4, "useSoftTabs": True, "showPrintMargin": False,
                 "fontFamily": FONTS, "enableLiveAutocompletion": False, "enableSnippets": False,
                 "wrap": True},  # a narrow column shows long lines whole
    )
    take_edit(form, field)
