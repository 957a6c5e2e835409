"""Reading a GGUF file's metadata header, so a model file is checked before llama.cpp parses it.

The layout is GGUF's documented one (ggml's docs/gguf.md): ``b"GGUF"``, a uint32 version, uint64 tensor and
key-value counts, then key-value pairs (a length-prefixed UTF-8 key, a uint32 type, a value). Everything is
little-endian. The file may be hostile: every length is bounded, and reading stops once the wanted keys are
seen or after ``MAX_HEADER_BYTES``, so a crafted header cannot make this read much or allocate much.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import BinaryIO

MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
MAX_HEADER_BYTES = 64 * 1024 * 1024  # a large vocabulary array sits in the header; skip it, but not forever
MAX_STRING_BYTES = 1024 * 1024
MAX_KEYS = 100_000

_STRING, _ARRAY = 8, 9
_FIXED = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


class GGUFHeaderError(ValueError):
    """The file is not a GGUF file this reader accepts; the message says what is wrong."""


class _Reader:
    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.offset = 0

    def take(self, size: int) -> bytes:
        if self.offset + size > MAX_HEADER_BYTES:
            raise GGUFHeaderError(f"its header is longer than {MAX_HEADER_BYTES} bytes")
        data = self._stream.read(size)
        if len(data) != size:
            raise GGUFHeaderError("it ends inside its header")
        self.offset += size
        return data

    def skip(self, size: int) -> None:
        while size > 0:
            step = min(size, 1 << 20)
            self.take(step)
            size -= step

    def unpack(self, fmt: str) -> int | float | bool:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        length = int(self.unpack("<Q"))
        if length > MAX_STRING_BYTES:
            raise GGUFHeaderError(f"a string in its header claims {length} bytes")
        try:
            return self.take(length).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GGUFHeaderError("a string in its header is not UTF-8") from exc

    def skip_string(self) -> None:
        length = int(self.unpack("<Q"))
        self.skip(length)

    def value(self, kind: int) -> int | float | bool | str | None:
        """A scalar or string value; arrays are skipped (None): the checks need none of them."""
        if kind in _FIXED:
            return self.unpack(_FIXED[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind = int(self.unpack("<I"))
            count = int(self.unpack("<Q"))
            if item_kind in _FIXED:
                self.skip(count * struct.calcsize(_FIXED[item_kind]))
            elif item_kind == _STRING:
                for _ in range(count):
                    self.skip_string()
            else:
                raise GGUFHeaderError(f"an array in its header holds values of unknown type {item_kind}")
            return None
        raise GGUFHeaderError(f"a value in its header has unknown type {kind}")


def read_metadata(path: str, wanted: Iterable[str]) -> dict[str, int | float | bool | str]:
    """The ``wanted`` keys' values from the GGUF header of ``path`` (those present); raises GGUFHeaderError."""
    wanted = set(wanted)
    found: dict[str, int | float | bool | str] = {}
    with open(path, "rb") as stream:
        reader = _Reader(stream)
        try:
            magic = reader.take(4)
        except GGUFHeaderError:
            magic = b""
        if magic != MAGIC:
            raise GGUFHeaderError("it does not start with the GGUF signature")
        version = reader.unpack("<I")
        if version not in SUPPORTED_VERSIONS:
            raise GGUFHeaderError(f"it is GGUF version {version}; this reader knows versions 2 and 3")
        reader.unpack("<Q")  # tensor count
        keys = int(reader.unpack("<Q"))
        if keys > MAX_KEYS:
            raise GGUFHeaderError(f"its header claims {keys} metadata keys")
        for _ in range(keys):
            if wanted <= found.keys():
                break
            key = reader.string()
            value = reader.value(int(reader.unpack("<I")))
            if key in wanted and value is not None:
                found[key] = value
    return found
