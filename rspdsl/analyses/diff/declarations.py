"""Declarations present in one revision only, renamed, or changed (bounds, default, sort, scale,
place in the ladder): listed as data next to the semantic changes."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ...semantics.model import Policy
from .pairing import Maps, bounds
from .report import DeclChange, Detail, DiffReport, Summary


def _entities(policy: Policy) -> list[tuple[str, str]]:
    """(entity word, name) of every declaration, in a stable order."""
    out = [("scale", s) for s in policy.scales]
    out += [(v.kind, v.name) for v in policy.variables.values()]
    out += [("action", a) for a in policy.actions]
    out += [("threshold", t) for t in policy.thresholds]
    out += [("tier", t.name) for t in policy.tiers]
    out += [("assertion", a.name) for a in policy.assertions]
    return out


def _sided(change: str, policy: Policy, entity: str, name: str) -> DeclChange:
    """An added or removed declaration, with its summary when it has one."""
    summary: Summary | None = None
    if entity in ("metric", "judgement", "safeguard", "control"):
        var = policy.variables[name]
        summary = None if var.sort == "bool" else Summary(bounds=bounds(var, policy))
    elif entity == "action":
        summary = Summary(default_permit=policy.actions[name].default_permit)
    elif entity == "scale":
        summary = Summary(values=policy.scales[name].values)
    elif entity == "tier":
        summary = Summary(rung=(policy.tier_index(name) + 1, len(policy.tiers)))
    if summary is None:
        return DeclChange(change, entity, name)
    return DeclChange(change, entity, name, Detail.SUMMARY, new=summary)


def new_file_report(new: Policy, old_label: str) -> DiffReport:
    """The report for a file that did not exist in the old revision: every entity added."""
    decls = tuple(_sided("added", new, entity, name) for entity, name in _entities(new))
    return DiffReport(old_path=old_label, new_path=new.source.path, old_title=None, new_title=new.title,
                      changes=(), declarations=decls, new_file=True)


Describe = Callable[[str, str], Iterable[tuple[Detail, object, object]]]


def declaration_changes(old: Policy, new: Policy, maps: Maps, var_notes: list[DeclChange]) -> list[DeclChange]:
    out: list[DeclChange] = []
    if old.title != new.title:
        out.append(DeclChange("changed", "policy", new.title, Detail.TITLE, old.title, new.title))
    if old.version != new.version:
        out.append(DeclChange("changed", "policy", new.title, Detail.VERSION, old.version, new.version))

    def sided(entity_of: Callable[[Policy, str], str], old_names: Iterable[str], new_names: Iterable[str],
              pairs: dict[str, str], describe: Describe) -> None:
        for o in old_names:
            if o not in pairs:
                out.append(_sided("removed", old, entity_of(old, o), o))
        for o, n in pairs.items():
            if o != n:
                out.append(DeclChange("renamed", entity_of(new, n), n, Detail.RENAMED, o))
            for what, a, b in describe(o, n):
                out.append(DeclChange("changed", entity_of(new, n), n, what, a, b))
        taken = set(pairs.values())
        for n in new_names:
            if n not in taken:
                out.append(_sided("added", new, entity_of(new, n), n))

    def nothing(o: str, n: str) -> Iterator[tuple[Detail, object, object]]:
        return iter(())

    def scale_changes(o: str, n: str) -> Iterator[tuple[Detail, object, object]]:
        a, b = old.scales[o].values, new.scales[n].values
        mapped = tuple(maps.renames.get(v, v) for v in a)
        if mapped != b:
            yield Detail.VALUES, a, b

    sided(lambda p, n: "scale", old.scales, new.scales, maps.scales, scale_changes)

    def var_changes(o: str, n: str) -> Iterator[tuple[Detail, object, object]]:
        a, b = old.variables[o], new.variables[n]
        if a.kind != b.kind:
            yield Detail.KIND, a.kind, b.kind
        ba, bb = bounds(a, old), bounds(b, new)
        if a.sort == b.sort and ba != bb and not (a.sort == "int" and a.scale != b.scale):
            yield Detail.BOUNDS, ba, bb
        if a.unit != b.unit:
            yield Detail.UNIT, a.unit, b.unit
        if a.sort == "int" and b.sort == "int" and maps.scales.get(a.scale or "") != b.scale:
            yield Detail.SCALE, a.scale, b.scale
        if a.reassuring != b.reassuring:
            yield Detail.REASSURING, a.reassuring, b.reassuring

    sided(lambda p, n: p.variables[n].kind, old.variables, new.variables, maps.variables, var_changes)
    out.extend(var_notes)

    def action_changes(o: str, n: str) -> Iterator[tuple[Detail, object, object]]:
        a, b = old.actions[o], new.actions[n]
        if a.default_permit != b.default_permit:
            yield Detail.DEFAULT, a.default_permit, b.default_permit

    sided(lambda p, n: "action", old.actions, new.actions, maps.actions, action_changes)
    sided(lambda p, n: "threshold", old.thresholds, new.thresholds, maps.thresholds, nothing)

    old_tiers = [t.name for t in old.tiers]
    new_tiers = [t.name for t in new.tiers]

    def tier_changes(o: str, n: str) -> Iterator[tuple[Detail, object, object]]:
        below_old = [maps.tiers[t] for t in old_tiers[:old_tiers.index(o)] if t in maps.tiers]
        below_new = [t for t in new_tiers[:new_tiers.index(n)] if t in maps.tiers.values()]
        if set(below_old) != set(below_new):
            yield Detail.PLACE, None, None

    sided(lambda p, n: "tier", old_tiers, new_tiers, maps.tiers, tier_changes)
    for n in new_tiers:
        if n not in maps.tiers.values():
            i = new_tiers.index(n)
            lower = new_tiers[i - 1] if i > 0 else None
            upper = new_tiers[i + 1] if i + 1 < len(new_tiers) else None
            if lower or upper:
                out.append(DeclChange("changed", "tier", n, Detail.INSERTED, lower, upper))
    sided(lambda p, n: "assertion", [a.name for a in old.assertions], [a.name for a in new.assertions],
          maps.assertions, nothing)
    return out
