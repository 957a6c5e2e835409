"""Untrusted weight chunks: found without importing, assembled once, checked (SHA-256, GGUF header), refused
with a clear sentence, and the light model used instead.

The chunk packages are real packages made in the test (a folder with an ``__init__.py`` that raises if it
is ever imported, a data file, and dist-info metadata) on a real ``sys.path`` entry; the weights are small
GGUF-headed files written here. Only the fallback test calls a real model (SmolLM2, the light one).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import os
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

from components.llm import local_choice, weights
from components.llm.gguf_header import GGUFHeaderError, read_metadata
from components.llm.local_catalog import (
    BUILTIN_MODELS,
    DEFAULT_LOCAL_MODEL,
    LIGHT_MODEL,
    ChunkedWeights,
    Part,
)

VERSION = "1.2.3"
INSTALL = "pip install -r requirements.txt"


def gguf_string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf_file(architecture: str = "qwen2", name: str = "Test Model", body: int = 3000) -> bytes:
    """A GGUF v3 header (a string array first, as tokenizers put them, then the general keys) and a body."""
    pairs = [
        gguf_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 3)
        + b"".join(gguf_string(t) for t in ("a", "bb", "ccc")),
        gguf_string("general.file_type") + struct.pack("<II", 4, 15),
        gguf_string("general.architecture") + struct.pack("<I", 8) + gguf_string(architecture),
        gguf_string("general.name") + struct.pack("<I", 8) + gguf_string(name),
    ]
    header = b"GGUF" + struct.pack("<IQQ", 3, 0, len(pairs)) + b"".join(pairs)
    return header + bytes(range(256)) * (body // 256)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeChunks:
    """Chunk packages ``rtchunk_<tag>_part1..n`` in a site folder of the test's own, and their pinned spec."""

    def __init__(self, site: Path, tag: str, content: bytes, parts: int = 3) -> None:
        self.site = site
        self.package = f"rtchunk_{tag}_part"
        size = -(-len(content) // parts)
        self.chunks = [content[i * size:(i + 1) * size] for i in range(parts)]
        self.spec = ChunkedWeights(
            file_name=f"{tag}.gguf",
            parts=tuple(
                Part(f"{self.package}{i}", f"data/part{i:02d}.bin", len(chunk), sha(chunk))
                for i, chunk in enumerate(self.chunks, start=1)
            ),
            size=len(content), sha256=sha(content), architecture="qwen2", gguf_name="Test Model", version=VERSION,
        )
        for i, chunk in enumerate(self.chunks, start=1):
            folder = site / f"{self.package}{i}"
            (folder / "data").mkdir(parents=True)
            (folder / "__init__.py").write_text("raise RuntimeError('a weight chunk was imported')\n")
            (folder / "data" / f"part{i:02d}.bin").write_bytes(chunk)
            self.write_metadata(i, VERSION)
        importlib.invalidate_caches()

    def write_metadata(self, i: int, version: str) -> None:
        distribution = f"{self.package}{i}".replace("_", "-")
        for old in self.site.glob(f"{self.package}{i}-*.dist-info"):
            for file in old.iterdir():
                file.unlink()
            old.rmdir()
        info = self.site / f"{self.package}{i}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n")
        importlib.invalidate_caches()

    def part(self, i: int) -> Path:
        return self.site / f"{self.package}{i}" / "data" / f"part{i:02d}.bin"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv(weights.MODEL_DIR_ENV, str(tmp_path / "models"))
    monkeypatch.delenv(local_choice.MODEL_PATH_ENV, raising=False)
    return folder


def assemble(chunks: FakeChunks) -> Path:
    return weights.assembled_file(chunks.spec, INSTALL)


def test_parts_are_joined_once_checked_and_never_imported(site: Path, tmp_path: Path) -> None:
    content = gguf_file()
    chunks = FakeChunks(site, "good", content)
    path = assemble(chunks)
    assert path == tmp_path / "models" / "good.gguf" and path.read_bytes() == content
    assert not [name for name in sys.modules if name.startswith("rtchunk_")]
    assert [p.name for p in path.parent.iterdir()] == ["good.gguf"]  # no temporary file left behind
    stamp = path.stat().st_mtime_ns
    assert assemble(chunks) == path and path.stat().st_mtime_ns == stamp  # not assembled again


def test_a_corrupted_part_is_refused_and_nothing_is_kept(site: Path, tmp_path: Path) -> None:
    chunks = FakeChunks(site, "corrupt", gguf_file())
    damaged = bytearray(chunks.chunks[1])
    damaged[10] ^= 0xFF  # same size: only the hash can tell
    chunks.part(2).write_bytes(bytes(damaged))
    with pytest.raises(weights.WeightsRefused) as refused:
        assemble(chunks)
    assert str(refused.value) == (
        f"rtchunk-corrupt-part2's data/part02.bin does not match its pinned SHA-256: the part is damaged or not "
        f"the trusted one; reinstall it: {INSTALL}"
    )
    assert list((tmp_path / "models").iterdir()) == []
    assert weights.refusal(chunks.spec) == str(refused.value)  # remembered: the studio need not hash again


def test_a_wrong_architecture_is_refused_before_loading(site: Path, tmp_path: Path) -> None:
    chunks = FakeChunks(site, "arch", gguf_file(architecture="llama"))  # the pinned hash matches: header says no
    with pytest.raises(weights.WeightsRefused, match="declares the architecture 'llama', not 'qwen2': refused before"):
        assemble(chunks)
    assert list((tmp_path / "models").iterdir()) == []


def test_a_wrong_model_name_is_refused(site: Path) -> None:
    chunks = FakeChunks(site, "name", gguf_file(name="Something Else"))
    with pytest.raises(weights.WeightsRefused, match="declares the model name 'Something Else', not 'Test Model'"):
        assemble(chunks)


def test_a_symlinked_part_is_refused(site: Path, tmp_path: Path) -> None:
    chunks = FakeChunks(site, "link", gguf_file())
    outside = tmp_path / "elsewhere.bin"
    outside.write_bytes(chunks.chunks[0])  # even with the right bytes
    chunks.part(1).unlink()
    chunks.part(1).symlink_to(outside)
    with pytest.raises(weights.WeightsRefused, match="part1's data/part01.bin is a link or leads out of its package"):
        assemble(chunks)


def test_a_part_in_a_folder_linked_out_of_its_package_is_refused(site: Path, tmp_path: Path) -> None:
    chunks = FakeChunks(site, "dirlink", gguf_file())
    data = chunks.part(3).parent
    moved = tmp_path / "moved-data"
    data.rename(moved)
    data.symlink_to(moved, target_is_directory=True)
    with pytest.raises(weights.WeightsRefused, match="part3's data/part03.bin is a link or leads out of its package"):
        assemble(chunks)


def test_another_version_of_a_part_is_refused(site: Path) -> None:
    chunks = FakeChunks(site, "version", gguf_file())
    chunks.write_metadata(2, "1.2.4")
    with pytest.raises(weights.WeightsRefused, match="rtchunk-version-part2 is version 1.2.4, and only 1.2.3 is trusted"):
        assemble(chunks)


def test_a_missing_part_says_how_to_install_it(site: Path) -> None:
    chunks = FakeChunks(site, "missing", gguf_file())
    os.rename(site / f"{chunks.package}3", site / "gone")
    importlib.invalidate_caches()
    with pytest.raises(weights.WeightsRefused) as refused:
        assemble(chunks)
    assert str(refused.value) == f"the package rtchunk-missing-part3, which holds one of its parts, is missing; run: {INSTALL}"


def test_an_assembled_file_changed_later_is_refused_and_removed(site: Path) -> None:
    chunks = FakeChunks(site, "tampered", gguf_file())
    path = assemble(chunks)
    weights._verified.clear()  # a new process: the file in place is checked again before use
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(weights.WeightsRefused, match="does not match the pinned SHA-256 .* it was removed"):
        assemble(chunks)
    assert not path.exists()
    assert assemble(chunks).read_bytes() == gguf_file()  # the next use assembles it again from the parts


def test_a_folder_in_the_joined_file_s_place_is_a_clear_error(site: Path, tmp_path: Path) -> None:
    chunks = FakeChunks(site, "folder", gguf_file())
    (tmp_path / "models" / "folder.gguf").mkdir(parents=True)
    with pytest.raises(weights.WeightsRefused, match=r"cannot check .*folder.gguf: .*; remove it"):
        assemble(chunks)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"GGML" + bytes(100), "it does not start with the GGUF signature"),
        (b"GG", "it does not start with the GGUF signature"),
        (b"GGUF" + struct.pack("<I", 7) + bytes(16), "it is GGUF version 7"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 40), "a string in its header claims"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + gguf_string("a") + struct.pack("<I", 4), "it ends inside its header"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gguf_string("a") + struct.pack("<I", 99), "unknown type 99"),
    ],
)
def test_hostile_headers_are_refused_with_a_reason(tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "x.gguf"
    path.write_bytes(data)
    with pytest.raises(GGUFHeaderError, match=problem):
        read_metadata(str(path), ["general.architecture"])


def test_a_refused_default_model_falls_back_to_the_light_one(
    site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    chunks = FakeChunks(site, "fallback", gguf_file(architecture="llama"))
    default = BUILTIN_MODELS[DEFAULT_LOCAL_MODEL]
    monkeypatch.setitem(BUILTIN_MODELS, DEFAULT_LOCAL_MODEL, dataclasses.replace(default, weights=chunks.spec))
    choice = local_choice.resolve(DEFAULT_LOCAL_MODEL)
    assert choice.serving is BUILTIN_MODELS[LIGHT_MODEL]
    assert choice.path == local_choice.resolve(LIGHT_MODEL).path
    assert choice.note is not None and choice.note.startswith(f"{DEFAULT_LOCAL_MODEL} cannot be used (")
    assert "declares the architecture 'llama'" in choice.note and choice.note.endswith(f"{LIGHT_MODEL} answers instead")
    assert choice.note in caplog.text
    ready, message = local_choice.status(DEFAULT_LOCAL_MODEL)  # the studio says so, without hashing again
    assert ready and "declares the architecture 'llama'" in message and message.endswith("answers instead")
    installed = {a.model.name: a.installed for a in local_choice.availability()}
    assert installed[DEFAULT_LOCAL_MODEL] is False and installed[LIGHT_MODEL] is True


def test_the_fallback_answers_through_litellm(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: a call to the default model with corrupt weights is answered by the light model."""
    from components.llm.litellm_loader import get_litellm
    from components.llm.local_model import register

    content = bytearray(gguf_file())
    chunks = FakeChunks(site, "e2e", bytes(content))
    chunks.part(3).write_bytes(b"\0" * chunks.spec.parts[2].size)
    default = BUILTIN_MODELS[DEFAULT_LOCAL_MODEL]
    monkeypatch.setitem(BUILTIN_MODELS, DEFAULT_LOCAL_MODEL, dataclasses.replace(default, weights=chunks.spec))
    register()
    response: Any = get_litellm().completion(
        model=DEFAULT_LOCAL_MODEL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=8
    )
    assert response.choices[0].message.content and response.usage.completion_tokens > 0


def test_every_pinned_part_is_a_distinct_file_of_the_stated_size() -> None:
    """The catalog itself: sizes add up to the file, and no two parts claim the same bytes."""
    for model in BUILTIN_MODELS.values():
        spec = model.weights
        if isinstance(spec, ChunkedWeights):
            assert sum(p.size for p in spec.parts) == spec.size
            assert len({p.sha256 for p in spec.parts}) == len(spec.parts)
            assert len({p.package for p in spec.parts}) == len(spec.parts)
