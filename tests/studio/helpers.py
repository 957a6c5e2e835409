"""Small helpers for reading an AppTest page the way a person reads it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def texts(at: AppTest) -> str:
    """Every piece of text on the page (markdown, captions, alerts, titles), one per line."""
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "title", "subheader", "header", "toast"):
        parts += [str(element.value) for element in getattr(at, kind)]
    return "\n".join(parts)


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def type_code(at: AppTest, code: str, page: str = "tools", field: str = "source") -> AppTest:
    """Type ``code`` into a page's code editor, as the editor reports it when it loses focus (AppTest cannot
    drive the component's browser side, so this is the value the component sends)."""
    import uuid

    key = f"{page}.code.{field}.{at.session_state[f'{page}.f.editor']}"
    at.session_state[key] = {"id": uuid.uuid4().hex[:8], "type": "blur", "lang": "python", "text": code,
                             "selected": "", "cursor": ""}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
