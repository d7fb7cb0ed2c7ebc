"""The semantic difference between two revisions of a policy (`rspdsl diff`).

Both policies are encoded once over one state (variables shared by name, after renames) and
one seeded solver answers every question in its own push/pop scope. Three aspects are compared:

- permission, per action in both: a state where NEW allows it and OLD forbids it (weakening),
  or the reverse (strengthening);
- tier, through the tier names the two ladders share: a state that OLD places at or above a
  common tier T and NEW places below T is a weakening (NEW acts later); the reverse is a
  strengthening. A tier present in one ladder only is never compared directly: it sits between
  its neighbours, and its effect shows through the common tiers and its requirements;
- requirement, per action in both: "P demands c for A at s" means some requirement of P binding
  A is active at s and its commitment implies c for every value of every variable (checked by
  Z3). A commitment OLD has active at s that NEW does not demand at s is a weakening; the
  reverse a strengthening. Commitments are split at top-level `and`, so restating, splitting,
  merging or reordering commitments is no change.

Every change carries a witness state that the concrete evaluator replays on both policies (each
on its own projection of the state) before it is reported; a disagreement is a bug in rspdsl and
raises InternalError. Declarations present in one side only (or changed: bounds, default,
sort, scale) are listed as data next to the semantic changes, and so are edits of text that
carries no meaning but is read by people: the title, the version, descriptions, and a
commitment's wording (TextChange).
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from .diagnostics import InternalError
from .semantics import interpret, ir
from .semantics.depth import room_for
from .semantics.model import Policy, Requirement, Rule, Variable
from .semantics.show import show_expr
from .source import Span
from .state import is_finite_decimal, number_text, read_state, state_to_json

__all__ = ["Change", "DeclChange", "DiffReport", "DiffError", "Side", "TextChange", "Unknown",
           "diff_policies", "new_file_report", "parse_renames", "text_changes"]

WEAKENING, STRENGTHENING = "weakening", "strengthening"


class DiffError(ValueError):
    """A user error in the diff request (a bad or unknown --rename)."""


# ----------------------------------------------------------------------------- the report

@dataclass(frozen=True)
class Side:
    """What one policy does at a witness state."""
    state: dict[str, Any]            # STATE.json form of this policy's projection of the witness
    tier: str
    outcome: str                     # e.g. "forbids deploy (forbid at p.rsp:20:1)"
    location: tuple[str, Span] | None = None


@dataclass(frozen=True)
class Change:
    kind: str                        # "weakening" | "strengthening"
    aspect: str                      # "permission" | "tier" | "requirement"
    action: str | None               # NEW's name of the action (None for tier changes)
    subject: str                     # what the line is about: "deploy", "tier ASL-3"
    message: str
    state: dict[str, Any]            # the witness over the union of both policies' variables
    old: Side
    new: Side
    detail: str | None = None        # the commitment, for requirement changes
    notes: dict[str, str] = field(default_factory=dict)  # union variable -> "NEW only", "OLD: name", ...


@dataclass(frozen=True)
class DeclChange:
    change: str                      # "added" | "removed" | "changed" | "renamed"
    entity: str                      # "metric", "action", "tier", "threshold", "scale", "policy", ...
    name: str                        # NEW's name (OLD's when removed)
    detail: str = ""


@dataclass(frozen=True)
class TextChange:
    """Text that people read but that has no meaning changed between two paired entities."""
    entity: str                      # "policy", "scale", "metric", ..., "requirement", "rule"
    name: str                        # NEW's name; for a requirement its commitments, for a rule "forbid train"
    field: str                       # "title" | "version" | "description" | "text"
    old: str | None                  # None: there was none (a description added)
    new: str | None                  # None: removed
    old_location: tuple[str, Span]
    new_location: tuple[str, Span]


@dataclass(frozen=True)
class Unknown:
    aspect: str
    subject: str
    question: str
    reason: str


@dataclass(frozen=True)
class DiffReport:
    old_path: str
    new_path: str
    old_title: str | None
    new_title: str
    changes: tuple[Change, ...]
    declarations: tuple[DeclChange, ...]
    unknowns: tuple[Unknown, ...] = ()
    text_changes: tuple[TextChange, ...] = ()   # never part of the verdict: meaning is unchanged
    new_file: bool = False
    seconds: float = 0.0
    queries: int = 0

    @property
    def weakenings(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == WEAKENING)

    @property
    def strengthenings(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.kind == STRENGTHENING)

    @property
    def verdict(self) -> str:
        """equivalent | stronger | weaker | incomparable, or "unknown" when a question stayed
        open and no weakening was found (a verdict that would otherwise claim too much)."""
        weak, strong = bool(self.weakenings), bool(self.strengthenings)
        if weak:
            return "incomparable" if strong else "weaker"
        if self.unknowns:
            return "unknown"
        return "stronger" if strong else "equivalent"

    def exit_code(self) -> int:
        if self.weakenings:
            return 1
        if self.unknowns:
            return 3
        return 0


# ----------------------------------------------------------------------------- renames

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


def _check_renames(old: Policy, new: Policy, renames: dict[str, str]) -> None:
    from .diagnostics import did_you_mean
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


# ----------------------------------------------------------------------------- declarations

def _bounds_text(v: Variable, policy: Policy) -> str:
    if v.sort == "bool":
        return "true/false"
    if v.sort == "int" and v.scale in policy.scales:
        values = policy.scales[v.scale].values
        lo = values[int(v.lo)] if v.lo is not None and 0 <= int(v.lo) < len(values) else "?"
        hi = values[int(v.hi)] if v.hi is not None and 0 <= int(v.hi) < len(values) else "?"
        return f"{v.scale} [{lo}, {hi}]"
    lo = "-inf" if v.lo is None else number_text(v.lo)
    hi = "inf" if v.hi is None else number_text(v.hi)
    return f"[{lo}, {hi}]" + (f" {v.unit}" if v.unit else "")


def _entities(policy: Policy) -> list[tuple[str, str]]:
    """(entity word, name) of every declaration, in a stable order."""
    out = [("scale", s) for s in policy.scales]
    out += [(v.kind, v.name) for v in policy.variables.values()]
    out += [("action", a) for a in policy.actions]
    out += [("threshold", t) for t in policy.thresholds]
    out += [("tier", t.name) for t in policy.tiers]
    out += [("assertion", a.name) for a in policy.assertions]
    return out


def _entity_detail(policy: Policy, entity: str, name: str) -> str:
    if entity in ("metric", "judgement", "safeguard", "control"):
        var = policy.variables[name]
        return "" if var.sort == "bool" else _bounds_text(var, policy)
    if entity == "action":
        return "default permit" if policy.actions[name].default_permit else "default deny"
    if entity == "scale":
        return "{ " + ", ".join(policy.scales[name].values) + " }"
    if entity == "tier":
        index = policy.tier_index(name)
        return f"rung {index + 1} of {len(policy.tiers)}"
    return ""


def new_file_report(new: Policy, old_label: str) -> DiffReport:
    """The report for a file that did not exist in the old revision: every entity added."""
    decls = tuple(DeclChange("added", entity, name, _entity_detail(new, entity, name))
                  for entity, name in _entities(new))
    return DiffReport(old_path=old_label, new_path=new.source.path, old_title=None, new_title=new.title,
                      changes=(), declarations=decls, new_file=True)


def _declaration_changes(old: Policy, new: Policy, maps: _Maps, var_notes: list[DeclChange]) -> list[DeclChange]:
    out: list[DeclChange] = []
    if old.title != new.title:
        out.append(DeclChange("changed", "policy", new.title, f"title {old.title!r} → {new.title!r}"))
    if old.version != new.version:
        out.append(DeclChange("changed", "policy", new.title, f"version {old.version} → {new.version}"))

    def sided(entity_of, old_names, new_names, pairs, describe):
        for o in old_names:
            if o not in pairs:
                out.append(DeclChange("removed", entity_of(old, o), o, _entity_detail(old, entity_of(old, o), o)))
        for o, n in pairs.items():
            if o != n:
                out.append(DeclChange("renamed", entity_of(new, n), n, f"was `{o}`"))
            for detail in describe(o, n):
                out.append(DeclChange("changed", entity_of(new, n), n, detail))
        taken = set(pairs.values())
        for n in new_names:
            if n not in taken:
                out.append(DeclChange("added", entity_of(new, n), n, _entity_detail(new, entity_of(new, n), n)))

    def scale_changes(o, n):
        a, b = old.scales[o].values, new.scales[n].values
        mapped = tuple(maps.renames.get(v, v) for v in a)
        if mapped != b:
            yield "values { " + ", ".join(a) + " } → { " + ", ".join(b) + " }"

    sided(lambda p, n: "scale", old.scales, new.scales, maps.scales, scale_changes)

    def var_changes(o, n):
        a, b = old.variables[o], new.variables[n]
        if a.kind != b.kind:
            yield f"was a {a.kind}, now a {b.kind}"
        if a.sort == b.sort and _bounds_text(a, old) != _bounds_text(b, new) and not (
                a.sort == "int" and a.scale != b.scale):
            yield f"bounds {_bounds_text(a, old)} → {_bounds_text(b, new)}"
        if a.unit != b.unit:
            yield f"unit {a.unit or '(none)'} → {b.unit or '(none)'}"
        if a.sort == "int" and b.sort == "int" and maps.scales.get(a.scale or "") != b.scale:
            yield f"scale {a.scale} → {b.scale}"
        if a.reassuring != b.reassuring:
            yield "now reassuring" if b.reassuring else "no longer reassuring"

    sided(lambda p, n: p.variables[n].kind, old.variables, new.variables, maps.variables, var_changes)
    out.extend(var_notes)

    def action_changes(o, n):
        a, b = old.actions[o], new.actions[n]
        if a.default_permit != b.default_permit:
            yield ("default deny → default permit" if b.default_permit else "default permit → default deny")

    sided(lambda p, n: "action", old.actions, new.actions, maps.actions, action_changes)
    sided(lambda p, n: "threshold", old.thresholds, new.thresholds, maps.thresholds, lambda o, n: ())

    old_tiers = [t.name for t in old.tiers]
    new_tiers = [t.name for t in new.tiers]

    def tier_changes(o, n):
        below_old = [maps.tiers[t] for t in old_tiers[:old_tiers.index(o)] if t in maps.tiers]
        below_new = [t for t in new_tiers[:new_tiers.index(n)] if t in maps.tiers.values()]
        if set(below_old) != set(below_new):
            yield "its place among the common tiers changed"

    sided(lambda p, n: "tier", old_tiers, new_tiers, maps.tiers, tier_changes)
    for n in new_tiers:
        if n not in maps.tiers.values():
            i = new_tiers.index(n)
            lower = new_tiers[i - 1] if i > 0 else None
            upper = new_tiers[i + 1] if i + 1 < len(new_tiers) else None
            where = (f"between {lower} and {upper}" if lower and upper else
                     f"above {lower}" if lower else f"below {upper}" if upper else "")
            if where:
                out.append(DeclChange("changed", "tier", n, f"inserted {where} in the ladder"))
    sided(lambda p, n: "assertion", [a.name for a in old.assertions], [a.name for a in new.assertions],
          maps.assertions, lambda o, n: ())
    return out


# ----------------------------------------------------------------------------- text changes

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


def text_changes(old: Policy, new: Policy, maps: _Maps) -> list[TextChange]:
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


# ----------------------------------------------------------------------------- the analysis

@dataclass
class _Maps:
    renames: dict[str, str]
    scales: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)     # every OLD variable paired by name
    shared: dict[str, str] = field(default_factory=dict)        # those sharing one Z3 constant
    scale_maps: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # old var -> index pairs
    actions: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, str] = field(default_factory=dict)
    tiers: dict[str, str] = field(default_factory=dict)
    assertions: dict[str, str] = field(default_factory=dict)


def _plan_variables(old: Policy, new: Policy, maps: _Maps) -> list[DeclChange]:
    """Decide which paired variables share one constant, which go through a scale-value map, and
    which are unrelated (different sorts, or no value both sides admit)."""
    notes: list[DeclChange] = []
    for o, n in maps.variables.items():
        a, b = old.variables[o], new.variables[n]
        if a.sort != b.sort:
            notes.append(DeclChange("changed", b.kind, n, f"sort changed ({_sort_word(a)} → {_sort_word(b)}): "
                                    "the two are compared as unrelated variables"))
            continue
        if a.sort == "int":
            va = old.scales[a.scale].values if a.scale in old.scales else ()
            vb = new.scales[b.scale].values if b.scale in new.scales else ()
            pairs = tuple((i, vb.index(maps.renames.get(v, v))) for i, v in enumerate(va)
                          if maps.renames.get(v, v) in vb and _within(a, i) and _within(b, vb.index(maps.renames.get(v, v))))
            if not pairs:
                notes.append(DeclChange("changed", b.kind, n, "no scale value is common to both sides: "
                                        "the two are compared as unrelated variables"))
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
                notes.append(DeclChange("changed", b.kind, n, "the two sides' bounds do not overlap: "
                                        "the two are compared as unrelated variables"))
                continue
        maps.shared[o] = n
    return notes


def _sort_word(v: Variable) -> str:
    return {"real": "a number", "bool": "true/false", "int": f"scale {v.scale}"}.get(v.sort, v.sort)


def _within(v: Variable, i: int) -> bool:
    return (v.lo is None or i >= v.lo) and (v.hi is None or i <= v.hi)


def _conjuncts(expr: ir.IExpr, term) -> list[tuple[ir.IExpr, Any]]:
    """Split a commitment at top-level `and`, walking the IR and its Z3 term side by side."""
    import z3
    if isinstance(expr, ir.And) and expr.args and z3.is_and(term) and term.num_args() == len(expr.args):
        out = []
        for k, sub in enumerate(expr.args):
            out.extend(_conjuncts(sub, term.arg(k)))
        return out
    return [(expr, term)]


@dataclass(frozen=True)
class _Commit:
    """One demanded commitment: requirement `req` of its policy, conjunct `part` of it."""
    req: int
    part: int
    text: str
    term: Any
    split: bool


class _Analysis:
    def __init__(self, old: Policy, new: Policy, renames: dict[str, str], timeout_ms: int, seed: int):
        import z3

        from .logic.encode import encode_state

        self.old, self.new = old, new
        self.maps = _Maps(renames)
        m = self.maps
        m.scales = _match(old.scales, new.scales, renames)
        m.variables = _match(old.variables, new.variables, renames)
        m.actions = _match(old.actions, new.actions, renames)
        m.thresholds = _match(old.thresholds, new.thresholds, renames)
        m.tiers = _match([t.name for t in old.tiers], [t.name for t in new.tiers], renames)
        m.assertions = _match([a.name for a in old.assertions], [a.name for a in new.assertions], renames)
        self.var_notes = _plan_variables(old, new, m)

        self.enc_new = encode_state(new, "new.")
        shared = {o: self.enc_new.vars[n] for o, n in m.shared.items()}
        self.enc_old = encode_state(old, "old.", shared=shared)

        base = list(self.enc_new.bounds) + list(self.enc_old.bounds)
        for o, pairs in m.scale_maps.items():
            a, b = self.enc_old.vars[o], self.enc_new.vars[m.variables[o]]
            base.append(z3.Or(*[z3.And(a == i, b == j) for i, j in pairs]))
        self.solver = z3.Solver()
        self.solver.set("random_seed", seed)
        self.solver.set("smt.random_seed", seed)
        self.timeout_ms = max(1, int(timeout_ms))
        self.solver.set("timeout", self.timeout_ms)
        self.solver.add(*base)
        self.queries = 0
        self.notes: dict[str, str] = {}
        self.changes: list[Change] = []
        self.unknowns: list[Unknown] = []
        self._implies: dict[tuple[str, int, int, int], str] = {}
        old_index = {t.name: t.index for t in old.tiers}
        new_index = {t.name: t.index for t in new.tiers}
        agree = [self.enc_old.tier_ge(old_index[o]) == self.enc_new.tier_ge(new_index[n])
                 for o, n in m.tiers.items() if old_index[o] or new_index[n]]
        self.same_tier = z3.And(*agree) if agree else None

    # ------------------------------------------------------------------ solver plumbing

    def ask(self, *constraints, need_model: bool = True) -> tuple[str, Any]:
        """("sat", model or None) | ("unsat", None) | ("unknown", reason), in a push/pop scope."""
        import z3
        self.queries += 1
        self.solver.push()
        try:
            self.solver.add(*constraints)
            try:
                verdict = self.solver.check()
            except z3.Z3Exception as exc:
                return "unknown", str(exc)
            if verdict == z3.unsat:
                return "unsat", None
            if verdict == z3.sat:
                return "sat", self._prefer_decimals(self.solver.model()) if need_model else None
            reason = self.solver.reason_unknown()
            return "unknown", ("timeout" if "timeout" in reason or reason == "canceled" else reason or "unknown")
        finally:
            self.solver.pop()

    def _prefer_decimals(self, model):
        """Within the caller's scope: pin reals the model gives as non-decimals (1/3) to nearby
        decimals when the formula allows, so witnesses read like numbers a person would write."""
        import z3
        pins = []
        for consts in (self.enc_new.vars, self.enc_old.vars):
            for const in consts.values():
                if not z3.is_real(const):
                    continue
                value = model.eval(const, model_completion=True)
                if not z3.is_rational_value(value):
                    continue
                q = Fraction(value.numerator_as_long(), value.denominator_as_long())
                if is_finite_decimal(q):
                    continue
                for places in (0, 1, 2, 3, 6):
                    scale = 10 ** places
                    found = False
                    for cand in {Fraction(int(q * scale), scale), Fraction(int(q * scale) + 1, scale)}:
                        pin = const == z3.RealVal(f"{cand.numerator}/{cand.denominator}")
                        self.solver.push()
                        try:
                            self.solver.add(*pins, pin)
                            self.solver.set("timeout", min(self.timeout_ms, 1000))
                            if self.solver.check() == z3.sat:
                                model, found = self.solver.model(), True
                                pins.append(pin)
                        except z3.Z3Exception:
                            pass
                        finally:
                            self.solver.set("timeout", self.timeout_ms)
                            self.solver.pop()
                        if found:
                            break
                    if found:
                        break
        return model

    def find(self, formula) -> tuple[str, Any]:
        """Like ask, but when a witness exists prefer one where both policies agree on the tier,
        so a permission or requirement change is shown apart from any tier change behind it."""
        if self.same_tier is None:
            return self.ask(formula)
        status, _ = self.ask(formula, need_model=False)
        if status != "sat":
            return status, _
        status2, found = self.ask(formula, self.same_tier)
        return ("sat", found) if status2 == "sat" else self.ask(formula)

    # ------------------------------------------------------------------ witnesses

    def states(self, model):
        """The witness: each policy's projection (validated as `rspdsl eval` would), their union,
        and both decisions."""
        old_state = state_to_json(self.old, self.enc_old.read(model))
        new_state = state_to_json(self.new, self.enc_new.read(model))
        try:
            old_values = read_state(self.old, old_state, origin="OLD witness")
            new_values = read_state(self.new, new_state, origin="NEW witness")
        except Exception as exc:  # a witness outside the bounds is a bug, not bad input
            raise InternalError(f"the solver's witness is not a valid state: {exc}") from exc
        for o, pairs in self.maps.scale_maps.items():
            if (old_values[o], new_values[self.maps.variables[o]]) not in pairs:
                raise InternalError(f"the witness maps scale variable `{o}` inconsistently")
        union = dict(new_state)
        self.notes = {}
        paired = {o: n for o, n in self.maps.variables.items()
                  if o in self.maps.shared or o in self.maps.scale_maps}
        for o, n in paired.items():
            if o != n:
                self.notes[n] = f"OLD: {o}"
            elif o in self.maps.scale_maps and old_state[o] != new_state[n]:
                self.notes[n] = f"OLD: {old_state[o]}"
        for n in new_state:
            if n not in paired.values():
                self.notes[n] = "NEW only"
        for name, value in old_state.items():
            if name in paired:
                continue
            key = name if name not in union else f"{name}@old"
            union[key] = value
            self.notes[key] = "OLD only"
        return (old_state, new_state, union,
                # replayed by the definitional evaluator, the oracle
                interpret.decide(self.old, old_values), interpret.decide(self.new, new_values))

    def where(self, policy: Policy, span: Span) -> str:
        return f"{policy.source.path}:{span.line}:{span.column}"

    def permission_text(self, policy: Policy, decision, action: str) -> tuple[str, tuple[str, Span] | None]:
        allowed = decision.allowed[action]
        rule = decision.decided_by[action]
        verb = "allows" if allowed else "forbids"
        if rule is not None:
            return (f"{verb} {action} ({rule.effect} at {self.where(policy, rule.span)})",
                    (policy.source.path, rule.span))
        why = "default permit" if policy.actions[action].default_permit else "no permit holds; default deny"
        return f"{verb} {action} ({why})", (policy.source.path, policy.actions[action].span)

    def add(self, change: Change) -> None:
        self.changes.append(replace(change, notes=dict(self.notes)))

    def unknown(self, aspect: str, subject: str, question: str, reason: str) -> None:
        self.unknowns.append(Unknown(aspect, subject, question, reason))

    def witness(self, answer: tuple[str, Any], aspect: str, subject: str, question: str):
        """The replayed states of a solver answer (see states()), or None: when there is no
        witness (unsat), or when the solver could not tell (recorded as an open question)."""
        status, found = answer
        if status == "unknown":
            self.unknown(aspect, subject, question, found)
            return None
        if status == "unsat":
            return None
        return self.states(found)

    # ------------------------------------------------------------------ tier

    def tiers(self) -> None:
        import z3
        old_index = {t.name: t.index for t in self.old.tiers}
        new_index = {t.name: t.index for t in self.new.tiers}
        for o, n in self.maps.tiers.items():
            i, j = old_index[o], new_index[n]
            if i == 0 and j == 0:
                continue
            label = n if o == n else f"{n} (OLD: {o})"
            for kind, formula in ((WEAKENING, z3.And(self.enc_old.tier_ge(i), z3.Not(self.enc_new.tier_ge(j)))),
                                  (STRENGTHENING, z3.And(self.enc_new.tier_ge(j), z3.Not(self.enc_old.tier_ge(i))))):
                found = self.witness(self.ask(formula), "tier", f"tier {n}",
                                     f"does NEW place a state {'below' if kind == WEAKENING else 'at or above'} "
                                     f"{label} where OLD does not?")
                if found is None:
                    continue
                old_state, new_state, union, d_old, d_new = found
                lower, higher = (d_new.tier < j and d_old.tier >= i), (d_new.tier >= j and d_old.tier < i)
                if not (lower if kind == WEAKENING else higher):
                    raise InternalError(f"tier {n}: the evaluator does not confirm the witness "
                                             f"(OLD tier {d_old.tier}, NEW tier {d_new.tier})")
                t_old, t_new = self.old.tiers[d_old.tier], self.new.tiers[d_new.tier]
                if kind == WEAKENING:
                    msg = f"NEW places a state below {label} (at {t_new.name}) that OLD places at {t_old.name}"
                else:
                    msg = f"NEW places a state at {t_new.name} (at or above {label}) that OLD places at {t_old.name}"
                self.add(Change(
                    kind, "tier", None, f"tier {n}", msg, union,
                    Side(old_state, t_old.name, "", (self.old.source.path, t_old.span)),
                    Side(new_state, t_new.name, "", (self.new.source.path, t_new.span))))

    # ------------------------------------------------------------------ permission

    def permission(self, o: str, n: str) -> None:
        import z3
        a_old, a_new = self.enc_old.allowed[o], self.enc_new.allowed[n]
        label = n if o == n else f"{n} (OLD: {o})"
        for kind, formula in ((WEAKENING, z3.And(z3.Not(a_old), a_new)),
                              (STRENGTHENING, z3.And(a_old, z3.Not(a_new)))):
            found = self.witness(self.find(formula), "permission", n,
                                 f"does NEW {'allow' if kind == WEAKENING else 'forbid'} {label} "
                                 f"where OLD {'forbids' if kind == WEAKENING else 'allows'} it?")
            if found is None:
                continue
            old_state, new_state, union, d_old, d_new = found
            want = (False, True) if kind == WEAKENING else (True, False)
            if (d_old.allowed[o], d_new.allowed[n]) != want:
                raise InternalError(f"permission {n}: the evaluator does not confirm the witness "
                                         f"(OLD allowed={d_old.allowed[o]}, NEW allowed={d_new.allowed[n]})")
            text_old, loc_old = self.permission_text(self.old, d_old, o)
            text_new, loc_new = self.permission_text(self.new, d_new, n)
            msg = (f"NEW allows {label} where OLD forbids it" if kind == WEAKENING
                   else f"NEW forbids {label} where OLD allows it")
            self.add(Change(
                kind, "permission", n, n, msg, union,
                Side(old_state, self.old.tiers[d_old.tier].name, text_old, loc_old),
                Side(new_state, self.new.tiers[d_new.tier].name, text_new, loc_new)))

    # ------------------------------------------------------------------ requirement

    def commitments(self, policy: Policy, enc, action: str) -> list[_Commit]:
        out = []
        for req in policy.requirements_for(action):
            parts = _conjuncts(req.commitment, enc.met[req.index])
            split = len(parts) > 1
            for k, (expr, term) in enumerate(parts):
                out.append(_Commit(req.index, k, show_expr(expr, policy) if split else req.text, term, split))
        return out

    def implies(self, side: str, j: int, term_j, c: _Commit) -> str:
        """'yes' | 'no' | 'unknown': does commitment j (of the other side) imply c for all values?"""
        import z3
        key = (side, j, c.req, c.part)
        if key not in self._implies:
            if term_j.eq(c.term):
                self._implies[key] = "yes"
            else:
                status, reason = self.ask(term_j, z3.Not(c.term), need_model=False)
                self._implies[key] = {"unsat": "yes", "sat": "no"}.get(status, "unknown")
                if status == "unknown":
                    self.unknown("requirement", c.text, f"does a commitment of the other revision imply "
                                 f"`{c.text}` for every value?", str(reason))
        return self._implies[key]

    def requirement(self, o: str, n: str) -> None:
        import z3
        label = n if o == n else f"{n} (OLD: {o})"
        sides = ((WEAKENING, self.old, self.enc_old, o, self.new, self.enc_new, n),
                 (STRENGTHENING, self.new, self.enc_new, n, self.old, self.enc_old, o))
        for kind, p_has, e_has, a_has, p_other, e_other, a_other in sides:
            other_reqs = [r.index for r in p_other.requirements_for(a_other)]
            for c in self.commitments(p_has, e_has, a_has):
                # the other side's requirements whose commitment implies c (unknown counts as implying:
                # no false alarm, and the open question is reported)
                covering = [j for j in other_reqs
                            if self.implies(kind, j, e_other.met[j], c) != "no"]
                formula = z3.And(e_has.active(a_has, c.req),
                                 *[z3.Not(e_other.active(a_other, j)) for j in covering])
                found = self.witness(self.find(formula), "requirement", n,
                                     f"does {'NEW' if kind == WEAKENING else 'OLD'} demand `{c.text}` for "
                                     f"{label} wherever {'OLD' if kind == WEAKENING else 'NEW'} does?")
                if found is None:
                    continue
                req = p_has.requirements[c.req]
                old_state, new_state, union, d_old, d_new = found
                d_has, d_other = (d_old, d_new) if kind == WEAKENING else (d_new, d_old)
                if c.req not in d_has.active[a_has] or any(j in covering for j in d_other.active[a_other]):
                    raise InternalError(f"requirement `{c.text}` for {n}: the evaluator does not confirm "
                                             "the witness")
                where = self.where(p_has, req.span)
                if kind == WEAKENING:
                    msg = f"OLD requires `{c.text}` for {label} here ({where}); NEW no longer demands it"
                    old_out, new_out = f"requires `{c.text}` ({where})", "does not demand it"
                else:
                    msg = f"NEW requires `{c.text}` for {label} here ({where}); OLD did not demand it"
                    old_out, new_out = "does not demand it", f"requires `{c.text}` ({where})"
                loc = (p_has.source.path, req.span)
                self.add(Change(
                    kind, "requirement", n, n, msg, union,
                    Side(old_state, self.old.tiers[d_old.tier].name, old_out, loc if kind == WEAKENING else None),
                    Side(new_state, self.new.tiers[d_new.tier].name, new_out, loc if kind != WEAKENING else None),
                    detail=c.text))

    # ------------------------------------------------------------------ declarations with meaning

    def semantic_decl_notes(self) -> list[DeclChange]:
        """Thresholds and assertions present in both whose meaning changed (informational)."""
        import z3
        out = []
        pairs = [("threshold", o, n, self.enc_old.thresholds[o], self.enc_new.thresholds[n])
                 for o, n in self.maps.thresholds.items()]
        pairs += [("assertion", o, n, self.enc_old.assertions[o], self.enc_new.assertions[n])
                  for o, n in self.maps.assertions.items()]
        for entity, _o, n, a, b in pairs:
            if a.eq(b):
                continue
            more, _ = self.ask(b, z3.Not(a), need_model=False)
            fewer, _ = self.ask(a, z3.Not(b), need_model=False)
            if "unknown" in (more, fewer):
                out.append(DeclChange("changed", entity, n, "may hold in different states (solver gave up)"))
            elif more == "sat" and fewer == "sat":
                out.append(DeclChange("changed", entity, n, "now holds in different states"))
            elif more == "sat":
                out.append(DeclChange("changed", entity, n, "now holds in more states"))
            elif fewer == "sat":
                out.append(DeclChange("changed", entity, n, "now holds in fewer states"))
        return out

    def run(self) -> tuple[list[Change], list[DeclChange]]:
        import z3
        status, _ = self.ask(z3.BoolVal(True), need_model=False)
        if status == "unsat":  # cannot happen after _plan_variables; kept as a guard
            raise InternalError("no state lies within both policies' bounds")
        self.tiers()
        for o, n in self.maps.actions.items():
            self.permission(o, n)
            self.requirement(o, n)
        decls = _declaration_changes(self.old, self.new, self.maps, self.var_notes) + self.semantic_decl_notes()
        return self.changes, decls


def _order_key(change: Change, action_order: dict[str, int]) -> tuple:
    aspect = {"tier": 0, "permission": 1, "requirement": 2}[change.aspect]
    return (0 if change.aspect == "tier" else 1, action_order.get(change.action or "", -1), aspect,
            0 if change.kind == WEAKENING else 1)


def diff_policies(old: Policy, new: Policy, *, renames: dict[str, str] | None = None,
                  timeout_ms: int = 10_000, seed: int = 0) -> DiffReport:
    """The semantic difference OLD → NEW. Raises DiffError for a rename naming an unknown entity."""
    start = time.perf_counter()
    renames = dict(renames or {})
    _check_renames(old, new, renames)
    with room_for(old, new):  # messages print expressions recursively: a long `implies` chain is deep
        analysis = _Analysis(old, new, renames, timeout_ms, seed)
        changes, decls = analysis.run()
        order = {name: i for i, name in enumerate(new.actions)}
        changes = sorted(changes, key=lambda c: _order_key(c, order))
        texts = text_changes(old, new, analysis.maps)
    return DiffReport(old_path=old.source.path, new_path=new.source.path, old_title=old.title,
                      new_title=new.title, changes=tuple(changes), declarations=tuple(decls),
                      unknowns=tuple(analysis.unknowns), text_changes=tuple(texts),
                      seconds=time.perf_counter() - start, queries=analysis.queries)
