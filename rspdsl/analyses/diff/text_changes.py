"""Edits of text people read but that carries no meaning: the title, the version, descriptions,
and a commitment's wording. Entities are paired by name (after --rename); requirements and rules,
which have no names, by what they say."""
from __future__ import annotations

import re
from typing import Any

from ...semantics.model import Policy, Requirement, Rule
from ...semantics.show import show_expr
from ...source import Span
from .pairing import Maps
from .report import TextChange

# A number or a name as the lexer reads them: names are renamed, numbers left alone.
_TOKEN = re.compile(r"[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9]+)?"
                    r"|[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")


def _renamed(text: str, renames: dict[str, str]) -> str:
    """OLD's expression text in NEW's names (names are unique across kinds, so tokens suffice)."""
    return _TOKEN.sub(lambda m: renames.get(m.group(0), m.group(0)), text)


def _wording(text: str) -> str:
    """A commitment's text without spacing and parentheses: what `rspdsl fmt` may change. Only
    compared between commitments with the same meaning, so nothing else can hide here."""
    return re.sub(r"[\s()]+", "", text)


def _pairs(olds: list, news: list, keys: list) -> list[tuple[Any, Any, int]]:
    """Pair unnamed elements (requirements, rules) by what they say: stage 0 pairs equal keys in
    order; each later, coarser stage pairs only a key that one element on each side has, so an
    ambiguous edit is left unpaired (and shows as a change in meaning) rather than guessed.
    Returns (old, new, stage)."""
    out: list[tuple[Any, Any, int]] = []
    left_old, left_new = list(olds), list(news)
    for stage, (key_old, key_new) in enumerate(keys):
        by_key: dict[Any, list[Any]] = {}
        for b in left_new:
            by_key.setdefault(key_new(b), []).append(b)
        ko = [key_old(a) for a in left_old]
        counts = {k: ko.count(k) for k in set(ko)} if stage else {}
        found: list[tuple[Any, Any]] = []
        for a, k in zip(left_old, ko):
            same = by_key.get(k)
            if same and (stage == 0 or (counts[k] == 1 and len(same) == 1)):
                found.append((a, same.pop(0)))
        out += [(a, b, stage) for a, b in found]
        taken_old, taken_new = {id(a) for a, _ in found}, {id(b) for _, b in found}
        left_old = [a for a in left_old if id(a) not in taken_old]
        left_new = [b for b in left_new if id(b) not in taken_new]
    return out


def _require_decls(policy: Policy) -> list[tuple[Requirement, ...]]:
    """The model's requirements grouped back into the `require` declarations they came from."""
    groups: dict[tuple, list[Requirement]] = {}
    for r in policy.requirements:
        s = r.decl_span
        groups.setdefault((s.line, s.column, s.end_line, s.end_column, s.start_pos), []).append(r)
    return [tuple(g) for g in groups.values()]


def _requirement_keys(old: Policy, new: Policy, renames: dict[str, str]) -> list:
    def keys(policy: Policy, rename: dict[str, str]):
        def show(e) -> str:
            return "" if e is None else _renamed(show_expr(e, policy), rename)

        def tier(g) -> str | None:
            t = g[0].tier
            return None if t is None else rename.get(policy.tiers[t].name, policy.tiers[t].name)

        def said(g) -> tuple:
            return tier(g), tuple(show(r.commitment) for r in g)

        def exact(g) -> tuple:
            return said(g) + (frozenset(rename.get(a, a) for a in g[0].actions), show(g[0].condition))

        return exact, said, tier

    ko, kn = keys(old, renames), keys(new, {})
    return list(zip(ko, kn))


def _rule_keys(old: Policy, new: Policy, renames: dict[str, str]) -> list:
    def keys(policy: Policy, rename: dict[str, str]):
        def slot(r: Rule) -> tuple:
            return r.effect, rename.get(r.action, r.action)

        return (lambda r: slot(r) + (_renamed(show_expr(r.condition, policy), rename),)), slot

    return list(zip(keys(old, renames), keys(new, {})))


def text_changes(old: Policy, new: Policy, maps: Maps) -> list[TextChange]:
    """Every edit of text people read between entities the diff pairs (by name after --rename;
    requirements and rules by what they say): the title, the version, descriptions, and the
    wording of a commitment whose meaning is unchanged. In NEW's reading order."""
    out: list[TextChange] = []

    def note(entity: str, name: str, what: str, a: str | None, b: str | None, a_at: Span, b_at: Span) -> None:
        if a != b:
            out.append(TextChange(entity, name, what, a, b, (old.source.path, a_at), (new.source.path, b_at)))

    note("policy", new.title, "title", old.title, new.title, old.header_span, new.header_span)
    note("policy", new.title, "version", old.version, new.version, old.header_span, new.header_span)

    def described(entity: str | None, pairs: dict[str, str], olds: dict, news: dict) -> None:
        for o, n in pairs.items():
            if o in olds and n in news:
                a, b = olds[o], news[n]
                note(entity or b.kind, n, "description", a.description, b.description, a.span, b.span)

    described("scale", maps.scales, old.scales, new.scales)
    described(None, maps.variables, old.variables, new.variables)
    described("action", maps.actions, old.actions, new.actions)
    described("threshold", maps.thresholds, old.thresholds, new.thresholds)
    described("tier", maps.tiers, {t.name: t for t in old.tiers}, {t.name: t for t in new.tiers})
    described("assertion", maps.assertions, {a.name: a for a in old.assertions}, {a.name: a for a in new.assertions})

    for a, b, stage in _pairs(_require_decls(old), _require_decls(new), _requirement_keys(old, new, maps.renames)):
        name = ", ".join(r.text for r in b)
        note("requirement", name, "description", a[0].description, b[0].description, a[0].decl_span, b[0].decl_span)
        if stage == 0 and [_wording(_renamed(r.text, maps.renames)) for r in a] != [_wording(r.text) for r in b]:
            note("requirement", name, "text", ", ".join(r.text for r in a), name, a[0].decl_span, b[0].decl_span)
    for a, b, _ in _pairs(list(old.rules), list(new.rules), _rule_keys(old, new, maps.renames)):
        note("rule", f"{b.effect} {b.action}", "description", a.description, b.description, a.span, b.span)
    out.sort(key=lambda t: (t.new_location[1].line, t.new_location[1].column))
    return out
