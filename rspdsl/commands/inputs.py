"""Policy paths as the commands take them: files, directories (searched recursively for
`*.rsp`, as `ruff check .` finds Python files) and `-` (stdin, for `check`)."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

POLICY_SUFFIX = ".rsp"
STDIN = "-"
# directories never searched: version control, caches, virtual environments, hidden ones
_SKIPPED = {"__pycache__", "node_modules", "venv", "build", "dist"}


def expand(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """(paths to use, empty directories): a directory becomes its `*.rsp` files, sorted; a file
    or `-` is kept as given (a missing file is reported by the command, as before)."""
    out: list[str] = []
    empty: list[str] = []
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            found = sorted(_walk(path))
            if not found:
                empty.append(path)
            out.extend(found)
        else:
            out.append(path)
    return list(dict.fromkeys(out)), empty


def _walk(top: str) -> Iterator[str]:
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED and not d.startswith("."))
        for name in files:
            if name.endswith(POLICY_SUFFIX):
                yield os.path.join(root, name)
