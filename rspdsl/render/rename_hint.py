"""`rspdsl diff`'s hint when a declaration looks renamed: one removed and one added of the same
kind (e.g. safeguard `s` -> `sec`) are compared as unrelated unless `--rename old=new` pairs them."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .escape import visible


def rename_pairs(declarations: Sequence[Any]) -> list[tuple[str, str, str]]:
    """(entity kind, OLD name, NEW name) for each kind with exactly one removed and one added."""
    removed: dict[str, list[str]] = {}
    added: dict[str, list[str]] = {}
    for d in declarations:
        if d.change == "removed":
            removed.setdefault(d.entity, []).append(d.name)
        elif d.change == "added":
            added.setdefault(d.entity, []).append(d.name)
    return [(kind, removed[kind][0], added[kind][0]) for kind in removed
            if len(removed[kind]) == 1 and len(added.get(kind, ())) == 1]


def rename_hint(declarations: Sequence[Any]) -> str:
    lines = [f"hint: {kind} `{old}` was removed and `{new}` added; if it was renamed, rerun with "
             f"`--rename {old}={new}` to compare them as one" for kind, old, new in rename_pairs(declarations)]
    return visible("\n".join(lines) + "\n") if lines else ""
