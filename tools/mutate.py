"""Mutation testing for policies: does `rspdsl check` notice when a policy is quietly weakened?

    .venv/bin/python tools/mutate.py policies/*.rsp                  # tables + surviving mutants
    .venv/bin/python tools/mutate.py --json policies/*.rsp           # the same as JSON
    .venv/bin/python tools/mutate.py --limit 40 --seed 1 FILE        # a seeded sample per policy

A mutant is the policy with one small edit to its AST (see OPERATORS; docs/mutation.md explains
each). Assertions are never mutated: they are the "tests" the mutants are checked against. Each
mutant is formatted back to text and run through the same front end and verifier as the original:

- invalid    the front end rejects the mutant (not counted as a kill);
- killed     some verdict differs from the original's: a new violation (a proved or new obligation
             now violated), an assertion whose verdict changed, or a violated obligation now proved.
             Results are compared by group (see group_of), and a group that only loses results
             (a dropped requirement takes its own obligations along) is no difference;
- undecided  the only differences involve "unknown" results;
- equivalent every verdict equals the original's and `rspdsl diff` finds the two policies equivalent
             (same permissions, tiers and demanded commitments in every state);
- survived   every verdict equals the original's but the policy means something else: a weakening
             (or strengthening) no assertion or built-in property notices;
- error      the verifier or differ raised: a bug in rspdsl, reported loudly.

The kill rate is killed / (killed + survived): invalid, equivalent, undecided and error mutants are
left out of the denominator.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

if __package__ in (None, ""):  # run as a script from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rspdsl.frontend import load_text  # noqa: E402
from rspdsl.syntax import ast  # noqa: E402
from rspdsl.syntax.format import format_expr, format_module  # noqa: E402

OPERATORS = ("flip-compare", "relax-constant", "drop-require", "drop-commitment", "weaken-forbid",
             "drop-not", "swap-and-or", "drop-action", "default-permit",
             # language v2's own forms: how binding, by when, who decides
             "soften-require", "drop-gate", "relax-duty", "drop-duty", "widen-waive", "authority-internal")
VERDICTS = ("killed", "survived", "equivalent", "invalid", "undecided", "error")

NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}

# Polarity of an expression position: +1 when making it true more often weakens the policy (a
# commitment, a permit condition), -1 when it strengthens it (a threshold, a tier or `when`
# condition, a forbid condition), 0 when unknown (inside arithmetic, `==`, `max`).
WEAKER_IF_TRUER, STRONGER_IF_TRUER, UNKNOWN = 1, -1, 0


@dataclass(frozen=True)
class Mutant:
    operator: str
    line: int
    column: int
    description: str
    module: ast.Module = field(repr=False)
    # for edits inside a `require`: where its commitments start (its `mitigations` results point
    # there), and the action a drop-action removes
    scope: tuple[tuple[int, int], ...] = ()
    scope_action: str | None = None

    @property
    def location(self) -> str:
        return f"{self.line}:{self.column}"

    @property
    def text(self) -> str:
        return format_module(self.module)


# ------------------------------------------------------------------------ expression positions

Rebuild = Callable[[ast.Expr], ast.Expr]


def _identity(e: ast.Expr) -> ast.Expr:
    return e


def _children(e: ast.Expr, pol: int) -> list[tuple[ast.Expr, int, Rebuild]]:
    """Each direct subexpression with its polarity and how to put a replacement back."""
    if isinstance(e, ast.Unary):
        return [(e.operand, -pol if e.op == "not" else UNKNOWN, lambda x: replace(e, operand=x))]
    if isinstance(e, ast.Binary):
        if e.op in ("and", "or"):
            lp = rp = pol
        elif e.op == "implies":
            lp, rp = -pol, pol
        else:
            lp = rp = UNKNOWN
        return [(e.left, lp, lambda x: replace(e, left=x)), (e.right, rp, lambda x: replace(e, right=x))]
    if isinstance(e, ast.Compare):
        return [(o, UNKNOWN, lambda x, k=k: replace(e, operands=_put(e.operands, k, x)))
                for k, o in enumerate(e.operands)]
    if isinstance(e, ast.Call):
        return [(a, UNKNOWN, lambda x, k=k: replace(e, args=_put(e.args, k, x))) for k, a in enumerate(e.args)]
    return []


def _put(items: tuple, k: int, x) -> tuple:
    return items[:k] + (x,) + items[k + 1:]


def _positions(e: ast.Expr, pol: int) -> Iterator[tuple[ast.Expr, int, Rebuild]]:
    """Every subexpression (pre-order, so enumeration is deterministic) with polarity and rebuild."""
    yield e, pol, _identity
    for child, cpol, put in _children(e, pol):
        for node, npol, rebuild in _positions(child, cpol):
            yield node, npol, (lambda x, put=put, rebuild=rebuild: put(rebuild(x)))


def _flatten(e: ast.Expr, op: str) -> list[ast.Expr]:
    if isinstance(e, ast.Binary) and e.op == op:
        return _flatten(e.left, op) + _flatten(e.right, op)
    return [e]


def _join(parts: Sequence[ast.Expr], op: str) -> ast.Expr:
    out = parts[0]
    for p in parts[1:]:
        out = ast.Binary(op, out, p)
    return out


def _show(e: ast.Expr) -> str:
    text = format_expr(e)
    return text if len(text) <= 70 else text[:67] + "..."


# ------------------------------------------------------------------------ expression operators

@dataclass(frozen=True)
class _Levels:
    """Ordered names a comparison can move along: tier names, and each scale's values."""
    tiers: tuple[str, ...]
    scales: dict[str, tuple[str, ...]]   # value name -> its scale's values

    @staticmethod
    def of(module: ast.Module) -> _Levels:
        tiers = tuple(d.name.name for d in module.declarations if isinstance(d, ast.TierDecl))
        scales: dict[str, tuple[str, ...]] = {}
        for d in module.declarations:
            if isinstance(d, ast.ScaleDecl):
                values = tuple(v.name for v in d.values)
                for v in values:
                    scales.setdefault(v, values)
        return _Levels(tiers, scales)

    def ladder(self, cmp: ast.Compare, k: int) -> tuple[str, ...] | None:
        name = cmp.operands[k]
        if not isinstance(name, ast.Name):
            return None
        neighbours = [cmp.operands[j] for j in (k - 1, k + 1) if 0 <= j < len(cmp.operands)]
        if any(isinstance(n, ast.TierRef) for n in neighbours) and name.name in self.tiers:
            return self.tiers
        return self.scales.get(name.name)


def _truer_when_raised(ops: tuple[str, ...], k: int) -> int:
    """+1 if raising operand k makes the comparison true more often, -1 if lowering does, 0 if unclear."""
    signs = set()
    if k > 0:       # `a OP c`
        signs.add({"<": 1, "<=": 1, ">": -1, ">=": -1}.get(ops[k - 1], 0))
    if k < len(ops):  # `c OP b`
        signs.add({"<": -1, "<=": -1, ">": 1, ">=": 1}.get(ops[k], 0))
    return signs.pop() if len(signs) == 1 else 0


def _moved_number(v: Fraction, up: bool) -> Fraction:
    """Halve or double towards the requested side; 0 moves by one."""
    if v == 0:
        return Fraction(1 if up else -1)
    grows = (v > 0) == up
    return v * 2 if grows else v / 2


def _flip_compare(e: ast.Expr, pol: int, levels: _Levels) -> Iterator[tuple[str, ast.Expr, str]]:
    if not isinstance(e, ast.Compare):
        return
    for i, op in enumerate(e.ops):
        new = replace(e, ops=_put(e.ops, i, NEGATED[op]))
        yield "flip-compare", new, f"`{_show(e)}` -> `{_show(new)}`"


def _relax_constant(e: ast.Expr, pol: int, levels: _Levels) -> Iterator[tuple[str, ast.Expr, str]]:
    if not isinstance(e, ast.Compare):
        return
    for k, operand in enumerate(e.operands):
        ladder = levels.ladder(e, k)
        if not isinstance(operand, ast.Num) and ladder is None:
            continue
        raised = _truer_when_raised(e.ops, k)
        if pol != UNKNOWN and raised != 0:
            directions, why = [raised * pol > 0], "towards weaker"
        else:
            directions, why = [True, False], "polarity unknown: both ways"
        for up in directions:
            if isinstance(operand, ast.Num):
                moved: ast.Expr = ast.Num(_moved_number(operand.value, up), "", operand.span)
            else:
                assert ladder is not None and isinstance(operand, ast.Name)
                j = ladder.index(operand.name) + (1 if up else -1)
                if not 0 <= j < len(ladder):
                    continue
                moved = ast.Name(ladder[j], operand.span)
            new = replace(e, operands=_put(e.operands, k, moved))
            yield "relax-constant", new, f"`{_show(e)}` -> `{_show(new)}` ({why})"


def _drop_not(e: ast.Expr, pol: int, levels: _Levels) -> Iterator[tuple[str, ast.Expr, str]]:
    if isinstance(e, ast.Unary) and e.op == "not":
        yield "drop-not", e.operand, f"`{_show(e)}` -> `{_show(e.operand)}`"


def _swap_and_or(e: ast.Expr, pol: int, levels: _Levels) -> Iterator[tuple[str, ast.Expr, str]]:
    if isinstance(e, ast.Binary) and e.op in ("and", "or"):
        new = replace(e, op="or" if e.op == "and" else "and")
        yield "swap-and-or", new, f"`{e.op}` -> `{new.op}` in `{_show(e)}`"


def _drop_gate(e: ast.Expr, pol: int, levels: _Levels) -> Iterator[tuple[str, ast.Expr, str]]:
    """`overdue(D)` -> `false`: the rule, threshold or requirement no longer reads the duty's clock."""
    if isinstance(e, ast.History) and e.func == "overdue":
        yield "drop-gate", ast.BoolLit(False, e.span), f"`{_show(e)}` -> `false`"


_EXPR_OPERATORS = (_flip_compare, _relax_constant, _drop_not, _swap_and_or, _drop_gate)


def _expr_mutants(expr: ast.Expr, pol: int, levels: _Levels, where: str,
                  put: Callable[[ast.Expr], ast.Module]) -> Iterator[Mutant]:
    for node, npol, rebuild in _positions(expr, pol):
        for mutate in _EXPR_OPERATORS:
            for operator, new, description in mutate(node, npol, levels):
                span = node.span
                yield Mutant(operator, span.line, span.column, f"{where}: {description}", put(rebuild(new)))


# ------------------------------------------------------------------------ declaration operators

def _require_mutants(req: ast.RequireDecl, levels: _Levels, where: str,
                     put: Callable[[ast.RequireDecl | None], ast.Module]) -> Iterator[Mutant]:
    scope = tuple((c.span.line, c.span.column) for c in req.commitments)
    for m in _require_edits(req, levels, where, put):
        yield replace(m, scope=scope)


def _require_edits(req: ast.RequireDecl, levels: _Levels, where: str,
                   put: Callable[[ast.RequireDecl | None], ast.Module]) -> Iterator[Mutant]:
    line, col = req.span.line, req.span.column
    head = ", ".join(_show(c) for c in req.commitments)
    yield Mutant("drop-require", line, col, f"{where}: drop `{req.force} {head}`", put(None))
    if req.force == "require":
        yield Mutant("soften-require", line, col, f"{where}: `require {head}` -> `recommend`",
                     put(replace(req, force="recommend")))
    if len(req.commitments) > 1:
        for k, c in enumerate(req.commitments):
            rest = req.commitments[:k] + req.commitments[k + 1:]
            yield Mutant("drop-commitment", c.span.line, c.span.column,
                         f"{where}: drop commitment `{_show(c)}`", put(replace(req, commitments=rest)))
    for k, c in enumerate(req.commitments):
        parts = _flatten(c, "and")
        for j, part in enumerate(parts) if len(parts) > 1 else ():
            kept = _join(parts[:j] + parts[j + 1:], "and")
            yield Mutant("drop-commitment", part.span.line, part.span.column,
                         f"{where}: drop conjunct `{_show(part)}` of `{_show(c)}`",
                         put(replace(req, commitments=_put(req.commitments, k, kept))))
    if req.actions is not None and len(req.actions) > 1:
        for k, a in enumerate(req.actions):
            rest = req.actions[:k] + req.actions[k + 1:]
            yield Mutant("drop-action", a.span.line, a.span.column,
                         f"{where}: drop `{a.name}` from `for` list", put(replace(req, actions=rest)),
                         scope_action=a.name)
    for k, c in enumerate(req.commitments):
        yield from _expr_mutants(c, WEAKER_IF_TRUER, levels, f"{where} commitment",
                                 lambda x, k=k: put(replace(req, commitments=_put(req.commitments, k, x))))
    if req.condition is not None:
        yield from _expr_mutants(req.condition, STRONGER_IF_TRUER, levels, f"{where} `when`",
                                 lambda x: put(replace(req, condition=x)))


def _forbid_mutants(rule: ast.RuleDecl, where: str,
                    put: Callable[[ast.RuleDecl | None], ast.Module]) -> Iterator[Mutant]:
    line, col = rule.span.line, rule.span.column
    yield Mutant("weaken-forbid", line, col, f"{where}: drop the rule", put(None))
    false = ast.BoolLit(False)
    dead = false if rule.condition is None else ast.Binary("and", rule.condition, false)
    yield Mutant("weaken-forbid", line, col, f"{where}: conjoin `and false`", put(replace(rule, condition=dead)))
    if rule.condition is None:
        return
    for op, word in (("and", "conjunct (widens the forbid)"), ("or", "disjunct")):
        parts = _flatten(rule.condition, op)
        for j, part in enumerate(parts) if len(parts) > 1 else ():
            kept = _join(parts[:j] + parts[j + 1:], op)
            yield Mutant("weaken-forbid", part.span.line, part.span.column,
                         f"{where}: drop {word} `{_show(part)}`", put(replace(rule, condition=kept)))


def enumerate_mutants(module: ast.Module) -> list[Mutant]:
    """Every mutant of the module, in declaration order, without duplicates or no-op edits."""
    levels = _Levels.of(module)
    decls = module.declarations

    def at(i: int) -> Callable[[ast.Decl | None], ast.Module]:
        def put(d: ast.Decl | None) -> ast.Module:
            new = decls[:i] + ((d,) if d is not None else ()) + decls[i + 1:]
            return replace(module, declarations=new)
        return put

    def generated() -> Iterator[Mutant]:
        for i, d in enumerate(decls):
            put = at(i)
            if isinstance(d, ast.ActionDecl) and d.default != "permit":
                yield Mutant("default-permit", d.span.line, d.span.column,
                             f"action {d.name.name}: default deny -> default permit",
                             put(replace(d, default="permit")))
            elif isinstance(d, ast.ThresholdDecl):
                yield from _expr_mutants(d.condition, STRONGER_IF_TRUER, levels, f"threshold {d.name.name}",
                                         lambda x, d=d, put=put: put(replace(d, condition=x)))
            elif isinstance(d, ast.TierDecl):
                yield from _tier_mutants(d, levels, put)
            elif isinstance(d, ast.RuleDecl):
                where = f"{d.effect} {d.action.name}"
                if d.effect == "forbid":
                    yield from _forbid_mutants(d, where, put)
                if d.condition is not None:
                    pol = WEAKER_IF_TRUER if d.effect == "permit" else STRONGER_IF_TRUER
                    yield from _expr_mutants(d.condition, pol, levels, where,
                                             lambda x, d=d, put=put: put(replace(d, condition=x)))
            elif isinstance(d, ast.RequireDecl):
                yield from _require_mutants(d, levels, "require", put)
            elif isinstance(d, ast.DutyDecl):
                yield from _duty_mutants(d, put)
            elif isinstance(d, ast.WaiveDecl):
                yield from _waive_mutants(d, levels, put)
            elif isinstance(d, ast.AuthorityDecl) and d.standing == "external":
                yield Mutant("authority-internal", d.span.line, d.span.column,
                             f"authority {d.name.name}: external -> internal", put(replace(d, standing="internal")))

    seen = {format_module(module)}
    out = []
    for m in generated():
        text = m.text
        if text not in seen:
            seen.add(text)
            out.append(m)
    return out


def _duty_mutants(duty: ast.DutyDecl, put: Callable[[ast.Decl | None], ast.Module]) -> Iterator[Mutant]:
    name, line, col = duty.name.name, duty.span.line, duty.span.column
    doubled = ast.Num(duty.days.value * 2, "", duty.days.span)
    yield Mutant("relax-duty", duty.days.span.line, duty.days.span.column,
                 f"duty {name}: {format_expr(duty.days)} days -> {format_expr(doubled)}",
                 put(replace(duty, days=doubled)))
    yield Mutant("drop-duty", line, col, f"duty {name}: dropped", put(None))


def _waive_mutants(waiver: ast.WaiveDecl, levels: _Levels,
                   put: Callable[[ast.Decl | None], ast.Module]) -> Iterator[Mutant]:
    head = ", ".join(_show(c) for c in waiver.commitments)
    where = f"waive {head}"
    always = ast.BoolLit(True, waiver.condition.span)
    yield Mutant("widen-waive", waiver.span.line, waiver.span.column, f"{where}: `when` -> `when true`",
                 put(replace(waiver, condition=always)))
    # a waiver that holds more often lifts more: its condition is weaker-if-truer
    yield from _expr_mutants(waiver.condition, WEAKER_IF_TRUER, levels, f"{where} `when`",
                             lambda x: put(replace(waiver, condition=x)))


def _tier_mutants(tier: ast.TierDecl, levels: _Levels,
                  put: Callable[[ast.Decl | None], ast.Module]) -> Iterator[Mutant]:
    name = tier.name.name
    if tier.condition is not None:
        yield from _expr_mutants(tier.condition, STRONGER_IF_TRUER, levels, f"tier {name}",
                                 lambda x: put(replace(tier, condition=x)))
    for j, req in enumerate(tier.requirements):
        def put_req(r: ast.RequireDecl | None, j: int = j) -> ast.Module:
            reqs = tier.requirements[:j] + ((r,) if r is not None else ()) + tier.requirements[j + 1:]
            return put(replace(tier, requirements=reqs))
        yield from _require_mutants(req, levels, f"tier {name} require", put_req)


# ------------------------------------------------------------------------ classification

Verdicts = dict[tuple[str, str], Counter]   # (property, group) -> how many results of each status

_LINE_SUFFIX = re.compile(r"( \((tier [^()]+|top level)\))?( #\d+)?$")  # what tells duplicates apart


def group_of(prop: str, subject: str) -> str:
    """What a result is about, stable across mutants. Subjects tell like rules apart by ordinal
    (`forbid deploy #2`) and requirements by commitment text, and a mutant that drops a rule or
    edits a commitment changes those, so results are compared by group: per action for `mitigations`, all requirements together for their
    reachability, and by name (tier, threshold, action, assertion) otherwise."""
    subject = _LINE_SUFFIX.sub("", subject)
    if prop == "mitigations":
        return subject.split(":", 1)[0]
    if prop == "reachability" and subject.startswith("require "):
        return "require"
    return subject


def verdicts_of(policy, *, timeout_ms: int, seed: int) -> Verdicts:
    from rspdsl.logic.prover import verify
    return verdicts_from(verify(policy, timeout_ms=timeout_ms, seed=seed))


def verdicts_from(report) -> Verdicts:
    out: Verdicts = {}
    for r in report.results:
        # a recommendation's `mitigations` results (warnings) are told apart from a requirement's
        # (errors): a commitment turned advisory (`soften-require`) that was unenforced is
        # reported anew, as advice, which is a difference `check` shows
        prop = "advice" if r.property == "mitigations" and r.severity.value == "warning" else r.property
        out.setdefault((prop, group_of(r.property, r.subject)), Counter())[r.status] += 1
    return out


Enforcement = dict[tuple[int, int], dict[str, str]]   # commitment position -> action -> status


def enforcement_of(report) -> Enforcement:
    """Each requirement's `mitigations` verdicts, by where its commitment starts and by action."""
    out: Enforcement = {}
    for r in report.results:
        if r.property == "mitigations" and r.locations:
            span = r.locations[0].span
            out.setdefault((span.line, span.column), {})[r.subject.split(":", 1)[0]] = r.status
    return out


def already_unenforced(mutant: Mutant, enforcement: Enforcement) -> bool:
    """True when the mutant edits a requirement the original's check already reports as not
    enforced for every action it touches: a further weakening there has nothing left to break."""
    statuses = [status for pos in mutant.scope for action, status in enforcement.get(pos, {}).items()
                if mutant.scope_action in (None, action)]
    return bool(statuses) and all(s == "violated" for s in statuses)


def _tally(c: Counter) -> str:
    return ", ".join(f"{c[s]} {s}" for s in ("proved", "violated", "unknown") if c[s]) or "none"


def differences(original: Verdicts, mutant: Verdicts) -> tuple[list[str], list[str]]:
    """(decided differences, differences involving "unknown"), group by group. A group reports
    something new when it has more violations than before, when a violation turned into a proof
    (fewer violations, more proofs), or, for an assertion, when its verdict changed. A group that only
    loses results is no difference: a dropped requirement takes its own obligation with it and
    nothing is reported."""
    decided, unknown = [], []
    for key, m in mutant.items():
        o = original.get(key, Counter())
        if m == o:
            continue
        label = f"{key[0]} {key[1]}: {_tally(o)} -> {_tally(m)}"
        if m["unknown"] != o["unknown"]:
            unknown.append(label)
        elif key[0].startswith("assert:"):
            if o:
                decided.append(label)
        elif m["violated"] > o["violated"] or (m["violated"] < o["violated"] and m["proved"] > o["proved"]):
            decided.append(label)
    return decided, unknown


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    verdict: str
    reasons: tuple[str, ...] = ()
    direction: str | None = None    # `rspdsl diff` ORIGINAL -> MUTANT: weaker | stronger | incomparable | ...
    vanished: tuple[str, ...] = ()  # result groups that only lost results (not a kill: nothing is reported)
    unenforced: bool = False        # inside a requirement the original already reports unenforced

    def to_json(self) -> dict:
        m = self.mutant
        return {"operator": m.operator, "location": m.location, "description": m.description,
                "verdict": self.verdict, "direction": self.direction, "reasons": list(self.reasons),
                "vanished": list(self.vanished), "in_unenforced_requirement": self.unenforced}


def classify(mutant: Mutant, original_policy, original: Verdicts, *, path: str = "<mutant>",
             timeout_ms: int = 10_000, seed: int = 0, enforcement: Enforcement | None = None) -> Outcome:
    from rspdsl.analyses.diff import diff_policies

    loaded = load_text(mutant.text, path)
    if not loaded.ok:
        first = next((d for d in loaded.diagnostics if d.is_error), None)
        return Outcome(mutant, "invalid", (f"{first.code}: {first.message}",) if first else ())
    try:
        verdicts = verdicts_of(loaded.policy, timeout_ms=timeout_ms, seed=seed)
    except Exception as exc:  # a crash of the verifier on a valid policy is a bug in rspdsl: report it
        return Outcome(mutant, "error", (f"verify raised {type(exc).__name__}: {exc}",))
    try:  # the direction of every valid mutant, killed or not, so the rates can be split by it
        direction = diff_policies(original_policy, loaded.policy, timeout_ms=timeout_ms, seed=seed).verdict
    except Exception as exc:
        return Outcome(mutant, "error", (f"diff raised {type(exc).__name__}: {exc}",))
    decided, unknown = differences(original, verdicts)
    vanished = tuple(f"{p} {g}: {_tally(c)} -> {_tally(verdicts.get((p, g), Counter()))}"
                     for (p, g), c in original.items() if verdicts.get((p, g), Counter()).total() < c.total())
    if decided:
        verdict = "killed"
    elif unknown:
        verdict = "undecided"
    elif direction == "equivalent":
        verdict = "equivalent"
    else:
        verdict = "survived"
    unenforced = already_unenforced(mutant, enforcement or {})
    return Outcome(mutant, verdict, tuple(decided or unknown), direction, vanished, unenforced)


WEAKENING = ("weaker", "incomparable")


def _kind(reason: str) -> str:
    """"assert" for an assertion's verdict, else the built-in property's id."""
    prop = reason.split(" ", 1)[0]
    return "assert" if prop.startswith("assert:") else prop


def kill_rate(counts: Counter, prefix: str = "") -> float | None:
    """killed / (killed + survived); prefix "weakening_" restricts it to weakening mutants."""
    killed, survived = counts[prefix + "killed"], counts[prefix + "survived"]
    return killed / (killed + survived) if killed + survived else None


@dataclass
class PolicyRun:
    path: str
    total: int                   # mutants enumerated before sampling
    outcomes: list[Outcome]
    seconds: float

    def counts(self, operator: str | None = None) -> Counter:
        mine = [o for o in self.outcomes if operator in (None, o.mutant.operator)]
        c = Counter(o.verdict for o in mine)
        c["mutants"] = len(mine)
        # the same for the mutants that weaken the policy (diff: weaker or incomparable)
        c.update(f"weakening_{o.verdict}" for o in mine if o.direction in WEAKENING)
        # and for the mutants outside requirements the original already reports unenforced
        c.update(f"elsewhere_{o.verdict}" for o in mine if not o.unenforced)
        return c

    def killed_by(self) -> Counter:
        """For killed mutants: which kind of result noticed them (a mutant may count under several)."""
        by: Counter = Counter()
        for o in self.outcomes:
            if o.verdict == "killed":
                by.update({_kind(r) for r in o.reasons})
        return by

    def to_json(self) -> dict:
        def row(c: Counter) -> dict:
            return {"mutants": c["mutants"], **{v: c[v] for v in VERDICTS}, "kill_rate": kill_rate(c),
                    "weakening": {v: c["weakening_" + v] for v in ("killed", "survived")},
                    "weakening_kill_rate": kill_rate(c, "weakening_"),
                    "outside_unenforced": {v: c["elsewhere_" + v] for v in ("killed", "survived")},
                    "outside_unenforced_kill_rate": kill_rate(c, "elsewhere_")}
        return {"path": self.path, "enumerated": self.total, "seconds": round(self.seconds, 2),
                **row(self.counts()), "killed_by": dict(sorted(self.killed_by().items())),
                "by_operator": {op: row(self.counts(op)) for op in OPERATORS if self.counts(op)["mutants"]},
                "outcomes": [o.to_json() for o in self.outcomes]}


def run_policy(path: str, *, limit: int | None = None, seed: int = 0, timeout_ms: int = 10_000,
               text: str | None = None) -> PolicyRun:
    """Enumerate (and with `limit`, sample `limit` of, seeded) the mutants of one policy and classify them."""
    start = time.perf_counter()
    if text is None:
        text = Path(path).read_text(encoding="utf-8")
    loaded = load_text(text, path)
    if not loaded.ok or loaded.module is None:
        raise ValueError(f"{path}: the original policy does not load; fix it before mutating it")
    mutants = enumerate_mutants(loaded.module)
    chosen = mutants
    if limit is not None and limit < len(mutants):
        picked = sorted(random.Random(seed).sample(range(len(mutants)), limit))
        chosen = [mutants[i] for i in picked]
    from rspdsl.logic.prover import verify
    report = verify(loaded.policy, timeout_ms=timeout_ms, seed=seed)
    original, enforcement = verdicts_from(report), enforcement_of(report)
    outcomes = [classify(m, loaded.policy, original, path=path, timeout_ms=timeout_ms, seed=seed,
                         enforcement=enforcement) for m in chosen]
    return PolicyRun(path, len(mutants), outcomes, time.perf_counter() - start)


# ------------------------------------------------------------------------ output

def _rate(c: Counter, prefix: str = "") -> str:
    r = kill_rate(c, prefix)
    return "-" if r is None else f"{r:.0%}"


def render_text(runs: Sequence[PolicyRun]) -> str:
    lines = []
    header = f"  {'operator':<16} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv':>5} {'invalid':>7} {'undec':>5} {'error':>5} {'rate':>5} {'weak':>5} {'else':>5}"

    def row(label: str, c: Counter) -> str:
        return (f"  {label:<16} {c['mutants']:>7} {c['killed']:>6} {c['survived']:>8} {c['equivalent']:>5} "
                f"{c['invalid']:>7} {c['undecided']:>5} {c['error']:>5} {_rate(c):>5} {_rate(c, 'weakening_'):>5} {_rate(c, 'elsewhere_'):>5}")

    overall: Counter = Counter()
    for run in runs:
        sampled = "" if run.total == len(run.outcomes) else f", sample of {len(run.outcomes)}"
        lines.append(f"{run.path}: {run.total} mutants{sampled} ({run.seconds:.1f} s)")
        lines.append(header)
        for op in OPERATORS:
            c = run.counts(op)
            if c["mutants"]:
                lines.append(row(op, c))
        lines.append(row("all", run.counts()))
        lines.append("  rate: killed / (killed + survived); weak: the same over mutants `rspdsl diff` finds weaker;")
        lines.append("  else: the same over mutants outside requirements the original already reports unenforced")
        by = run.killed_by()
        if by:
            lines.append("  killed by: " + ", ".join(f"{k} {n}" for k, n in sorted(by.items())))
        overall.update(run.counts())
        survivors = [o for o in run.outcomes if o.verdict == "survived"]
        if survivors:
            lines.append("  surviving non-equivalent mutants (no assertion or property notices them):")
            for o in survivors:
                m = o.mutant
                flag = ", in an unenforced requirement" if o.unenforced else ""
                lines.append(f"    {run.path}:{m.location}  {m.operator}  {m.description}  [{o.direction}{flag}]")
        for o in run.outcomes:
            if o.verdict in ("error", "undecided"):
                lines.append(f"    {o.verdict.upper()} {run.path}:{o.mutant.location} {o.mutant.description}: "
                             + "; ".join(o.reasons))
        lines.append("")
    if len(runs) > 1:
        lines.append(f"overall: {overall['mutants']} mutants, {overall['killed']} killed, {overall['survived']} survived, "
                     f"{overall['equivalent']} equivalent, {overall['invalid']} invalid, "
                     f"{overall['undecided']} undecided, {overall['error']} error; kill rate {_rate(overall)}, "
                     f"on weakening mutants {_rate(overall, 'weakening_')}, outside unenforced requirements "
                     f"{_rate(overall, 'elsewhere_')}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--limit", type=int, default=None, help="classify a seeded sample of N mutants per policy")
    parser.add_argument("--seed", type=int, default=0, help="sampling and solver seed")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per solver check")
    args = parser.parse_args(argv)
    runs = []
    for path in args.files:
        try:
            runs.append(run_policy(path, limit=args.limit, seed=args.seed, timeout_ms=int(args.timeout * 1000)))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    if args.json:
        json.dump({"policies": [r.to_json() for r in runs]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(runs))
    return 1 if any(o.verdict == "error" for r in runs for o in r.outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
