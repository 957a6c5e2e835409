"""Form state for the design pages: namespaced session_state keys, loading a design into a form, field errors.

Each page owns the keys under its own prefix (``"agents.f.name"``, ``"agents.selected"``...), so pages never
share or clobber each other's state. A form is loaded once per selected item; widgets then own their
values until the selection changes. Errors are kept per field and shown next to that field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import streamlit as st
from pydantic import ValidationError

from storage import DocumentError, NameConflictError, NotFoundError
from storage.errors import AccessError

NEW = "\x00new"
"""The selection value meaning "a new, unsaved item"."""


class Form:
    """The fields of one page's editor, stored under ``<page>.f.<field>``."""

    def __init__(self, page: str) -> None:
        self.page = page

    # -- keys and values ------------------------------------------------------------------------------
    def key(self, field: str) -> str:
        return f"{self.page}.f.{field}"

    def widget(self, field: str) -> dict[str, Any]:
        """A widget's ``key``, and its value kept while it is hidden or the user is on another page."""
        return {"key": self.key(field), "persist_state": "session"}

    def get(self, field: str, default: Any = None) -> Any:
        return st.session_state.get(self.key(field), default)

    def set(self, field: str, value: Any) -> None:
        st.session_state[self.key(field)] = value

    def load(self, values: Mapping[str, Any]) -> None:
        """Put ``values`` into the form's widgets (call before the widgets are drawn)."""
        for field in [k for k in st.session_state if str(k).startswith(f"{self.page}.f.")]:
            del st.session_state[field]
        for field, value in values.items():
            st.session_state[self.key(field)] = value
        self.clear_errors()

    # -- selection --------------------------------------------------------------------------------------
    @property
    def selected(self) -> str | None:
        """The name of the item being edited, ``NEW`` for a new one, or None."""
        return st.session_state.get(f"{self.page}.selected")

    def select(self, name: str | None) -> None:
        st.session_state[f"{self.page}.selected"] = name

    def needs_loading(self) -> bool:
        """True once after the selection changed: the caller then loads the item into the form."""
        marker = st.session_state.get(f"{self.page}.loaded", None)
        if marker == self.selected and marker is not None:
            return False
        st.session_state[f"{self.page}.loaded"] = self.selected
        return True

    def reload(self) -> None:
        """Load the selected item again on the next run (after a save or a rename)."""
        st.session_state.pop(f"{self.page}.loaded", None)

    # -- errors -------------------------------------------------------------------------------------------
    @property
    def errors(self) -> dict[str, str]:
        return st.session_state.setdefault(f"{self.page}.errors", {})

    def clear_errors(self) -> None:
        st.session_state[f"{self.page}.errors"] = {}

    def add_error(self, field: str, message: str) -> None:
        errors = self.errors
        errors[field] = f"{errors[field]}; {message}" if field in errors else message

    def error(self, *fields: str) -> None:
        """Show the errors of ``fields`` here (right under their widgets)."""
        for field in fields:
            message = self.errors.get(field)
            if message:
                st.markdown(f":red[:material/error: {message}]")

    def other_errors(self, known: Iterable[str]) -> None:
        """Errors of fields that have no widget of their own, shown in one place."""
        known = set(known)
        for field, message in self.errors.items():
            if field not in known:
                st.error(f"{field}: {message}" if field else message, icon=":material/error:")

    def take_validation_error(self, error: ValidationError, rename: Mapping[str, str] | None = None) -> None:
        """Record every error pydantic found, each under the field it belongs to."""
        rename = rename or {}
        for item in error.errors(include_url=False):
            loc = [str(part) for part in item["loc"]]
            field = rename.get(".".join(loc), rename.get(loc[0], loc[0])) if loc else ""
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "string_pattern_mismatch" and loc and loc[0] == "name":
                message = "use letters, digits, - and _ only (no spaces)"
            elif item["type"] == "string_too_short" and item.get("ctx", {}).get("min_length") == 1:
                message = "required"
            self.add_error(field, message)

    def take_document_error(self, error: DocumentError, rename: Mapping[str, str] | None = None) -> None:
        """Record the problems storage found (paths such as ``members[2]``) under their fields."""
        rename = rename or {}
        for problem in error.problems:
            root = problem.path.split(".")[0].split("[")[0]
            self.add_error(rename.get(root, root), problem.message)

    # -- saving -------------------------------------------------------------------------------------------
    def store(self, save: Callable[..., object], spec: Any, conflict: tuple[str, str] | None = None) -> bool:
        """``save(spec, replacing=...)`` the item being edited; on a name clash or an invalid design, put the
        error next to its field (``conflict`` = (field, message) overrides the clash's) and return False."""
        try:
            save(spec, replacing=None if self.selected == NEW else self.selected)
        except NameConflictError as error:
            field, message = conflict or ("name", str(error))
            self.add_error(field, message)
            return False
        except DocumentError as error:
            self.take_document_error(error)
            return False
        except (AccessError, NotFoundError) as error:  # a viewer, or someone else's item
            self.add_error("name", str(error))
            return False
        return True

    def saved(self, name: str, noun: str, note: str = "") -> None:
        """After a save: edit the stored item from now on, and say so."""
        self.select(name)
        self.reload()
        flash(self.page, f"Saved {noun} \u201c{name}\u201d.{note}")


def flash(page: str, message: str, icon: str = ":material/check_circle:") -> None:
    """A message shown once, on the next run of ``page`` (e.g. "Saved")."""
    st.session_state[f"{page}.flash"] = (message, icon)


def show_flash(page: str) -> None:
    item = st.session_state.pop(f"{page}.flash", None)
    if item:
        st.toast(item[0], icon=item[1])  # in view wherever the page is scrolled, unlike a box at the top
