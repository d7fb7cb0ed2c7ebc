"""Baselines, step 1: bind every baseline name an assertion uses to an expression over the policy.

By default a name binds to the policy entity of the same name; a mapping file line binds it to
an expression (rspdsl.analyses.mapping), or leaves it `free`. What cannot be bound is a
diagnostic (E07xx) pointing into the baseline, the mapping file or the policy; W0701 warns when
the policy cannot reach part of a baseline metric's range. docs/baselines.md describes each code.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from ...diagnostics import CODES, Diagnostic, Severity
from ...frontend import LoadResult
from ...semantics import ir
from ...semantics.model import Assertion, Policy
from ...semantics.types import BoolT, ErrorT, RealT, ScaleT, Type
from ...source import NO_SPAN, SourceFile, Span
from ...syntax import ast
from ..mapping import FREE, Mapping

# Codes of this module (E07xx/W07xx); docs/baselines.md describes each.
# the baseline codes are registered with the others in rspdsl.diagnostics.CODES
BASELINE_CODES: dict[str, str] = {c: t for c, t in CODES.items() if c[1:3] == "07"}

MAPPABLE_KINDS = ("metric", "judgement", "safeguard", "control", "action")
FREE_PREFIX = "baseline."  # a free name's variable in the checked policy (`.` never occurs in a policy name)


def _diag(code: str, severity: Severity, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    assert code in BASELINE_CODES, code
    return Diagnostic(code, severity, message, span, hint)


def _error(code: str, message: str, span: Span, hint: str | None = None) -> Diagnostic:
    return _diag(code, Severity.ERROR, message, span, hint)


def big_number(q: Fraction | int) -> str:
    """`1e25` for large round numbers, else the exact spelling (`0.5`, `1/3`)."""
    from ...state import number_text

    q = Fraction(q)
    if q.denominator == 1 and abs(q.numerator) >= 10 ** 6:
        digits = str(abs(q.numerator))
        stripped = digits.rstrip("0")
        zeros = len(digits) - len(stripped)
        if zeros >= 3:
            mantissa = stripped[0] + ("." + stripped[1:] if len(stripped) > 1 else "")
            return f"{'-' if q < 0 else ''}{mantissa}e{len(digits) - 1}"
    return number_text(q)


def baseline_problems(baseline: Policy, module: ast.Module) -> list[Diagnostic]:
    """What makes a well-formed policy unusable as a baseline (E0707)."""
    out: list[Diagnostic] = []
    for decl in module.declarations:
        if isinstance(decl, ast.RuleDecl):
            out.append(_error("E0707", f"a baseline has no `{decl.effect}` rules: the submitted policy decides "
                              "what is allowed", decl.span,
                              hint="state the requirement as an assertion, e.g. "
                              "`assert x: allowed(deploy) implies adversarial_testing`"))
        elif isinstance(decl, ast.RequireDecl):
            out.append(_error("E0707", "a baseline has no `require`: its requirements are assertions", decl.span,
                              hint="write `assert x: allowed(ACTION) and CONDITION implies COMMITMENT`"))
        elif isinstance(decl, ast.TierDecl) and decl.requirements:
            out.append(_error("E0707", "a baseline has no `require`: its requirements are assertions",
                              decl.requirements[0].span,
                              hint="keep one empty tier, e.g. `tier baseline { }`"))
    for a in baseline.assertions:
        if any(isinstance(n, ir.TierValue) for n in _walk_inlined(baseline, a.body)):
            out.append(_error("E0707", f"assertion `{a.name}` uses `tier`: tier ladders differ between policies",
                              a.span, hint="name the capability condition instead (a threshold of the baseline)"))
    if not baseline.assertions and not out:
        out.append(_error("E0707", "the baseline asserts nothing", NO_SPAN,
                          hint="a baseline's requirements are its `assert` declarations"))
    return out


def _walk_inlined(baseline: Policy, e: ir.IExpr) -> Iterable[ir.IExpr]:
    """Every node of `e` with the baseline's thresholds expanded (each at most once)."""
    seen: set[str] = set()
    stack = [e]
    while stack:
        for node in ir.walk(stack.pop()):
            yield node
            if isinstance(node, ir.ThresholdRef) and node.name not in seen and node.name in baseline.thresholds:
                seen.add(node.name)
                stack.append(baseline.thresholds[node.name].condition)


def used_names(baseline: Policy, assertion: Assertion) -> list[str]:
    """The baseline variables and actions an assertion depends on, in first-use order."""
    out: dict[str, None] = {}
    for node in _walk_inlined(baseline, assertion.body):
        if isinstance(node, ir.Var):
            out.setdefault(node.name)
        elif isinstance(node, ir.AllowedRef):
            out.setdefault(node.action)
    return list(out)


# ======================================================================== binding names

@dataclass(frozen=True)
class Binding:
    """What one baseline name means in the policy."""
    name: str
    kind: str                 # the baseline entity's kind: metric | judgement | safeguard | control | action
    expr: ir.IExpr            # over the policy's names (an action binds to a boolean: allowed(...))
    origin: str               # "same name" | "mapping" | "free"
    text: str                 # the policy side as written
    span: Span | None = None  # the mapping line's name, when mapped


def _entity_kind(baseline: Policy, name: str) -> str | None:
    if name in baseline.variables:
        return baseline.variables[name].kind
    if name in baseline.actions:
        return "action"
    if name in baseline.thresholds:
        return "threshold"
    if any(t.name == name for t in baseline.tiers):
        return "tier"
    if name in baseline.scales or any(name in s.values for s in baseline.scales.values()):
        return "scale"
    if any(a.name == name for a in baseline.assertions):
        return "assertion"
    return None


def _expected_text(baseline: Policy, name: str) -> str:
    if name in baseline.actions:
        return "an action (bind it to policy actions: `allowed` of any of them)"
    var = baseline.variables[name]
    if var.sort == "bool":
        return f"a {var.kind} (true or false)"
    if var.sort == "int":
        values = ", ".join(baseline.scales[var.scale].values) if var.scale in baseline.scales else ""
        return f"a {var.kind} on scale `{var.scale}` {{{values}}}"
    return f"a {var.kind}, a number" + (f" in {var.unit}" if var.unit else " (no unit)")


def _fits(baseline: Policy, policy: Policy, name: str, t: Type, allow_literal: bool) -> bool:
    """Does a policy expression of static type `t` fit baseline entity `name`?"""
    if name in baseline.actions:
        return isinstance(t, BoolT)
    var = baseline.variables[name]
    if var.sort == "bool":
        return isinstance(t, BoolT)
    if var.sort == "int":
        if not isinstance(t, ScaleT) or t.scale not in policy.scales or var.scale not in baseline.scales:
            return False
        return policy.scales[t.scale].values == baseline.scales[var.scale].values
    return isinstance(t, RealT) and ((allow_literal and t.literal) or t.unit == var.unit)


def _policy_type(policy: Policy, name: str) -> tuple[Type | str, ir.IExpr] | None:
    """The static type and IR of a policy entity named `name`, when it has a value."""
    if name in policy.variables:
        var = policy.variables[name]
        if var.sort == "bool":
            return BoolT(), ir.Var(name, "bool")
        if var.sort == "int":
            return ScaleT(var.scale or ""), ir.Var(name, "int")
        return RealT(var.unit), ir.Var(name, "real")
    if name in policy.thresholds:
        return BoolT(), ir.ThresholdRef(name)
    if name in policy.actions:
        return "action", ir.AllowedRef(name)
    return None


def _as_allowed(e: ast.Expr, actions: dict) -> ast.Expr:
    """In an action's mapping, a policy action's name stands for `allowed(that action)`."""
    if isinstance(e, ast.Name) and e.name in actions:
        return ast.Allowed(ast.Ident(e.name, e.span), e.span)
    if isinstance(e, ast.Unary):
        return dataclasses.replace(e, operand=_as_allowed(e.operand, actions))
    if isinstance(e, ast.Binary):
        return dataclasses.replace(e, left=_as_allowed(e.left, actions), right=_as_allowed(e.right, actions))
    if isinstance(e, ast.Compare):
        return dataclasses.replace(e, operands=tuple(_as_allowed(o, actions) for o in e.operands))
    if isinstance(e, ast.Call):
        return dataclasses.replace(e, args=tuple(_as_allowed(a, actions) for a in e.args))
    return e


@dataclass(frozen=True)
class Problem:
    """A diagnostic and the file it points into (baseline, mapping or policy)."""
    source: SourceFile
    diagnostic: Diagnostic


def bind_mapped(baseline: Policy, loaded: LoadResult, mapping: Mapping) -> tuple[dict[str, Binding], list[Problem]]:
    from ...semantics.resolve import Resolver
    from ...semantics.scope import Context

    policy = loaded.policy
    assert policy is not None and loaded.module is not None
    resolver = Resolver(loaded.source, loaded.module)
    resolver.collect(loaded.module.declarations)
    resolver.diagnostics = []
    bindings: dict[str, Binding] = {}
    problems: list[Problem] = []
    for name, entry in mapping.entries.items():
        kind = _entity_kind(baseline, name)
        if kind not in MAPPABLE_KINDS:
            if kind is None:
                from ...diagnostics import did_you_mean
                candidates = list(baseline.variables) + list(baseline.actions)
                hint = did_you_mean(name, candidates) or "the left side names a baseline entity"
                message = f"`{name}` is not declared in the baseline"
            else:
                hint = ("a baseline threshold is the regulator's own definition; map the names it uses instead"
                        if kind == "threshold" else "map metrics, judgements, safeguards, controls and actions")
                message = f"`{name}` is a {kind} of the baseline and cannot be mapped"
            problems.append(Problem(mapping.source, _error("E0703", message, entry.name_span, hint)))
            continue
        if entry.free:
            if kind == "action":
                problems.append(Problem(mapping.source, _error(
                    "E0704", f"action `{name}` cannot be `free`", entry.expr_span,
                    hint=f"write `{name} = false` if the policy never takes it, or name the policy's actions")))
            else:
                var = baseline.variables[name]
                bindings[name] = Binding(name, kind, ir.Var(FREE_PREFIX + name, var.sort), "free", FREE,
                                         entry.name_span)
            continue
        assert entry.expr is not None
        expr = _as_allowed(entry.expr, policy.actions) if kind == "action" else entry.expr
        resolver.diagnostics = []
        t, node = resolver.types.expr(expr, Context("assert"))
        problems += [Problem(mapping.source, d) for d in resolver.diagnostics]
        if isinstance(t, ErrorT) or any(d.is_error for d in resolver.diagnostics):
            continue
        if not _fits(baseline, policy, name, t, allow_literal=True):
            problems.append(Problem(mapping.source, _error(
                "E0704", f"`{name}` is {_expected_text(baseline, name)} in the baseline, but this is "
                f"{t.describe()}", entry.expr.span,
                hint=_fit_hint(baseline, policy, name, t))))
            continue
        bindings[name] = Binding(name, kind, node, "mapping", " ".join(entry.text.split()), entry.name_span)
    return bindings, problems


def _fit_hint(baseline: Policy, policy: Policy, name: str, t: Type) -> str | None:
    var = baseline.variables.get(name)
    if var is not None and var.sort == "real" and isinstance(t, RealT):
        return (f"units must match: the baseline measures `{name}` in {var.unit or 'no unit'}; "
                "declare the policy's quantity with that unit")
    if var is not None and var.sort == "int":
        return "a scale metric maps to a metric on a scale with the same values; or declare a judgement " \
               "in the baseline and map it to a comparison (`bio_risk >= high`)"
    if var is not None and var.sort == "bool" and not isinstance(t, BoolT):
        return f"compare it to get true or false, e.g. `{name} = SOMETHING >= 0.5`"
    return None


def bind_default(baseline: Policy, loaded: LoadResult, name: str, map_hint: str) -> tuple[Binding | None, Problem | None]:
    policy = loaded.policy
    assert policy is not None
    found = _policy_type(policy, name)
    kind = _entity_kind(baseline, name) or "entity"
    if found is None:
        header = _header_span(loaded)
        return None, Problem(loaded.source, _error(
            "E0705", f"baseline {kind} `{name}` has no counterpart in this policy, and no mapping binds it",
            header, hint=f"add `{name} = <expression over this policy's names>` to {map_hint}"))
    t, node = found
    fits = (t == "action") if kind == "action" else (not isinstance(t, str) and _fits(baseline, policy, name, t, False))
    if not fits:
        what = t.describe() if not isinstance(t, str) else "an action"
        span = decl_span(policy, name)
        return None, Problem(loaded.source, _error(
            "E0706", f"`{name}` is {what} in this policy, but {_expected_text(baseline, name)} in the baseline",
            span, hint=f"bind it explicitly with a line `{name} = ...` in {map_hint}"))
    return Binding(name, kind, node, "same name", name), None


def _header_span(loaded: LoadResult) -> Span:
    if loaded.module is not None:
        for decl in loaded.module.declarations:
            if isinstance(decl, ast.PolicyDecl):
                return decl.span
    return NO_SPAN


def decl_span(policy: Policy, name: str) -> Span:
    if name in policy.variables:
        return policy.variables[name].span
    if name in policy.actions:
        return policy.actions[name].span
    if name in policy.thresholds:
        return policy.thresholds[name].span
    return NO_SPAN


# ======================================================================== ranges

def interval(policy: Policy, e: ir.IExpr) -> tuple[Fraction, Fraction] | None:
    """Bounds of a real expression over the policy's declared ranges (None when unknown)."""
    if isinstance(e, ir.Const):
        return e.value, e.value
    if isinstance(e, ir.Var) and e.sort == "real":
        var = policy.variables.get(e.name)
        if var is None or var.lo is None or var.hi is None:
            return None
        return Fraction(var.lo), Fraction(var.hi)
    if isinstance(e, ir.Neg):
        inner = interval(policy, e.arg)
        return None if inner is None else (-inner[1], -inner[0])
    if isinstance(e, ir.Mul):
        inner = interval(policy, e.arg)
        if inner is None:
            return None
        a, b = e.k * inner[0], e.k * inner[1]
        return min(a, b), max(a, b)
    if isinstance(e, (ir.Add, ir.MinMax)):
        found = [interval(policy, a) for a in e.args]
        parts = [p for p in found if p is not None]
        if len(parts) < len(found):
            return None
        if isinstance(e, ir.Add):
            return sum((p[0] for p in parts), Fraction(0)), sum((p[1] for p in parts), Fraction(0))
        pick = min if e.func == "min" else max
        return pick(p[0] for p in parts), pick(p[1] for p in parts)
    return None


def _range_text(lo: Fraction, hi: Fraction) -> str:
    return f"[{big_number(lo)}, {big_number(hi)}]"


def coverage(baseline: Policy, loaded: LoadResult, mapping: Mapping | None, binding: Binding) -> Problem | None:
    """W0701 when the policy cannot reach part of a baseline metric's range."""
    var = baseline.variables.get(binding.name)
    policy = loaded.policy
    assert policy is not None
    if var is None or var.kind != "metric" or var.sort != "real" or var.lo is None or var.hi is None:
        return None
    if isinstance(binding.expr, ir.Const) or binding.origin == "free":
        return None  # a constant fixes the value on purpose; a free name ranges over the baseline's range
    have = interval(policy, binding.expr)
    if have is None or (have[0] <= var.lo and have[1] >= var.hi):
        return None
    message = (f"baseline metric `{var.name}` ranges over {_range_text(Fraction(var.lo), Fraction(var.hi))}, "
               f"but `{binding.text}` only covers {_range_text(*have)} in this policy: baseline states outside "
               "that range are not checked")
    hint = "widen the policy's range, or map the metric to an expression that covers the baseline's"
    if binding.origin == "mapping" and mapping is not None and binding.span is not None:
        return Problem(mapping.source, _diag("W0701", Severity.WARNING, message, binding.span, hint))
    return Problem(loaded.source, _diag("W0701", Severity.WARNING, message, decl_span(policy, binding.name), hint))

