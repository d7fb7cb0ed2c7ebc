"""Code generation for the compiled evaluator: IR -> Python source for `_full` (a validated
state -> every verdict), `_now` (a step's history-free values, language v2) and `_line` (the batch
path: one JSON line -> one result line). See rspdsl/compiled/__init__.py."""
from __future__ import annotations

import decimal
import functools
import math
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..semantics import interpret, ir
from ..semantics.model import Policy, Requirement, Rule
from ..state import is_finite_decimal, number_text

# Generated expressions deeper than this are hoisted into temporaries: CPython's parser and
# compiler have nesting limits far below what a long `a + b + ...` chain can reach.
_MAX_DEPTH = 24
_LINE_SEPARATORS = (",", ":")

# The exact Decimal context the generated code runs under: any rounding traps, and the line
# takes the Fraction path instead.
_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                         traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Rounded, decimal.Overflow,
                                decimal.Underflow, decimal.Subnormal, decimal.Clamped, decimal.DivisionByZero])


# ---------------------------------------------------------------- code generation

class _Gen:
    """Turns IR into Python expressions over locals v<i> (variables), h<i> (thresholds),
    T (tier index) and a<j> (allowed); constants live in the exec namespace as K<n>."""

    def __init__(self, policy: Policy, namespace: dict[str, Any], fast: bool,
                 shared: frozenset[str] | set[str] = frozenset()):
        self.fast = fast
        self.ns = namespace
        self.var_index = {name: i for i, name in enumerate(policy.variables)}
        self.thr_index = {name: i for i, name in enumerate(policy.thresholds)}
        self.act_index = {name: i for i, name in enumerate(policy.actions)}
        self.consts: dict[tuple[str, Any], str] = {}
        self.needs_q: set[int] = set()   # real variables used under arithmetic (fast path converts them)
        self.pre: list[str] = []         # hoisted temporaries for the next statement
        self.temps = 0
        # Common subexpressions (fast path): the linear sides of comparisons seen so far, and
        # those known (from a first pass) to occur more than once, computed once into a temporary.
        self.seen: Counter[str] = Counter()
        self.shared = shared
        self.memo: dict[str, str] = {}
        self.policy = policy
        self.helpers: list[str] = []     # language v2: one function per `E at X`, defined before _full

    def const(self, value: Fraction | int, arith: bool) -> str:
        q = Fraction(value)
        if q.denominator == 1:
            return f"({q.numerator})"
        # In the fast path a comparison operand may be a Decimal: a Decimal constant compares
        # with it in C, exactly. Arithmetic only ever sees ints and Fractions.
        obj: Decimal | Fraction
        if self.fast and not arith and is_finite_decimal(q):
            kind, obj = "d", Decimal(number_text(q))
        else:
            kind, obj = "f", q
        key = (kind, q)
        if key not in self.consts:
            name = f"K{len(self.ns)}"
            self.ns[name] = obj
            self.consts[key] = name
        return self.consts[key]

    def hoist(self, code: str) -> tuple[str, int]:
        name = f"t{self.temps}"
        self.temps += 1
        self.pre.append(f"{name} = {code}")
        return name, 1

    def take_prelude(self) -> list[str]:
        pre, self.pre = self.pre, []
        return pre

    def expr(self, e: ir.IExpr, arith: bool = False) -> str:
        return self._expr(e, arith)[0]

    def _expr(self, e: ir.IExpr, arith: bool) -> tuple[str, int]:
        code, depth = self._node(e, arith)
        return self.hoist(code) if depth > _MAX_DEPTH else (code, depth)

    def _node(self, e: ir.IExpr, arith: bool) -> tuple[str, int]:
        if isinstance(e, ir.Const):
            return self.const(e.value, arith), 1
        if isinstance(e, ir.BoolConst):
            return ("True" if e.value else "False"), 1
        if isinstance(e, ir.IntConst):
            return f"({int(e.value)})", 1
        if isinstance(e, ir.Var):
            i = self.var_index[e.name]
            if arith and e.sort == "real" and self.fast:
                # Fraction arithmetic on a Decimal: converted once per line. Only reached if
                # arithmetic ever appears outside a comparison (which goes the scaled way).
                self.needs_q.add(i)
                return f"q{i}", 1
            return f"v{i}", 1
        if isinstance(e, ir.ThresholdRef):
            return f"h{self.thr_index[e.name]}", 1
        if isinstance(e, ir.TierValue):
            return "T", 1
        if isinstance(e, ir.AllowedRef):
            return f"a{self.act_index[e.action]}", 1
        if isinstance(e, ir.Not):
            code, d = self._expr(e.arg, False)
            return f"(not {code})", d + 1
        if isinstance(e, (ir.And, ir.Or)):
            if not e.args:
                return ("True" if isinstance(e, ir.And) else "False"), 1
            parts = [self._expr(a, False) for a in e.args]
            op = " and " if isinstance(e, ir.And) else " or "
            return "(" + op.join(c for c, _ in parts) + ")", 1 + max(d for _, d in parts)
        if isinstance(e, ir.Implies):
            (lc, ld), (rc, rd) = self._expr(e.left, False), self._expr(e.right, False)
            return f"((not {lc}) or {rc})", 2 + max(ld, rd)
        if isinstance(e, ir.Cmp):
            op = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}[e.op]
            if self.fast and (_has_arith(e.left) or _has_arith(e.right)):
                return self._scaled_cmp(op, e.left, e.right)
            (lc, ld), (rc, rd) = self._expr(e.left, False), self._expr(e.right, False)
            return f"({lc} {op} {rc})", 1 + max(ld, rd)
        if isinstance(e, ir.Add):
            if not e.args:
                return "(0)", 1
            code, depth = self._expr(e.args[0], True)
            for arg in e.args[1:]:
                ac, ad = self._expr(arg, True)
                code, depth = f"({code} + {ac})", 1 + max(depth, ad)
                if depth > _MAX_DEPTH:
                    code, depth = self.hoist(code)
            return code, depth
        if isinstance(e, ir.Neg):
            code, d = self._expr(e.arg, True)
            return f"(-{code})", d + 1
        if isinstance(e, ir.Mul):
            code, d = self._expr(e.arg, True)
            return f"({self.const(e.k, True)} * {code})", d + 1
        if isinstance(e, (ir.Done, ir.SinceCmp, ir.Overdue, ir.At)):
            return self._history(e), 1
        if isinstance(e, ir.MinMax):
            parts = [self._expr(a, arith) for a in e.args]
            if len(parts) == 1:  # Python's max(x) would iterate over x
                return parts[0]
            return f"{e.func}(" + ", ".join(c for c, _ in parts) + ")", 1 + max(d for _, d in parts)
        raise TypeError(f"unknown IR node {type(e).__name__}")

    def _history(self, e: ir.IExpr) -> str:
        """A history term over the step's history H (unpacked in _full's prelude as HL latest days,
        HD today's day, HO overdue duties, HP the states at each act): interpret._history's rules."""
        if self.fast:  # a batch line is a state alone, step 0 of a run: nothing happened before it
            return self._first_step(e)
        if isinstance(e, ir.Done):
            return f"({e.act!r} in HL)"
        if isinstance(e, ir.Overdue):
            return f"({e.duty!r} in HO)"
        if isinstance(e, ir.SinceCmp):
            never = e.op in (">", ">=", "!=")
            return f"(((HD - HL[{e.act!r}]) {e.op} {self.const(e.k, True)}) if {e.act!r} in HL else {never})"
        assert isinstance(e, ir.At)
        name = f"_at{len(self.helpers)}"
        inner = _Gen(self.policy, self.ns, fast=False)
        body = inner.expr(e.arg)
        lines = [f"def {name}(e):"]
        lines += [f"    v{i} = e[{v!r}]" for v, i in self.var_index.items()]
        lines += [f"    h{i} = e[{'thr:' + t!r}]" for t, i in self.thr_index.items()
                  if t not in self.policy.history_thresholds]
        lines += ["    T = e['tier']"] + [f"    {pre}" for pre in inner.take_prelude()] + [f"    return {body}"]
        self.helpers.append("\n".join(lines) + "\n")
        # X never happened: step 0's values, which for a step decided alone are this step's own
        return f"({name}(HP[{e.act!r}]) if {e.act!r} in HP else {self.expr(e.arg)})"

    def _first_step(self, e: ir.IExpr) -> str:
        """A history term's value at step 0 (interpret.FIRST_STEP): no act done, no duty overdue,
        `days_since` of an act never done compares as the contract says (never <= k, always > k),
        and `E at X` for an X that never happened is this step's own E."""
        if isinstance(e, (ir.Done, ir.Overdue)):
            return "False"
        if isinstance(e, ir.SinceCmp):
            return str(e.op in (">", ">=", "!="))
        assert isinstance(e, ir.At)
        return self.expr(e.arg)

    # The fast path's arithmetic: `D*left op D*right` in Decimals under an exact context (any
    # rounding traps and the line takes the Fraction path). D > 0 clears every coefficient's
    # non-decimal denominator (1/3 * x), so all constants become exact Decimals or ints.

    def _scaled_cmp(self, op: str, left: ir.IExpr, right: ir.IExpr) -> tuple[str, int]:
        coefficients: list[Fraction] = []
        _coefficients(left, Fraction(1), coefficients)
        _coefficients(right, Fraction(1), coefficients)
        scale = 1
        for c in coefficients:
            d = c.denominator
            for p in (2, 5):
                while d % p == 0:
                    d //= p
            scale = scale * d // math.gcd(scale, d)
        (lc, ld), (rc, rd) = self._lin(left, Fraction(scale)), self._lin(right, Fraction(scale))
        (lc, ld), (rc, rd) = self._share(lc, ld), self._share(rc, rd)
        return f"({lc} {op} {rc})", 1 + max(ld, rd)

    def _share(self, code: str, depth: int) -> tuple[str, int]:
        """A side that calls the exact context and occurs more than once (a ladder repeats
        `cyber + 0.5 * autonomy` per tier) is computed once, at the top level, into a temporary.
        Only whole sides are counted, so both passes see the same code strings."""
        if "_C." not in code:
            return code, depth
        self.seen[code] += 1
        if code not in self.shared:
            return code, depth
        name = self.memo.get(code)
        if name is None:
            name, _ = self.hoist(code)
            self.memo[code] = name
        return name, 1

    def _lin(self, e: ir.IExpr, m: Fraction) -> tuple[str, int]:
        code, depth = self._lin_node(e, m)
        return self.hoist(code) if depth > _MAX_DEPTH else (code, depth)

    def _lin_node(self, e: ir.IExpr, m: Fraction) -> tuple[str, int]:
        if m == 0:
            return "(0)", 1
        if isinstance(e, (ir.Const, ir.IntConst)):
            return self._dec_const(m * e.value), 1
        if isinstance(e, ir.Add):
            if not e.args:
                return "(0)", 1
            code, depth = self._lin(e.args[0], m)
            for arg in e.args[1:]:
                ac, ad = self._lin(arg, m)
                code, depth = f"_C.add({code}, {ac})", 1 + max(depth, ad)
                if depth > _MAX_DEPTH:
                    code, depth = self.hoist(code)
            return code, depth
        if isinstance(e, ir.Neg):
            return self._lin(e.arg, -m)
        if isinstance(e, ir.Mul):
            return self._lin(e.arg, m * e.k)
        if isinstance(e, ir.MinMax):
            func = e.func if m > 0 else ("max" if e.func == "min" else "min")  # scaling by m < 0 flips
            parts = [self._lin(a, m) for a in e.args]
            if len(parts) == 1:  # Python's max(x) would iterate over x
                return parts[0]
            return f"{func}(" + ", ".join(c for c, _ in parts) + ")", 1 + max(d for _, d in parts)
        code, depth = self._expr(e, False)  # a variable or the tier: an int or an exact Decimal
        if m == 1:
            return code, depth
        if m == -1:
            return f"_C.minus({code})", depth + 1
        return f"_C.multiply({self._dec_const(m)}, {code})", depth + 1

    def _dec_const(self, q: Fraction) -> str:
        if q.denominator == 1:
            return f"({q.numerator})"
        key = ("d", q)
        if key not in self.consts:
            name = f"K{len(self.ns)}"
            self.ns[name] = Decimal(number_text(q))  # finite decimal: guaranteed by the scale
            self.consts[key] = name
        return self.consts[key]


def _has_arith(e: ir.IExpr) -> bool:
    return any(isinstance(n, (ir.Add, ir.Neg, ir.Mul)) for n in ir.walk(e))


def _coefficients(e: ir.IExpr, m: Fraction, out: list[Fraction]) -> None:
    """Every multiplier a leaf of a linear expression ends up with (constants: their value)."""
    if isinstance(e, (ir.Const, ir.IntConst)):
        out.append(m * e.value)
    elif isinstance(e, ir.Add):
        for a in e.args:
            _coefficients(a, m, out)
    elif isinstance(e, ir.Neg):
        _coefficients(e.arg, -m, out)
    elif isinstance(e, ir.Mul):
        _coefficients(e.arg, m * e.k, out)
    elif isinstance(e, ir.MinMax):
        for a in e.args:
            _coefficients(a, m, out)
    else:
        out.append(m)


def _tuple(items: list[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _emit(lines: list[str], gen: _Gen, statement: list[str] | str, indent: str = "    ") -> None:
    """Append a statement, preceded by whatever its expressions hoisted."""
    for pre in gen.take_prelude():
        lines.append(indent + pre)
    for line in ([statement] if isinstance(statement, str) else statement):
        lines.append(indent + line)


def _tier_chain(policy: Policy, gen: _Gen) -> list[str]:
    """Highest tier first, so the first holding condition is the last declared one that holds."""
    conds = [(t.index, gen.expr(t.condition)) for t in reversed(policy.tiers) if t.condition is not None]
    base = policy.tiers[0].index if policy.tiers else 0
    if not conds:
        return [f"T = {base}"]
    out = []
    for n, (index, cond) in enumerate(conds):
        out.append(f"{'if' if n == 0 else 'elif'} {cond}:")
        out.append(f"    T = {index}")
    out += ["else:", f"    T = {base}"]
    return out


def _active_code(req: Requirement, gen: _Gen) -> str:
    parts = []
    if req.tier is not None:
        parts.append(f"(T >= {int(req.tier)})")
    if req.condition is not None:
        parts.append(gen.expr(req.condition))
    return "(" + " and ".join(parts) + ")" if parts else "True"


def _assign_and_decider(j: int, permit: bool, k: int) -> str:
    return f"a{j} = {permit}; d{j} = {k}"


def _assign(j: int, permit: bool, k: int) -> str:
    return f"a{j} = {permit}"


def _action_chain(policy: Policy, action: str, holds: Callable[[int, Rule], str],
                  on_rule: Callable[[bool, int], str], default: str) -> list[str]:
    """allowed = no forbid holds and (default permit or some permit holds); decided_by as documented."""
    rules = [(k, r) for k, r in enumerate(policy.rules) if r.action == action]
    ordered = [(k, r) for k, r in rules if r.effect == "forbid"] + [(k, r) for k, r in rules if r.effect == "permit"]
    out = []
    for n, (k, rule) in enumerate(ordered):
        out.append(f"{'if' if n == 0 else 'elif'} {holds(k, rule)}:")
        out.append(f"    {on_rule(rule.effect == 'permit', k)}")
    if ordered:
        out.append("else:")
        out.append(f"    {default}")
    else:
        out.append(default)
    return out


def _generate_full(policy: Policy, ns: dict[str, Any]) -> str:
    gen = _Gen(policy, ns, fast=False)
    lines = ["def _full(s):"]
    for i, name in enumerate(policy.variables):
        lines.append(f"    v{i} = s[{name!r}]")
    if policy.temporal:  # language v2: the history this step's terms see (a state alone: step 0)
        ns["_FIRST"] = interpret.FIRST_STEP
        lines += [f"    H = s.get({interpret.HISTORY_KEY!r}) or _FIRST",
                  "    HL = H.latest; HD = H.day; HO = H.overdue; HP = H.past"]
    for i, thr in enumerate(policy.thresholds.values()):
        _emit(lines, gen, f"h{i} = {gen.expr(thr.condition)}")
    chain = _tier_chain(policy, gen)
    _emit(lines, gen, chain)
    for k, rule in enumerate(policy.rules):
        _emit(lines, gen, f"r{k} = {gen.expr(rule.condition)}")
    for j, action in enumerate(policy.actions.values()):
        default = f"a{j} = {action.default_permit}; d{j} = -1"
        _emit(lines, gen, _action_chain(policy, action.name, lambda k, r: f"r{k}",
                                        functools.partial(_assign_and_decider, j), default))
    for k, req in enumerate(policy.requirements):
        _emit(lines, gen, f"c{k} = {_active_code(req, gen)}")
        _emit(lines, gen, f"m{k} = {gen.expr(req.commitment)}")
    for k, assertion in enumerate(policy.assertions):
        _emit(lines, gen, f"x{k} = {gen.expr(assertion.body)}")
    # language v2 §4: each waiver's condition, each recommendation's activity and commitment
    for i, waiver in enumerate(policy.waivers):
        _emit(lines, gen, f"w{i} = {gen.expr(waiver.condition)}")
    for k, rec in enumerate(policy.recommendations):
        _emit(lines, gen, f"g{k} = {_active_code(rec, gen)}")
        _emit(lines, gen, f"n{k} = {gen.expr(rec.commitment)}")
    n_thr, n_act = len(policy.thresholds), len(policy.actions)
    n_rule, n_req, n_ass = len(policy.rules), len(policy.requirements), len(policy.assertions)
    n_waiver, n_rec = len(policy.waivers), len(policy.recommendations)
    result = [_tuple([f"h{i}" for i in range(n_thr)]), "T", _tuple([f"r{k}" for k in range(n_rule)]),
              _tuple([f"a{j}" for j in range(n_act)]), _tuple([f"d{j}" for j in range(n_act)]),
              _tuple([f"c{k}" for k in range(n_req)]), _tuple([f"m{k}" for k in range(n_req)]),
              _tuple([f"x{k}" for k in range(n_ass)]), _tuple([f"w{i}" for i in range(n_waiver)]),
              _tuple([f"g{k}" for k in range(n_rec)]), _tuple([f"n{k}" for k in range(n_rec)])]
    lines.append(f"    return {_tuple(result)}")
    return "".join(gen.helpers) + "\n".join(lines) + "\n"


def _generate_now(policy: Policy, ns: dict[str, Any]) -> str:
    """`_now(s)`: the state with its history-free thresholds (`thr:NAME`) and tier, as
    interpret.current_values gives them (what a duty's clock and a later `E at X` read)."""
    gen = _Gen(policy, ns, fast=False)
    lines = ["def _now(s):"]
    for i, name in enumerate(policy.variables):
        lines.append(f"    v{i} = s[{name!r}]")
    free = [(i, name, thr) for i, (name, thr) in enumerate(policy.thresholds.items())
            if name not in policy.history_thresholds]
    for i, _, thr in free:
        _emit(lines, gen, f"h{i} = {gen.expr(thr.condition)}")
    _emit(lines, gen, _tier_chain(policy, gen))
    lines.append("    e = dict(s)")
    lines += [f"    e[{'thr:' + name!r}] = h{i}" for i, name, _ in free]
    lines += ["    e['tier'] = T", "    return e"]
    return "".join(gen.helpers) + "\n".join(lines) + "\n"
