"""Which entity of OLD is which of NEW: --rename, equal names, and how paired variables are
compared (one shared constant, a map between scale values, or unrelated)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ...semantics.model import Policy, Variable
from .report import Bounds, DeclChange, Detail


class DiffError(ValueError):
    """A user error in the diff request (a bad or unknown --rename)."""


def parse_renames(items: Iterable[str]) -> dict[str, str]:
    """`old=new` strings -> {old: new}. Raises DiffError on a malformed or repeated item."""
    out: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        old, new = old.strip(), new.strip()
        if not sep or not old or not new:
            raise DiffError(f"--rename takes OLD=NEW (e.g. --rename ASL3=ASL-3), not `{item}`")
        if old in out and out[old] != new:
            raise DiffError(f"--rename maps `{old}` twice (to `{out[old]}` and to `{new}`)")
        out[old] = new
    targets: dict[str, str] = {}
    for old, new in out.items():
        if new in targets:
            raise DiffError(f"--rename maps both `{targets[new]}` and `{old}` to `{new}`")
        targets[new] = old
    return out


def _entity_kinds(policy: Policy) -> dict[str, str]:
    """Every declared name -> its category (what a rename may map to what)."""
    kinds: dict[str, str] = {}
    for name in policy.scales:
        kinds[name] = "scale"
        for value in policy.scales[name].values:
            kinds[value] = "scale value"
    for name in policy.variables:
        kinds[name] = "variable"
    for name in policy.actions:
        kinds[name] = "action"
    for name in policy.thresholds:
        kinds[name] = "threshold"
    for tier in policy.tiers:
        kinds[tier.name] = "tier"
    for assertion in policy.assertions:
        kinds[assertion.name] = "assertion"
    return kinds


def check_renames(old: Policy, new: Policy, renames: dict[str, str]) -> None:
    from ...diagnostics import did_you_mean
    old_kinds, new_kinds = _entity_kinds(old), _entity_kinds(new)
    for o, n in renames.items():
        if o not in old_kinds:
            hint = did_you_mean(o, list(old_kinds))
            raise DiffError(f"--rename {o}={n}: OLD ({old.source.path}) declares nothing named `{o}`"
                            + (f"; {hint}" if hint else ""))
        if n not in new_kinds:
            hint = did_you_mean(n, list(new_kinds))
            raise DiffError(f"--rename {o}={n}: NEW ({new.source.path}) declares nothing named `{n}`"
                            + (f"; {hint}" if hint else ""))
        if old_kinds[o] != new_kinds[n]:
            raise DiffError(f"--rename {o}={n}: `{o}` is a {old_kinds[o]} in OLD but `{n}` is a "
                            f"{new_kinds[n]} in NEW")


def _match(old_names: Iterable[str], new_names: Iterable[str], renames: dict[str, str]) -> dict[str, str]:
    """OLD name -> NEW name for one category: renamed ones, then equal names not taken by a rename."""
    new_set = list(new_names)
    targets = set(renames.values())
    pairs: dict[str, str] = {}
    for o in old_names:
        if o in renames:
            if renames[o] in new_set:
                pairs[o] = renames[o]
        elif o in new_set and o not in targets:
            pairs[o] = o
    return pairs


@dataclass
class Maps:
    renames: dict[str, str]
    scales: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)     # every OLD variable paired by name
    shared: dict[str, str] = field(default_factory=dict)        # those sharing one Z3 constant
    scale_maps: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # old var -> index pairs
    actions: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, str] = field(default_factory=dict)
    tiers: dict[str, str] = field(default_factory=dict)
    assertions: dict[str, str] = field(default_factory=dict)


def pair(old: Policy, new: Policy, renames: dict[str, str]) -> tuple[Maps, list[DeclChange]]:
    """Every category paired by name (after renames), and the variables planned (see plan_variables)."""
    m = Maps(renames)
    m.scales = _match(old.scales, new.scales, renames)
    m.variables = _match(old.variables, new.variables, renames)
    m.actions = _match(old.actions, new.actions, renames)
    m.thresholds = _match(old.thresholds, new.thresholds, renames)
    m.tiers = _match([t.name for t in old.tiers], [t.name for t in new.tiers], renames)
    m.assertions = _match([a.name for a in old.assertions], [a.name for a in new.assertions], renames)
    return m, plan_variables(old, new, m)


def bounds(v: Variable, policy: Policy) -> Bounds:
    """A variable's declared range as data (scale indices by their value names)."""
    if v.sort == "int":
        values = policy.scales[v.scale].values if v.scale in policy.scales else ()

        def name(i) -> str | None:
            return values[int(i)] if i is not None and 0 <= int(i) < len(values) else None
        return Bounds("int", name(v.lo), name(v.hi), None, v.scale)
    return Bounds(v.sort, v.lo, v.hi, v.unit, v.scale)


def plan_variables(old: Policy, new: Policy, maps: Maps) -> list[DeclChange]:
    """Decide which paired variables share one constant, which go through a scale-value map, and
    which are unrelated (different sorts, or no value both sides admit)."""
    notes: list[DeclChange] = []
    for o, n in maps.variables.items():
        a, b = old.variables[o], new.variables[n]
        if a.sort != b.sort:
            notes.append(DeclChange("changed", b.kind, n, Detail.SORT_UNRELATED, bounds(a, old), bounds(b, new)))
            continue
        if a.sort == "int":
            va = old.scales[a.scale].values if a.scale in old.scales else ()
            vb = new.scales[b.scale].values if b.scale in new.scales else ()
            pairs = tuple((i, vb.index(maps.renames.get(v, v))) for i, v in enumerate(va)
                          if maps.renames.get(v, v) in vb and _within(a, i) and _within(b, vb.index(maps.renames.get(v, v))))
            if not pairs:
                notes.append(DeclChange("changed", b.kind, n, Detail.NO_COMMON_VALUE))
                continue
            if all(i == j for i, j in pairs) and len(pairs) == len(va) == len(vb):
                maps.shared[o] = n
            else:
                maps.scale_maps[o] = pairs
            continue
        if a.sort == "real":
            lo = max((x for x in (a.lo, b.lo) if x is not None), default=None)
            hi = min((x for x in (a.hi, b.hi) if x is not None), default=None)
            if lo is not None and hi is not None and lo > hi:
                notes.append(DeclChange("changed", b.kind, n, Detail.NO_OVERLAP))
                continue
        maps.shared[o] = n
    return notes


def _within(v: Variable, i: int) -> bool:
    return (v.lo is None or i >= v.lo) and (v.hi is None or i <= v.hi)
