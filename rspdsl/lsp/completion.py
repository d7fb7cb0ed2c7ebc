"""Completion: declared names, keywords that fit where the caret is, and a scale's values after a
comparison with a metric or control on that scale (the tier names after `tier <`, `tier >=` ...).

Context comes from the text before the caret on its line, so it works while the file does not
parse; the names come from the latest analysis that indexed the file, or else the last clean one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .index import SymbolIndex

DECLARATION_KEYWORDS = ("policy", "scale", "metric", "control", "judgement", "safeguard", "action",
                        "threshold", "tier", "permit", "forbid", "require", "assert")
EXPRESSION_KEYWORDS = ("and", "or", "not", "implies", "tier", "allowed", "max", "min", "true", "false")
VALUE_KINDS = ("metric", "control", "judgement", "safeguard", "threshold", "tier", "scale value")

_PARTIAL = r"(?P<partial>[A-Za-z0-9_-]*)$"
_COMPARED = re.compile(r"(?P<left>[A-Za-z_][A-Za-z0-9_-]*|tier)\s*(?:<=|>=|==|!=|<|>)\s*" + _PARTIAL)
_ACTION_SLOT = re.compile(r"(?:\b(?:permit|forbid)\s+|\ballowed\s*\(\s*|\bfor\s+(?:[A-Za-z0-9_-]+\s*,\s*)*)" + _PARTIAL)
_SCALE_SLOT = re.compile(r"^\s*(?:metric|control)\s+[A-Za-z0-9_-]+\s*:\s*" + _PARTIAL)
_LINE_START = re.compile(r"^\s*" + _PARTIAL)
_DECLARED_NAME = re.compile(r"^\s*(?:scale|metric|control|judgement|safeguard|action|threshold|tier|assert)\s+"
                            + _PARTIAL)


@dataclass(frozen=True)
class Item:
    label: str
    kind: str          # "keyword" | a declaration kind
    detail: str = ""


def complete(index: SymbolIndex, prefix: str, *, in_tier: bool) -> list[Item]:
    """Items for a caret after `prefix` (the text before it on its line)."""
    if _DECLARED_NAME.search(prefix) or prefix.lstrip().startswith("#") or prefix.count('"') % 2:
        return []   # naming a new declaration, in a comment, or in a string: nothing to offer
    if (m := _COMPARED.search(prefix)) is not None:
        values = _scale_values(index, m.group("left"))
        if values is not None:
            return values
    if _ACTION_SLOT.search(prefix):
        return [Item(d.name, d.kind) for d in index.names_of_kind("action")]
    if _SCALE_SLOT.search(prefix):
        return [Item(d.name, d.kind) for d in index.names_of_kind("scale")]
    if _LINE_START.fullmatch(prefix):
        keywords = ("require",) if in_tier else DECLARATION_KEYWORDS
        return [Item(k, "keyword") for k in keywords]
    names = [Item(d.name, d.kind) for d in index.names_of_kind(*VALUE_KINDS)]
    return names + [Item(k, "keyword") for k in EXPRESSION_KEYWORDS] + [Item(k, "keyword") for k in ("when", "for")]


def _scale_values(index: SymbolIndex, left: str) -> list[Item] | None:
    if left == "tier":
        return [Item(d.name, "tier", "a tier, lowest first") for d in index.names_of_kind("tier")]
    decl = index.declarations.get(left)
    scale = getattr(decl.decl, "scale", None) if decl is not None and decl.kind in ("metric", "control") else None
    if scale is None:
        return None
    return [Item(d.name, d.kind, f"on scale {scale.name}") for d in index.names_of_kind("scale value")
            if d.scale == scale.name]


def in_tier_block(text_before: str) -> bool:
    """Whether the caret is between a tier's `{` and `}` (braces only open tiers and scales;
    strings and comments are skipped)."""
    depth, opener = 0, ""
    for line in text_before.splitlines() or [""]:
        code = re.sub(r'"([^"\\\n]|\\.)*"?', '""', line).split("#", 1)[0]
        for m in re.finditer(r"[{}]|\b(tier|scale)\b", code):
            token = m.group(0)
            if token in ("tier", "scale"):
                opener = token
            elif token == "{":
                depth += 1
            elif depth:
                depth -= 1
    return depth > 0 and opener == "tier"
