"""Turning untrusted weight chunks into one checked GGUF file, without ever importing the chunk packages.

A chunk package is found with ``importlib.util.find_spec`` (which locates a package without running it)
and its version read from its metadata; each part must be a regular file inside that package's folder (a
symlink or a path leading out is refused) with the pinned size. The parts are streamed, in order, into a
temporary file in the model folder while their SHA-256s are computed; the whole file's SHA-256 and its GGUF
header (architecture, name) must match the pinned values before the file is fsynced and renamed into place.
A file already in place is checked the same way (SHA-256 and header) once per process before it is used.
Every failure is a ``WeightsRefused`` whose message says what is wrong and how to fix it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import stat
import threading
from pathlib import Path

from components.llm.gguf_header import GGUFHeaderError, read_metadata
from components.llm.local_catalog import ChunkedWeights, Part

MODEL_DIR_ENV = "ROUNDTABLE_MODEL_DIR"
DATA_DIR_ENV = "ROUNDTABLE_DATA_DIR"  # the same variable and default as storage's data dir
_CHUNK = 1 << 20

_lock = threading.Lock()  # one assembly at a time in a process
_verified: set[tuple[str, int, int]] = set()  # (path, size, mtime_ns) of files checked in this process
# why the parts were refused, keyed by what was read: the same parts are not hashed again on every call
_refused: dict[str, tuple[tuple[tuple[str, int, int], ...], str]] = {}


class WeightsRefused(Exception):
    """The weights are missing, altered or not what they claim; the message is for a person."""


def model_dir() -> Path:
    """Where assembled model files live: ``$ROUNDTABLE_MODEL_DIR``, else ``models`` in the data dir."""
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured).resolve()
    return (Path(os.environ.get(DATA_DIR_ENV) or "data") / "models").resolve()


def package_folder(package: str) -> Path | None:
    """The folder of the top-level package ``package``, found without importing it; None if absent."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def locate_part(part: Part, version: str, install: str) -> Path:
    """The path of one chunk, after the checks that need no reading: version, place, kind and size."""
    folder = package_folder(part.package)
    if folder is None:
        raise WeightsRefused(f"the package {part.distribution}, which holds one of its parts, is missing; run: {install}")
    try:
        installed = importlib.metadata.version(part.distribution)
    except importlib.metadata.PackageNotFoundError:
        installed = None
    if installed != version:
        raise WeightsRefused(
            f"{part.distribution} is version {installed or 'unknown'}, and only {version} is trusted; run: {install}"
        )
    path = folder / part.relative
    try:
        mode = path.lstat().st_mode
    except OSError:
        raise WeightsRefused(f"{part.distribution} has no file {part.relative}; reinstall it: {install}") from None
    if stat.S_ISLNK(mode) or not path.resolve().is_relative_to(folder.resolve()):
        raise WeightsRefused(f"{part.distribution}'s {part.relative} is a link or leads out of its package: refused")
    if not stat.S_ISREG(mode):
        raise WeightsRefused(f"{part.distribution}'s {part.relative} is not a regular file: refused")
    size = path.stat().st_size
    if size != part.size:
        raise WeightsRefused(
            f"{part.distribution}'s {part.relative} is {size} bytes, not the expected {part.size}: the part is "
            f"damaged or not the trusted one; reinstall it: {install}"
        )
    return path


def parts_present(weights: ChunkedWeights, install: str) -> None:
    """Raise ``WeightsRefused`` unless every part is installed, in place and of the right size (no reading)."""
    for part in weights.parts:
        locate_part(part, weights.version, install)


def check_header(path: Path, weights: ChunkedWeights) -> None:
    """Refuse a file whose GGUF header is not the pinned architecture and name (read before llama.cpp is)."""
    try:
        metadata = read_metadata(str(path), ("general.architecture", "general.name"))
    except GGUFHeaderError as exc:
        raise WeightsRefused(f"{path.name} is not a usable GGUF file: {exc}") from exc
    except OSError as exc:
        raise WeightsRefused(f"cannot read {path}: {exc.strerror or exc}") from exc
    architecture, name = metadata.get("general.architecture"), metadata.get("general.name")
    if architecture != weights.architecture:
        raise WeightsRefused(
            f"{path.name} declares the architecture {architecture!r}, not {weights.architecture!r}: refused before loading"
        )
    if name != weights.gguf_name:
        raise WeightsRefused(f"{path.name} declares the model name {name!r}, not {weights.gguf_name!r}: refused")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _identity(path: Path) -> tuple[str, int, int]:
    info = path.stat()
    return str(path), info.st_size, info.st_mtime_ns


def _verify_in_place(path: Path, weights: ChunkedWeights) -> None:
    """Check an assembled file once per process (size, SHA-256, header); a bad one is removed."""
    if _identity(path) in _verified:
        return
    problem = None
    if path.is_symlink() or not path.is_file():
        problem = f"{path} is not a regular file"
    elif path.stat().st_size != weights.size or _sha256(path) != weights.sha256:
        problem = f"{path} does not match the pinned SHA-256 (it was changed after it was assembled)"
    if problem:
        path.unlink(missing_ok=True)
        raise WeightsRefused(f"{problem}; it was removed and is assembled again on the next use")
    check_header(path, weights)
    _verified.add(_identity(path))


def _assemble(paths: list[Path], target: Path, weights: ChunkedWeights, install: str) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.partial")
    whole = hashlib.sha256()
    try:
        with open(temporary, "wb") as out:
            for part, path in zip(weights.parts, paths, strict=True):
                digest = hashlib.sha256()
                with open(path, "rb") as stream:
                    while block := stream.read(_CHUNK):
                        digest.update(block)
                        whole.update(block)
                        out.write(block)
                if digest.hexdigest() != part.sha256:
                    raise WeightsRefused(
                        f"{part.distribution}'s {part.relative} does not match its pinned SHA-256: the part is damaged "
                        f"or not the trusted one; reinstall it: {install}"
                    )
            out.flush()
            os.fsync(out.fileno())
        if whole.hexdigest() != weights.sha256:
            raise WeightsRefused(f"the assembled {weights.file_name} does not match its pinned SHA-256: refused")
        check_header(temporary, weights)
        os.replace(temporary, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        temporary.unlink(missing_ok=True)


def refusal(weights: ChunkedWeights) -> str | None:
    """Why this process refused these parts as they are installed now (None: not refused, or changed since)."""
    refused = _refused.get(weights.sha256)
    if refused is None:
        return None
    identities, message = refused
    try:
        current = tuple(_identity(p) for p in _part_paths(weights))
    except OSError:  # a part went away since: the refusal no longer describes what is installed
        return None
    return message if current == identities else None


def _part_paths(weights: ChunkedWeights) -> list[Path]:
    folders = [package_folder(part.package) for part in weights.parts]
    if None in folders:
        raise FileNotFoundError("a part's package is missing")
    return [folder / part.relative for folder, part in zip(folders, weights.parts, strict=True) if folder]


def assembled_file(weights: ChunkedWeights, install: str) -> Path:
    """The checked GGUF file, assembled from the parts on first use; raises ``WeightsRefused``."""
    folder = model_dir()
    target = folder / weights.file_name
    with _lock:
        if target.exists() or target.is_symlink():
            try:
                _verify_in_place(target, weights)
            except OSError as exc:  # e.g. a folder in its place, or no permission to read it
                raise WeightsRefused(f"cannot check {target}: {exc.strerror or exc}; remove it") from exc
            return target
        paths = [locate_part(part, weights.version, install) for part in weights.parts]
        identities = tuple(_identity(path) for path in paths)
        refused = _refused.get(weights.sha256)
        if refused and refused[0] == identities:
            raise WeightsRefused(refused[1])
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _assemble(paths, target, weights, install)
        except WeightsRefused as exc:
            _refused[weights.sha256] = (identities, str(exc))
            raise
        except OSError as exc:
            raise WeightsRefused(
                f"cannot write {weights.file_name} into {folder}: {exc.strerror or exc} "
                f"(it needs {weights.size // 1_000_000} MB; set {MODEL_DIR_ENV} to another folder)"
            ) from exc
        _verified.add(_identity(target))
        return target
