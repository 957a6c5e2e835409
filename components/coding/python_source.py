"""Parsing Python that someone else wrote (a tool's source, an imported file) into a syntax tree.

``ast.parse`` raises SyntaxError for ordinary mistakes, but code nested past the parser's limits
(``"return " + "-" * 150_000 + "1"``, say) exhausts its memory or recursion instead; both end here as one
``UnreadableSource`` with a sentence for a person.
"""

from __future__ import annotations

import ast


class UnreadableSource(ValueError):
    """The source is not Python this program can read; ``line`` is where, when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def parse_source(source: str) -> ast.Module:
    """The syntax tree of ``source``; ``UnreadableSource`` when there is none."""
    try:
        return ast.parse(source)
    except SyntaxError as error:
        where = f"line {error.lineno}" + (f", column {error.offset}" if error.offset else "")
        raise UnreadableSource(f"Python syntax error at {where}: {error.msg}", error.lineno, error.offset) from None
    except (MemoryError, RecursionError, ValueError):  # ValueError: a NUL byte in the source
        raise UnreadableSource("the code is nested too deeply (or holds bytes) for Python to read") from None
