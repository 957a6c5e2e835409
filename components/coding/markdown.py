"""AutoGen's ``MarkdownCodeExtractor``: the fenced code blocks of a message, as ``CodeBlock``s."""

from __future__ import annotations

import re
from typing import Any

from components.coding.base import CodeBlock
from components.coding.extract import CODE_BLOCK_PATTERN, UNKNOWN, content_str, infer_lang


class MarkdownCodeExtractor:
    def extract_code_blocks(self, message: str | list[Any] | None) -> list[CodeBlock]:
        """Every ```lang fenced block; an unlabelled one gets the inferred language ("" if unknown).
        A message without blocks gives []."""
        blocks = []
        for lang, code in re.findall(CODE_BLOCK_PATTERN, content_str(message), flags=re.DOTALL):
            lang = lang or infer_lang(code)
            blocks.append(CodeBlock(code=code, language="" if lang == UNKNOWN else lang))
        return blocks
