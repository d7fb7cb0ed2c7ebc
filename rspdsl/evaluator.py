"""The concrete evaluator: the reference semantics every proof and witness is checked against.

A policy is compiled once into Python source (exec'd, cached per Policy object) rather than
walking the IR per state. Two functions are generated from the same IR:

- `_full(state)`: every threshold, rule, requirement and assertion of a validated state
  (Fractions, bools, scale indices), for `Decision`;
- `_line(text)`: the batch path, generated on first use for each projection (the actions
  the result lists, in order; by default all). It decodes one JSON line with numbers as
  Decimals (exact, and as cheap as floats), validates it with inlined checks, decides with
  short-circuiting only what the projection lists (plus the verdicts assertions need), and
  writes the result line from precomputed fragments. Anything unusual (a "p/q" string, a bad
  value) returns None and the caller falls back to `read_state` + `_full`, so both paths
  accept the same states and print the same bytes.

Numbers stay exact: comparisons between int, Decimal and Fraction are exact in Python, and
arithmetic (+, -, k*x, min/max under arithmetic) runs on ints and Fractions only.
"""
from __future__ import annotations

import decimal
import functools
import json
import math
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from .numbers import STATE_MAX_DIGITS
from .semantics import interpret, ir
from .semantics.decision import Decision
from .semantics.depth import room_for
from .semantics.model import Policy, Requirement, Rule
from .state import MAX_EXPONENT, StateError, is_finite_decimal, number_text, read_state

# Generated expressions deeper than this are hoisted into temporaries: CPython's parser and
# compiler have nesting limits far below what a long `a + b + ...` chain can reach.
_MAX_DEPTH = 24
_LINE_SEPARATORS = (",", ":")
_T = TypeVar("_T")


def _state_reader(policy: Policy) -> Callable[[str], tuple]:
    """The batch path's JSON reader for this policy's states: text -> the values in declaration
    order, or an exception for anything but an object naming each variable once with a value
    of the right JSON type. msgspec does that in C (a Struct with one field per variable,
    unknown names refused, booleans and scale names typed), and hands each number with a
    fraction or exponent over as its text to Decimal (exact, like json's parse_float=Decimal);
    integers stay ints. Numbers are typed Any, so a string or a boolean where a number belongs
    reaches the generated checks, which refuse it. msgspec is stricter than json (no NaN, no
    lone surrogates): such a line fails here and the reference path (state.read_state, the
    standard library) reads it or names the problem. ~1.0 us for a 36-value line, against
    ~3.1 us for json's C scanner plus ~1.2 us of checks in Python. Imported on first use:
    `check` never reads states in batch."""
    try:
        import msgspec
    except ImportError:  # optional (the `fast` extra): the standard library reads the same lines
        return _json_state_reader(policy)

    fields = []
    for i, var in enumerate(policy.variables.values()):
        kind: Any = bool if var.sort == "bool" else str if var.sort == "int" else Any
        fields.append((f"v{i}", kind))
    state = msgspec.defstruct("State", fields, forbid_unknown_fields=True,
                              rename={f"v{i}": name for i, name in enumerate(policy.variables)})
    decode = msgspec.json.Decoder(state, float_hook=Decimal).decode
    astuple = msgspec.structs.astuple
    return lambda text: astuple(decode(text))


def _json_state_reader(policy: Policy) -> Callable[[str], tuple]:
    """The batch reader without msgspec: json with numbers as Decimals (ints stay ints), checked
    for what msgspec checks (exactly the declared names, booleans for flags, strings for scale
    values). Anything else raises, and the line takes the reference path, which names the problem."""
    names = tuple(policy.variables)
    kinds = tuple(bool if v.sort == "bool" else str if v.sort == "int" else None for v in policy.variables.values())
    decode = json.JSONDecoder(parse_float=Decimal).decode

    def read(text: str) -> tuple:
        obj = decode(text)
        if type(obj) is not dict or len(obj) != len(names):
            raise ValueError("not exactly the declared names")
        values = tuple(obj[name] for name in names)  # KeyError for an unknown or missing name
        for value, kind in zip(values, kinds):
            if kind is not None and type(value) is not kind:
                raise TypeError("a flag or scale value of the wrong JSON type")
        return values

    return read


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
        if isinstance(e, ir.MinMax):
            parts = [self._expr(a, arith) for a in e.args]
            if len(parts) == 1:  # Python's max(x) would iterate over x
                return parts[0]
            return f"{e.func}(" + ", ".join(c for c, _ in parts) + ")", 1 + max(d for _, d in parts)
        raise TypeError(f"unknown IR node {type(e).__name__}")

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


class _NotCompiled(Exception):
    """A policy form the generator does not handle: the interpreter decides every state."""


def _compilable(policy: Policy) -> None:
    """Waivers and recommendations (language v2 §4) change which requirements are active per
    action; the generated code does not know them, so such policies take the interpreter."""
    if policy.waivers or policy.recommendations:
        raise _NotCompiled("waivers and recommendations are decided by the interpreter")


def _generate_full(policy: Policy, ns: dict[str, Any]) -> str:
    _compilable(policy)
    gen = _Gen(policy, ns, fast=False)
    lines = ["def _full(s):"]
    for i, name in enumerate(policy.variables):
        lines.append(f"    v{i} = s[{name!r}]")
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
    n_thr, n_act = len(policy.thresholds), len(policy.actions)
    n_rule, n_req, n_ass = len(policy.rules), len(policy.requirements), len(policy.assertions)
    result = [_tuple([f"h{i}" for i in range(n_thr)]), "T", _tuple([f"r{k}" for k in range(n_rule)]),
              _tuple([f"a{j}" for j in range(n_act)]), _tuple([f"d{j}" for j in range(n_act)]),
              _tuple([f"c{k}" for k in range(n_req)]), _tuple([f"m{k}" for k in range(n_req)]),
              _tuple([f"x{k}" for k in range(n_ass)])]
    lines.append(f"    return {_tuple(result)}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the batch line

def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=_LINE_SEPARATORS)


def _bound_const(ns: dict[str, Any], value: Fraction | int, for_decimal: bool) -> str:
    # The constant of the value's own type where exact: Decimal against Decimal compares
    # without converting an int operand first (half the time of Decimal against int).
    q = Fraction(value)
    obj: Any = (q.numerator if q.denominator == 1 and not for_decimal
                else Decimal(number_text(q)) if is_finite_decimal(q) else q)
    name = f"K{len(ns)}"
    ns[name] = obj
    return name


def _validation(policy: Policy, ns: dict[str, Any]) -> list[str]:
    """Inlined checks accepting exactly what read_state accepts in the common forms; anything
    else (strings for reals, NaN, duplicates, ...) returns None and takes the slow path."""
    n = len(policy.variables)
    # _read (see _state_reader) refuses anything but one object with exactly the declared
    # names, booleans for flags and strings for scale values, and nothing but JSON whitespace
    # after it; what is left to check here is numbers and scale names.
    names = "".join(f"v{i}, " for i in range(n))
    out = ["    try:", f"        {names}= _read(text)" if n else "        _read(text)",
           "    except Exception:", "        return None"]
    if n:
        # A repeated name is not refused by the reader (the last value wins), so it is caught
        # here: n pairs need n - 1 commas and every extra pair adds one. Declared names and the
        # values accepted below (numbers, booleans, scale value names) contain no comma, so a
        # line with n distinct names has exactly n - 1.
        out += [f"    if text.count(',') != {n - 1}:", "        return None"]
    for i, var in enumerate(policy.variables.values()):
        v = f"v{i}"
        if var.sort == "bool":
            continue  # the reader accepted only true or false
        if var.sort == "int":
            values = policy.scales[var.scale].values if var.scale in policy.scales else ()
            table = {name: idx for idx, name in enumerate(values)
                     if (var.lo is None or idx >= var.lo) and (var.hi is None or idx <= var.hi)}
            name = f"K{len(ns)}"
            ns[name] = table
            out += [f"    {v} = {name}.get({v})",  # a string (the reader checked): a scale value?
                    f"    if {v} is None:", "        return None"]
        else:
            def in_bounds(for_decimal: bool, v: str = v, var: Any = var) -> str:
                bounds = []  # the value on the left: its own comparison runs, not a reflected one
                if var.lo is not None:
                    bounds.append(f"{v} >= {_bound_const(ns, var.lo, for_decimal)}")
                if var.hi is not None:
                    bounds.append(f"{v} <= {_bound_const(ns, var.hi, for_decimal)}")
                return " and ".join(bounds) or "True"
            # read_state refuses exponents beyond ±MAX_EXPONENT; the bounds already exclude the
            # huge ones when they are finite and of sane size, leaving only the tiny ones to test.
            huge_excluded = (var.lo is not None and var.hi is not None
                             and max(abs(Fraction(var.lo)), abs(Fraction(var.hi))) < 10 ** MAX_EXPONENT)
            extreme = (f"{v}.adjusted() < {-MAX_EXPONENT}" if huge_excluded
                       else f"not ({-MAX_EXPONENT} <= {v}.adjusted() <= {MAX_EXPONENT})")
            out += [f"    c = {v}.__class__",
                    "    if c is Decimal:",  # the usual case first; zero has any exponent
                    f"        if not ({in_bounds(True)}) or ({extreme} and {v}):",
                    "            return None",
                    "    elif c is int:",
                    f"        if not ({in_bounds(False)}):", "            return None",
                    "    else:", "        return None"]
    return out


def _cheap(e: ir.IExpr) -> bool:
    """A commitment as cheap to test twice as to read from a variable: a flag or a plain comparison."""
    if isinstance(e, ir.Not):
        return _cheap(e.arg)
    if isinstance(e, ir.Cmp):
        return all(isinstance(side, (ir.Var, ir.Const, ir.IntConst)) for side in (e.left, e.right))
    return isinstance(e, (ir.Var, ir.BoolConst))


def _unmet_list(policy: Policy, gen: _Gen, j: int, ks: list[int], precomputed: set[int],
                fragment: Callable[[int], str]) -> list[str]:
    """L<j>: the unmet requirements of action j, in declaration order. Consecutive requirements
    with the same activity condition (a tier's block) share one test of it; a requirement of the
    lowest tier is always active, so it is not tested at all."""
    lowest = min((t.index for t in policy.tiers), default=0)
    groups: list[tuple[str, list[int]]] = []
    for k in ks:
        req = policy.requirements[k]
        parts = [f"T >= {int(req.tier)}"] if req.tier is not None and req.tier > lowest else []
        if req.condition is not None:
            parts.append(gen.expr(req.condition))
        active = " and ".join(parts)
        if groups and groups[-1][0] == active:
            groups[-1][1].append(k)
        else:
            groups.append((active, [k]))
    out = [f"L{j} = []"]
    for active, group in groups:
        pad = "    " if active else ""
        if active:
            out.append(f"if {active}:")
        for k in group:
            unmet = f"u{k}" if k in precomputed else f"not {gen.expr(policy.requirements[k].commitment)}"
            out.append(f"{pad}if {unmet}: L{j}.append({fragment(k)})")
    return out


def _allowed_refs(policy: Policy) -> set[str]:
    """Actions whose verdict some expression asks for with allowed(A) (assertions, in valid policies)."""
    roots = [a.body for a in policy.assertions] + [r.condition for r in policy.rules]
    roots += [e for r in policy.requirements for e in (r.commitment, r.condition) if e is not None]
    return {n.action for e in roots for n in ir.walk(e) if isinstance(n, ir.AllowedRef)}


def _generate_line(policy: Policy, ns: dict[str, Any], actions: tuple[str, ...],
                   shared: frozenset[str] | set[str] = frozenset()) -> tuple[str, Counter[str]]:
    """`_line` for the result restricted to `actions` (in that order). An action not asked for
    is neither written nor, unless an assertion needs its verdict, decided; when it is, only its
    verdict is computed (no decided_by, no unmet requirements). Returns the source and the
    comparison sides it computes (for _line_source's common subexpressions)."""
    gen = _Gen(policy, ns, fast=True, shared=shared)

    def frag(value: Any) -> str:
        name = f"K{len(ns)}"
        ns[name] = value
        return name

    body: list[str] = []
    for i, thr in enumerate(policy.thresholds.values()):
        _emit(body, gen, f"h{i} = {gen.expr(thr.condition)}")
    _emit(body, gen, _tier_chain(policy, gen))
    pieces = [frag(tuple('{"tier":' + json.dumps(t.name) + ',"thresholds":{' for t in policy.tiers))
              + "[T]"]
    for i, name in enumerate(policy.thresholds):
        key = ("," if i else "") + json.dumps(name) + ":"
        pieces.append(_pick(f"h{i}", frag(key + "true"), frag(key + "false")))
    pieces.append(frag('},"actions":{'))
    wanted = {name: pos for pos, name in enumerate(actions)}
    # Requirement k is unmet-if-listed when active and its commitment fails (evaluated lazily).
    listed: dict[str, list[int]] = {a: [] for a in actions}
    for k, req in enumerate(policy.requirements):
        for a in req.actions:
            if a in listed:
                listed[a].append(k)
    # A costly commitment listed for several of the actions is tested once, into u<k>.
    listings = Counter(k for ks in listed.values() for k in ks)
    precomputed = {k for k, n in listings.items() if n > 1 and not _cheap(policy.requirements[k].commitment)}
    for k in sorted(precomputed):
        req = policy.requirements[k]
        _emit(body, gen, f"u{k} = {_active_code(req, gen)} and not {gen.expr(req.commitment)}")
    verdict_only = _allowed_refs(policy) - set(wanted)
    for j, action in enumerate(policy.actions.values()):  # decided in declaration order
        if action.name in verdict_only:
            _emit(body, gen, _action_chain(policy, action.name, lambda k, r: gen.expr(r.condition),
                                           functools.partial(_assign, j),
                                           f"a{j} = {action.default_permit}"))
            continue
        if action.name not in wanted:
            continue
        head = ("," if wanted[action.name] else "") + json.dumps(action.name) + ':{"allowed":'

        def decided(permit: bool, k: int, j: int = j, head: str = head) -> str:
            rule = policy.rules[k]
            text = head + ("true" if permit else "false") + ',"decided_by":' + _dumps(_rule_json(rule)) + ',"unmet":['
            return f"a{j} = {permit}; p{j} = {frag(text)}"

        none_text = head + ("true" if action.default_permit else "false") + ',"decided_by":null,"unmet":['
        default = f"a{j} = {action.default_permit}; p{j} = {frag(none_text)}"
        _emit(body, gen, _action_chain(policy, action.name, lambda k, r: gen.expr(r.condition),
                                       decided, default))
        if listed[action.name]:
            _emit(body, gen, _unmet_list(policy, gen, j, listed[action.name], precomputed,
                                         lambda k: frag(_dumps(_requirement_json(policy.requirements[k])))))
    for name in actions:  # written in the order asked for
        j = gen.act_index[name]
        pieces.append(f"p{j}")
        if listed[name]:
            pieces.append(f'",".join(L{j})')
        pieces.append(frag("]}"))
    pieces.append(frag('},"assertions":{'))
    for k, assertion in enumerate(policy.assertions):
        _emit(body, gen, f"x{k} = {gen.expr(assertion.body)}")
        key = ("," if k else "") + json.dumps(assertion.name) + ":"
        pieces.append(_pick(f"x{k}", frag(key + "true"), frag(key + "false")))
    pieces.append(frag("}}"))

    lines = ["def _line(text):"] + _validation(policy, ns)
    for i in sorted(gen.needs_q):
        lines.append(f"    q{i} = v{i} if v{i}.__class__ is int else Fraction(v{i})")
    lines += body
    lines.append(f"    return ''.join({_tuple(pieces)})")
    return "\n".join(lines) + "\n", gen.seen


def _pick(flag: str, if_true: str, if_false: str) -> str:
    # A conditional expression, not (F, T)[flag]: indexing a tuple by a bool is not specialised
    # by CPython 3.11+ (bool is not an exact int), and the line has one per threshold/assertion.
    return f"({if_true} if {flag} else {if_false})"


def _line_source(policy: Policy, base: dict[str, Any], actions: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """The `_line` source and its namespace. A first pass counts the comparison sides; if one
    repeats, a second pass computes each repeated side once."""
    _compilable(policy)
    ns = dict(base)
    source, seen = _generate_line(policy, ns, actions)
    repeated = {code for code, n in seen.items() if n > 1}
    if repeated:
        ns = dict(base)
        source, _ = _generate_line(policy, ns, actions, repeated)
    return source, ns


# ---------------------------------------------------------------- the evaluator

class Evaluator:
    """A policy compiled to Python. Build with compile_policy(policy) (cached)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        # The fast path's JSON reader (_read) joins when a line function is first built; the
        # reference path keeps state.py's pairs-hook decoder.
        self._base_ns: dict[str, Any] = {"Fraction": Fraction, "Decimal": Decimal, "_C": _EXACT}
        ns = dict(self._base_ns)
        # The generated code is a fast path only: if generating or compiling it fails for any
        # reason (a constant too long for int-to-text conversion, a compiler limit), every state
        # is decided by the definitional evaluator instead, which gives the same decisions.
        self._full: Callable[[dict[str, Any]], tuple] | None
        try:
            self.full_source = self._generate(lambda: _generate_full(policy, ns))
            exec(compile(self.full_source, f"<rspdsl evaluator for {policy.source.path}>", "exec"), ns)
            self._full = ns["_full"]
        except Exception:  # noqa: BLE001 - any failure of the fast path falls back to the oracle
            self.full_source, self._full = "", None
        self._names = tuple(policy.variables)
        self._thresholds = tuple(policy.thresholds)
        self._actions = tuple(policy.actions)
        self._listed = tuple(tuple(k for k, r in enumerate(policy.requirements) if a in r.actions)
                             for a in self._actions)
        self._assertions = tuple(a.name for a in policy.assertions)
        # The batch path is generated on first use, once per projection (`check` never needs it).
        self._line_sources: dict[tuple[str, ...], str] = {}
        self._line_functions: dict[tuple[str, ...], Callable[[str], str | None]] = {}
        self._deciders: dict[tuple[str, ...] | None, Callable[..., str]] = {}
        self._reader: Callable[[str], tuple] | None = None

    def _generate(self, make: Callable[[], _T]) -> _T:
        # The generator recurses over the IR (a few frames per level). Python 3.11+ frames do not
        # use the C stack, so lifting the limit for deep IR (e.g. built by hand) is safe.
        with room_for(self.policy):
            return make()

    @property
    def source_code(self) -> str:
        """The generated source: `_full`, then the full-result `_line`."""
        self.line_decider()
        return self.full_source + "\n" + self._line_sources.get(self._actions, "")

    def projection(self, actions: Iterable[str] | None = None) -> tuple[str, ...]:
        """The actions a result lists, in order: every action when None, else the names given
        (repeats dropped). Raises ValueError naming an unknown action."""
        if actions is None:
            return self._actions
        names = tuple(dict.fromkeys(actions))
        for name in names:
            if name not in self.policy.actions:
                raise ValueError(f"unknown action `{name}`")
        return names

    def line_function(self, actions: Iterable[str] | None = None) -> Callable[[str], str | None]:
        """The compiled fast path for a projection (compiled once): a result line, or None when
        the line is unusual or bad, and then reference_line decides it or names the culprit.
        It may also raise ArithmeticError (a rounding the exact context refused): same remedy."""
        names = self.projection(actions)
        function = self._line_functions.get(names)
        if function is None:
            if self._reader is None:
                self._reader = _state_reader(self.policy)
            base = dict(self._base_ns, _read=self._reader)
            source, ns = self._generate(lambda: _line_source(self.policy, base, names))
            exec(compile(source, f"<rspdsl evaluator for {self.policy.source.path}>", "exec"), ns)
            self._line_sources[names] = source
            function = self._line_functions[names] = ns["_line"]
        return function

    def reference_line(self, json_line: str | bytes, origin: str = "state",
                       actions: Sequence[str] | None = None) -> str:
        """The result line by the reference path: read_state, _full, decision_to_json."""
        decision = self.decide(read_state(self.policy, json_line, origin))
        return _dumps(decision_to_json(self.policy, decision, self.projection(actions)))

    def line_decider(self, actions: Iterable[str] | None = None) -> Callable[..., str]:
        """decide_line for one projection, compiled once: (json_line, origin="state") -> the
        compact result line, listing only `actions` (None: all). Raises StateError."""
        key = None if actions is None else tuple(actions)
        decider = self._deciders.get(key)
        if decider is not None:
            return decider
        names = self.projection(key)
        reference = self.reference_line
        fast: Callable[[str], str | None] | None
        try:
            fast = self.line_function(names)
        except Exception:  # noqa: BLE001 - no fast path for this policy: every line takes the reference path
            fast = None

        def decide_line(json_line: str, origin: str = "state") -> str:
            try:
                # a line longer than any number may be (numbers.STATE_MAX_DIGITS) could hold one
                # too long to convert: the reference reader checks each number's text first
                out = fast(json_line) if fast is not None and len(json_line) <= STATE_MAX_DIGITS else None
            except ArithmeticError:  # the exact Decimal context refused to round: decide with Fractions
                out = None
            if out is None:  # unusual or bad: the reference path decides, or names the culprit
                out = reference(json_line, origin, names)
            return out

        self._deciders[key] = decide_line
        return decide_line

    def decide(self, state: dict[str, Any]) -> Decision:
        """Decide a validated state (as read_state returns it: Fractions, bools, scale indices)."""
        if self._full is None:
            missing = next((name for name in self._names if name not in state), None)
            if missing is not None:
                raise StateError(f"missing value for `{missing}`", missing)
            return interpret.decide(self.policy, state)
        try:
            thr, tier, rules, allowed, decided, active, met, asserts = self._full(state)
        except KeyError as exc:
            name = exc.args[0] if exc.args else None
            raise StateError(f"missing value for `{name}`", name) from None
        p = self.policy
        return Decision(
            tier=tier,
            thresholds=dict(zip(self._thresholds, thr)),
            allowed=dict(zip(self._actions, allowed)),
            decided_by={a: (p.rules[d] if d >= 0 else None) for a, d in zip(self._actions, decided)},
            active={a: tuple(k for k in ks if active[k]) for a, ks in zip(self._actions, self._listed)},
            met=met,
            rules_holding=rules,
            assertions=dict(zip(self._assertions, asserts)),
            requirements=p.requirements,
        )

    def decide_json(self, obj_or_text: Any, origin: str = "state") -> Decision:
        """Read (and validate) a state in the STATE.json form, then decide it."""
        return self.decide(read_state(self.policy, obj_or_text, origin))

    def decide_line(self, json_line: str, origin: str = "state",
                    actions: Sequence[str] | None = None) -> str:
        """One JSON state in, one compact JSON result out (no newline), listing only `actions`
        (None: all). Raises StateError. In a loop, prefer line_decider(actions)."""
        return self.line_decider(actions)(json_line, origin)


_CACHE: OrderedDict[int, tuple[Policy, Evaluator]] = OrderedDict()
_CACHE_SIZE = 64


def compile_policy(policy: Policy) -> Evaluator:
    """The evaluator for `policy`, compiled once per Policy object."""
    entry = _CACHE.get(id(policy))
    if entry is not None and entry[0] is policy:
        _CACHE.move_to_end(id(policy))
        return entry[1]
    evaluator = Evaluator(policy)
    _CACHE[id(policy)] = (policy, evaluator)  # holding the policy keeps its id from being reused
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return evaluator


def evaluate(policy: Policy, state: dict[str, Any]) -> Decision:
    """Decide a validated state (see Evaluator.decide)."""
    return compile_policy(policy).decide(state)


# ---------------------------------------------------------------- JSON form

def _rule_json(rule: Rule) -> dict[str, Any]:
    return {"line": rule.span.line, "column": rule.span.column, "effect": rule.effect}


def _requirement_json(req: Requirement) -> dict[str, Any]:
    return {"line": req.span.line, "column": req.span.column, "text": req.text}


def decision_to_json(policy: Policy, decision: Decision,
                     actions: Sequence[str] | None = None) -> dict[str, Any]:
    """The `eval --format json` shape of the contract, plus "effect" in decided_by and "assertions".
    `actions` (default: all, in declaration order) lists the actions to include, in that order."""
    listed = {}
    for name in (policy.actions if actions is None else actions):
        rule = decision.decided_by[name]
        listed[name] = {
            "allowed": decision.allowed[name],
            "decided_by": _rule_json(rule) if rule is not None else None,
            "unmet": [_requirement_json(r) for r in decision.unmet(name)],
        }
        if policy.recommendations:  # v2 §4: advisory commitments active here and not met
            listed[name]["unheeded"] = [_requirement_json(r) for r in decision.unheeded(name)]
    return {
        "tier": policy.tiers[decision.tier].name,
        "thresholds": dict(decision.thresholds),
        "actions": listed,
        "assertions": dict(decision.assertions),
    }
