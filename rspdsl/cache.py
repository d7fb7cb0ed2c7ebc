"""An on-disk cache of `rspdsl check` outcomes, keyed by everything that determines them.

What `check` reports for a file (its front-end diagnostics and its proof results) is a function
of: the file's bytes and the name it is reported under, the rspdsl sources and grammar (the
parser tables are one of those sources), the Z3 installed, the Python version, and the options
(timeout, seed, properties). The key is a SHA-256 over all of them, so a hit cannot be stale:
change any of them and the key changes.

Only outcomes that a rerun would reproduce are stored: none with an `unknown` result (a timeout
depends on the machine's load) or an internal error. Every stored result was produced by a full
run, every witness replayed through the evaluator then; a hit replays nothing and re-proves
nothing, it returns what that run found (with this run's elapsed time).

Where: $RSPDSL_CACHE_DIR, else $XDG_CACHE_HOME/rspdsl/results, else ~/.cache/rspdsl/results.
Off with RSPDSL_NO_CACHE=1 or `rspdsl check --no-cache`. Entries are JSON (rspdsl.cache_codec:
only the outcome's own classes can be read back, so an entry cannot run code). A hit is trusted
as a proof, so the cache is used only in a directory and with files owned by the current user
and writable by nobody else: no one else can plant a "proved". Unreadable or corrupt entries
are discarded and re-proved (each entry carries a SHA-256 of its key and body and is
type-checked when read); at most MAX_ENTRIES are kept, the least recently written go first.
"""
from __future__ import annotations

import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

MAX_ENTRIES = 512
_FORMAT = b"rspdsl-check-cache-3\n"   # -1 entries were pickles (*.pickle); they are removed
# Line two of an entry is the SHA-256 of its key and body: an edited, truncated or moved entry
# (one whose text was written for another key) fails it and is discarded, never served.
_SUFFIX = ".json"


def enabled() -> bool:
    return os.environ.get("RSPDSL_NO_CACHE", "") in ("", "0")


def cache_dir() -> Path:
    explicit = os.environ.get("RSPDSL_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rspdsl" / "results"


def _stat_line(path: str, root: str) -> bytes:
    st = os.stat(path)
    return f"{os.path.relpath(path, root)}:{st.st_size}:{st.st_mtime_ns}\0".encode()


def _tree(root: str, suffixes: tuple[str, ...]) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.join(folder, f) for f in sorted(files) if f.endswith(suffixes)]
    return found


@functools.lru_cache(maxsize=1)
def _code_digest() -> bytes:
    """Every source file of the package and the grammar, by CONTENT (a few hundred KB, well under
    a millisecond to hash): any edit to rspdsl makes new keys, whatever its size or timestamp."""
    from .syntax.parser import grammar_path

    package = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256()
    for path in _tree(package, (".py",)) + [str(grammar_path())]:
        h.update(os.path.relpath(path, os.path.dirname(package)).encode() + b"\0")
        with open(path, "rb") as handle:
            h.update(hashlib.sha256(handle.read()).digest())
    return h.digest()


@functools.lru_cache(maxsize=1)
def _engines_digest() -> bytes:
    """Z3 and Lark (which parses every file) as installed, identified without importing them."""
    from importlib.util import find_spec

    h = hashlib.sha256(sys.version.encode())
    for name, suffixes in (("z3", (".py", ".so", ".dylib", ".dll")), ("lark", (".py", ".lark"))):
        spec = find_spec(name)
        h.update(name.encode() + b"\0")
        for root in (spec.submodule_search_locations or []) if spec else []:
            for path in _tree(root, suffixes):
                if "include" not in os.path.relpath(path, root).split(os.sep)[:1]:
                    h.update(_stat_line(path, root))
    return h.digest()


def key(path: str, data: bytes, options: dict[str, Any]) -> str:
    h = hashlib.sha256(_FORMAT)
    h.update(_code_digest())
    h.update(_engines_digest())
    h.update(repr(sorted((k, repr(v)) for k, v in options.items())).encode() + b"\0")
    h.update(path.encode("utf-8", "surrogatepass") + b"\0")
    h.update(data)
    return h.hexdigest()


def _private(path: Path) -> bool:
    """Owned by this user and writable by nobody else: a hit is reported as a proof, so an entry
    someone else could write would let them forge results."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: per-user profile directories
        return True
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def _checksum(entry: str, body: bytes) -> bytes:
    return hashlib.sha256(entry.encode("ascii") + b"\0" + body).hexdigest().encode("ascii")


def load(entry: str) -> Any | None:
    """The value stored under `entry`, or None. Anything unreadable, inconsistent with its
    checksum or ill-typed is discarded (the check is then re-proved), never an error and never
    served: with RSPDSL_DEBUG=1 a warning says why."""
    folder = cache_dir()
    path = folder / f"{entry}{_SUFFIX}"
    if not (_private(folder) and _private(path)):
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None  # a miss
    from . import cache_codec
    header, _, rest = data.partition(b"\n")
    checksum, _, body = rest.partition(b"\n")
    if header + b"\n" != _FORMAT or checksum != _checksum(entry, body):
        return _discard(path, "its checksum does not match its content and key")
    try:
        value = cache_codec.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, cache_codec.CodecError) as exc:
        return _discard(path, f"it cannot be decoded ({exc})")
    if not cache_codec.well_typed(value):
        return _discard(path, "a field holds a value of the wrong type")
    return value


def _discard(path: Path, why: str) -> Any:
    """Delete a bad entry and answer a miss (None)."""
    if os.environ.get("RSPDSL_DEBUG", "") not in ("", "0"):
        print(f"rspdsl: warning: discarding result cache entry {path}: {why}", file=sys.stderr)
    try:
        path.unlink()
    except OSError:
        pass
    return None


def store(entry: str, value: Any) -> None:
    """Write atomically (temp file + rename); never fails the check that produced it."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _private(folder):
            return  # a shared or foreign directory: never write entries others could swap
        from . import cache_codec

        body = cache_codec.dumps(value).encode("utf-8")  # CodecError: store nothing
        payload = _FORMAT + _checksum(entry, body) + b"\n" + body
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.replace(tmp, folder / f"{entry}{_SUFFIX}")
        except BaseException:
            os.unlink(tmp)
            raise
        _prune(folder)
    except Exception:  # noqa: BLE001 - a read-only or full disk only costs the cache
        return


def _prune(folder: Path) -> None:
    for legacy in folder.glob("*.pickle"):  # format 1 entries: never read again
        try:
            legacy.unlink()
        except OSError:
            pass
    entries = list(folder.glob(f"*{_SUFFIX}"))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: len(entries) - MAX_ENTRIES]:
        try:
            old.unlink()
        except OSError:
            pass
