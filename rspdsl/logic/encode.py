"""Policy -> Z3: one copy of the state as Z3 variables, and every notion of the semantics as a term.

`encode_state(policy, prefix)` gives a StateEncoding: variables (Real with its bounds, Bool, Int with
its bounds for scale indices), thresholds, the tier (an Int term: the last tier whose condition holds,
else 0), rules holding, allowed(A), requirement activity and satisfaction, and assertions. Several
copies can live side by side (prefixes keep them apart), and copies can share variables by name
(`shared=`), which is how the monotonic check keeps the responses equal and how `rspdsl diff` puts two
policies over one state. A SymbolTable maps every Z3 constant back to its source variable and span.

z3 is imported inside functions so that importing this module (and the CLI) stays cheap.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..semantics import ir
from ..semantics.interpret import HISTORY_KEY
from ..semantics.model import Policy, Variable
from .boolops import And, Implies, Not, Or

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "Symbol", "SymbolTable", "StateEncoding", "EncodingError", "encode_state", "encode_pair",
    "order_constraints", "state_from_model", "model_values", "z3_value", "fraction_of", "conj", "disj",
    "smt_name",
]


class EncodingError(Exception):
    """The IR has a shape the encoder does not know (a bug upstream, never a user error)."""


@dataclass(frozen=True)
class Symbol:
    """One Z3 constant: which copy of the state (prefix) and which policy variable it stands for."""

    smt_name: str
    name: str
    prefix: str
    variable: Variable

    @property
    def span(self):
        return self.variable.span


class SymbolTable:
    """Z3 constant name -> Symbol. Shared constants are registered once, under their first copy."""

    def __init__(self) -> None:
        self._by_smt: dict[str, Symbol] = {}

    def add(self, symbol: Symbol) -> None:
        self._by_smt.setdefault(symbol.smt_name, symbol)

    def lookup(self, smt_name: str) -> Symbol | None:
        return self._by_smt.get(smt_name)

    def __iter__(self):
        return iter(self._by_smt.values())

    def __len__(self) -> int:
        return len(self._by_smt)


@dataclass(frozen=True, eq=False)
class StateEncoding:
    """One copy of the state and the policy's meaning over it, as Z3 terms."""

    policy: Policy
    prefix: str
    vars: dict[str, Any]                 # variable name -> Z3 constant
    bounds: tuple[Any, ...]              # every variable within its declared bounds
    thresholds: dict[str, Any]           # name -> BoolRef
    tier_conditions: tuple[Any, ...]     # per tier: its `when` (index 0: true)
    tier: Any                            # Int term: last tier whose condition holds, else 0
    rule_holds: tuple[Any, ...]          # per rule (by index): its condition
    allowed: dict[str, Any]              # action -> BoolRef
    req_active: tuple[Any, ...]          # per requirement: tier >= r.tier and r.condition
    met: tuple[Any, ...]                 # per requirement: its commitment
    assertions: dict[str, Any]           # name -> BoolRef (the body)
    ctx: Any = None                      # the Z3 context every term lives in
    _tier_ge: tuple[Any, ...] = field(default=(), repr=False)
    history: Any = None                  # what history terms mean in this copy (logic/history.py)
    # language v2 §4: activity per (requirement, action) where a waiver can lift it (else req_active)
    _active_for: dict[tuple[int, str], Any] = field(default_factory=dict, repr=False)
    _base_active: tuple[Any, ...] = field(default=(), repr=False)
    rec_active: tuple[Any, ...] = ()     # per recommendation: tier >= its tier and its `when`
    rec_met: tuple[Any, ...] = ()        # per recommendation: its commitment
    history_bounds: tuple[Any, ...] = () # the history's own invariants (also the tail of `bounds`)

    def tier_ge(self, k: int):
        """tier >= k, as a disjunction of tier conditions (cheaper for solvers than the ite term)."""
        import z3
        if k <= 0:
            return z3.BoolVal(True, self.ctx)
        if k >= len(self._tier_ge):
            return z3.BoolVal(False, self.ctx)
        return self._tier_ge[k]

    def tier_eq(self, k: int):
        return And(self.tier_ge(k), Not(self.tier_ge(k + 1)))

    def active(self, action: str, index: int):
        """Requirement `index` is active for `action` (false when it does not bind that action)."""
        import z3
        req = self.policy.requirements[index]
        if action not in req.actions:
            return z3.BoolVal(False, self.ctx)
        if (index, action) in self._active_for:
            return self._active_for[(index, action)]
        return self._base_active[index] if self._base_active else self.req_active[index]

    def advised(self, action: str, index: int):
        """Recommendation `index` is active for `action` (v2 §4; never waived)."""
        import z3
        rec = self.policy.recommendations[index]
        return self.rec_active[index] if action in rec.actions else z3.BoolVal(False, self.ctx)

    def history_split(self, consts) -> tuple[list, list]:
        """The history's invariants in an ∃∀ question whose universals are `consts` (the
        responses): those that read none of them (given, like the inputs) and those that do
        (a cumulative response's past <= now: part of what the universals range over)."""
        given: list = []
        chosen: list = []
        for c in self.history_bounds:
            (chosen if mentions(c, consts) else given).append(c)
        return given, chosen

    def bounds_of(self, names) -> list:
        """The bound constraints of the named variables only."""
        out = []
        for name in names:
            out.extend(_bounds(self.policy.variables[name], self.vars[name]))
        return out

    def read(self, model) -> dict[str, Any]:
        """This copy's state from a Z3 model (exact values; unconstrained variables get an in-bounds value).
        In an extended state, the history its terms saw rides along under HISTORY_KEY."""
        values = model_values(model)
        state: dict[str, Any] = state_from_model(self.policy, self.vars, model, self.smt_names, values)
        if self.history is not None and hasattr(self.history, "read"):
            state[HISTORY_KEY] = self.history.read(model, state, values)
        return state

    @property
    def smt_names(self) -> dict[str, str]:
        """Variable name -> its constant's name (cached: asking Z3 for names is not free)."""
        cached = self.__dict__.get("_smt_names")
        if cached is None:
            cached = {name: const.decl().name() for name, const in self.vars.items()}
            object.__setattr__(self, "_smt_names", cached)
        return cached


# --------------------------------------------------------------------------- variables

def fraction_of(value) -> Fraction:
    """An exact Fraction from a Z3 rational or integer numeral."""
    import z3
    if z3.is_int_value(value):
        return Fraction(value.as_long())
    if z3.is_rational_value(value):
        return Fraction(value.numerator_as_long(), value.denominator_as_long())
    raise EncodingError(f"not a rational numeral: {value}")


def z3_value(variable: Variable, value, ctx=None):
    """A Python state value as a Z3 numeral or boolean of the variable's sort."""
    import z3
    if variable.sort == "bool":
        return z3.BoolVal(bool(value), ctx)
    if variable.sort == "int":
        return z3.IntVal(int(value), ctx)
    value = Fraction(value)
    return z3.RealVal(f"{value.numerator}/{value.denominator}", ctx)


# Names a policy may give a variable that SMT-LIB (or a solver's logic ALL) already uses: reserved
# words, commands, sorts and theory symbols. A constant with such a name is called `rsp.NAME`
# instead (policy names never contain a dot, so that cannot collide), so that every exported
# formula is valid SMT-LIB.
_TAKEN = frozenset("""
    par _ as let exists forall match assert check-sat declare-fun declare-const define-fun
    define-sort declare-sort push pop exit reset echo set-logic set-option set-info get-model
    get-value get-info get-option get-proof get-unsat-core get-assertions check-sat-assuming
    Bool Int Real Array String RegLan true false not and or xor distinct ite abs div mod
    to_real to_int is_int select store exp sin cos tan csc sec cot arcsin arccos arctan arccsc
    arcsec arccot sqrt pi iand int2bv bv2nat choose witness seq set bag tuple nil
""".split())


def smt_name(name: str) -> str:
    """The Z3/SMT-LIB constant name for a (prefixed) variable name."""
    return f"rsp.{name}" if name in _TAKEN else name


def _declare(variable: Variable, smt_name_: str, ctx=None):
    import z3
    smt_name_ = smt_name(smt_name_)
    if variable.sort == "real":
        return z3.Real(smt_name_, ctx)
    if variable.sort == "bool":
        return z3.Bool(smt_name_, ctx)
    if variable.sort == "int":
        return z3.Int(smt_name_, ctx)
    raise EncodingError(f"unknown sort {variable.sort!r} for {variable.name}")


def _bounds(variable: Variable, const) -> list:
    out = []
    if variable.sort in ("real", "int"):
        if variable.lo is not None:
            out.append(const >= _num(variable.lo, variable.sort, const.ctx))
        if variable.hi is not None:
            out.append(const <= _num(variable.hi, variable.sort, const.ctx))
    return out


def _num(value, sort: str, ctx=None):
    import z3
    value = Fraction(value)
    if sort == "int" and value.denominator == 1:
        return z3.IntVal(value.numerator, ctx)
    return z3.RealVal(f"{value.numerator}/{value.denominator}", ctx)


def _in_bounds(variable: Variable, value) -> bool:
    if variable.sort == "bool":
        return True
    return ((variable.lo is None or value >= variable.lo)
            and (variable.hi is None or value <= variable.hi))


def _default_value(variable: Variable):
    if variable.sort == "bool":
        return False
    # the in-bounds value nearest to zero: the least surprising value for something unconstrained
    value = Fraction(0)
    if variable.lo is not None and value < variable.lo:
        value = Fraction(variable.lo)
    if variable.hi is not None and value > variable.hi:
        value = Fraction(variable.hi)
    return value if variable.sort == "real" else int(value)


def model_values(model) -> dict[str, Any]:
    """Every constant the model interprets, by name: Fraction for numerals, bool, or (for the rare
    interpretation that is neither) the Z3 term. Uses Z3's C API directly: the Python wrappers
    cost more than the solver on small policies."""
    import z3
    from z3 import z3core as C

    ctx = model.ctx.ref()
    m = model.model
    out: dict[str, Any] = {}
    for i in range(C.Z3_model_get_num_consts(ctx, m)):
        decl = C.Z3_model_get_const_decl(ctx, m, i)
        name = C.Z3_get_symbol_string(ctx, C.Z3_get_decl_name(ctx, decl))
        ast = C.Z3_model_get_const_interp(ctx, m, decl)
        kind = C.Z3_get_ast_kind(ctx, ast)
        if kind == z3.Z3_NUMERAL_AST:
            out[name] = Fraction(C.Z3_get_numeral_string(ctx, ast))
            continue
        truth = C.Z3_get_bool_value(ctx, ast) if kind == z3.Z3_APP_AST else z3.Z3_L_UNDEF
        if truth == z3.Z3_L_TRUE:
            out[name] = True
        elif truth == z3.Z3_L_FALSE:
            out[name] = False
        else:
            out[name] = z3.FuncDeclRef(decl, model.ctx)  # evaluated by the caller
    return out


def state_from_model(policy: Policy, consts: Mapping[str, Any], model,
                     names: Mapping[str, str] | None = None,
                     values: Mapping[str, Any] | None = None) -> dict[str, Fraction | bool | int]:
    """Read a state (exact values) for every policy variable from a model.

    `names` maps variable names to their constants' names (computed when omitted). A constant
    the model leaves open gets the in-bounds value nearest 0. `values`: the model's
    `model_values`, when the caller reads several states from one model (computed when omitted).
    """
    import z3
    values = model_values(model) if values is None else values
    state: dict[str, Fraction | bool | int] = {}
    for name, variable in policy.variables.items():
        smt = names[name] if names is not None else str(consts[name])
        value = values.get(smt)
        if value is None:
            state[name] = _default_value(variable)
            continue
        if isinstance(value, z3.FuncDeclRef):  # not a literal: let Z3 evaluate it
            value = model.eval(consts[name], model_completion=True)
            value = z3.is_true(value) if variable.sort == "bool" else fraction_of(value)
        if variable.sort == "bool":
            if not isinstance(value, bool):
                raise EncodingError(f"model gives the boolean {name} the value {value}")
            state[name] = value
        else:
            if isinstance(value, bool):
                raise EncodingError(f"model gives the number {name} the value {value}")
            if variable.sort == "int":
                if value.denominator != 1:
                    raise EncodingError(f"model gives the scale value {name} the index {value}")
                value = int(value)
            state[name] = value
        if not _in_bounds(variable, state[name]):
            raise EncodingError(f"model puts {name} = {state[name]} outside its bounds")
    return state


# --------------------------------------------------------------------------- expressions

class _Translator:
    """IR -> Z3, iteratively (deep expressions must not hit Python's recursion limit)."""

    def __init__(self, enc: _Builder) -> None:
        self.enc = enc

    def __call__(self, root: ir.IExpr):
        memo: dict[int, Any] = {}
        stack: list[tuple[ir.IExpr, bool]] = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in memo:
                continue
            if isinstance(node, ir.At):  # E is read at another step: the history encodes it
                memo[id(node)] = self._history_term(node)
                continue
            kids = ir.children(node)
            if ready or not kids:
                memo[id(node)] = self._node(node, [memo[id(k)] for k in kids])
            else:
                stack.append((node, True))
                stack.extend((k, False) for k in reversed(kids) if id(k) not in memo)
        return memo[id(root)]

    def _node(self, node: ir.IExpr, args: list):
        import z3
        enc = self.enc
        ctx = enc.ctx
        if isinstance(node, ir.Const):
            return _num(node.value, "real", ctx)
        if isinstance(node, ir.IntConst):
            return z3.IntVal(node.value, ctx)
        if isinstance(node, ir.BoolConst):
            return z3.BoolVal(node.value, ctx)
        if isinstance(node, ir.Var):
            try:
                return enc.vars[node.name]
            except KeyError:
                raise EncodingError(f"unknown variable {node.name!r}") from None
        if isinstance(node, ir.ThresholdRef):
            try:
                return enc.thresholds[node.name]
            except KeyError:
                raise EncodingError(f"threshold {node.name!r} used before it is defined") from None
        if isinstance(node, ir.TierValue):
            return enc.tier
        if isinstance(node, ir.AllowedRef):
            if enc.allowed is None or node.action not in enc.allowed:
                raise EncodingError(f"allowed({node.action}) outside an assertion")
            return enc.allowed[node.action]
        if isinstance(node, ir.Not):
            return Not(args[0])
        if isinstance(node, ir.And):
            return And(*args) if args else z3.BoolVal(True, ctx)
        if isinstance(node, ir.Or):
            return Or(*args) if args else z3.BoolVal(False, ctx)
        if isinstance(node, ir.Implies):
            return Implies(args[0], args[1])
        if isinstance(node, ir.Cmp):
            tier_cmp = self._tier_cmp(node)
            if tier_cmp is not None:
                return tier_cmp
            return _compare(node.op, *_unify(args[0], args[1]))
        if isinstance(node, ir.Add):
            terms = _unify_all(args)
            return terms[0] if len(terms) == 1 else z3.Sum(*terms)
        if isinstance(node, ir.Neg):
            return -args[0]
        if isinstance(node, ir.Mul):
            k = Fraction(node.k)
            arg = args[0]
            if z3.is_int(arg) and k.denominator != 1:
                arg = z3.ToReal(arg)
            return _num(k, "int" if z3.is_int(arg) else "real", ctx) * arg
        if isinstance(node, ir.MinMax):
            terms = _unify_all(args)
            out = terms[0]
            for t in terms[1:]:
                out = z3.If(t < out, t, out) if node.func == "min" else z3.If(t > out, t, out)
            return out
        if isinstance(node, (ir.Done, ir.SinceCmp, ir.Overdue)):
            return self._history_term(node)
        raise EncodingError(f"unknown IR node {type(node).__name__}")

    def _history_term(self, node: ir.Done | ir.SinceCmp | ir.Overdue | ir.At):
        """A history term's formula, built once per state copy: the same `overdue(D)` or `done(X)`
        in many rules and requirements is one formula over all earlier steps, not one each."""
        enc = self.enc
        built = enc.history_terms.get(node)
        if built is None:
            history = self._history()
            if isinstance(node, ir.Done):
                built = history.done(enc, node.act)
            elif isinstance(node, ir.SinceCmp):
                built = history.since(enc, node.act, node.op, node.k)
            elif isinstance(node, ir.Overdue):
                built = history.overdue(enc, node.duty)
            else:
                built = history.at(enc, node.act, node.arg)
            enc.history_terms[node] = built
        return built

    def _history(self):
        if self.enc.history is None:
            raise EncodingError("a history term in an encoding of a single state (no run or extended state)")
        return self.enc.history

    def _tier_cmp(self, node: ir.Cmp):
        """`tier OP k` with a constant k, as tier-condition disjunctions."""
        op, left, right = node.op, node.left, node.right
        if isinstance(left, ir.IntConst) and isinstance(right, ir.TierValue):
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            left, right = right, left
        if not (isinstance(left, ir.TierValue) and isinstance(right, ir.IntConst)):
            return None
        ge, k = self.enc.tier_ge, right.value
        if op == ">=":
            return ge(k)
        if op == ">":
            return ge(k + 1)
        if op == "<":
            return Not(ge(k))
        if op == "<=":
            return Not(ge(k + 1))
        eq = And(ge(k), Not(ge(k + 1)))
        if op == "==":
            return eq
        if op == "!=":
            return Not(eq)
        raise EncodingError(f"unknown comparison {op!r}")


def _unify(a, b):
    import z3
    if z3.is_arith(a) and z3.is_arith(b) and z3.is_int(a) != z3.is_int(b):
        return (z3.ToReal(a) if z3.is_int(a) else a), (z3.ToReal(b) if z3.is_int(b) else b)
    return a, b


def _unify_all(args: list) -> list:
    import z3
    if any(z3.is_real(a) for a in args):
        return [z3.ToReal(a) if z3.is_int(a) else a for a in args]
    return list(args)


def _compare(op: str, a, b):
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    raise EncodingError(f"unknown comparison {op!r}")


# --------------------------------------------------------------------------- the encoding

class _Builder:
    """Mutable scaffolding while a StateEncoding is being built (terms refer to earlier terms)."""

    def __init__(self, vars: dict[str, Any], ctx, history=None) -> None:
        self.vars = vars
        self.ctx = ctx
        self.history = history  # rspdsl/logic/history.py: what history terms mean here (None: none)
        self.history_terms: dict[Any, Any] = {}  # history term (IR, hashable) -> its formula here
        self.thresholds: dict[str, Any] = {}
        self.allowed: dict[str, Any] | None = None
        self._ge: tuple[Any, ...] = ()
        self.tier = None

    def tier_ge(self, k: int):
        import z3
        if k <= 0:
            return z3.BoolVal(True, self.ctx)
        if k >= len(self._ge):
            return z3.BoolVal(False, self.ctx)
        return self._ge[k]


def encode_state(policy: Policy, prefix: str = "", *, shared: Mapping[str, Any] | None = None,
                 symbols: SymbolTable | None = None, ctx=None, history=None) -> StateEncoding:
    """Encode one copy of the state of `policy`; its Z3 constants are named prefix + variable name.

    `shared` maps variable names to existing Z3 constants to reuse (same sort required): two
    encodings sharing a constant talk about the same value. Two encodings with the same prefix share
    constants anyway, since Z3 identifies constants by name and sort. `symbols` collects the
    constants' provenance. `ctx` is the Z3 context (default: that of a shared constant, else Z3's
    main context); the prover uses a fresh one per run, so that results do not depend on what
    else the process built before (Z3's term ids, and with them its choices, would).
    """
    import z3

    shared = shared or {}
    if ctx is None:
        ctx = next(iter(shared.values())).ctx if shared else z3.main_ctx()
    consts: dict[str, Any] = {}
    bounds: list = []
    for name, variable in policy.variables.items():
        if name in shared:
            const = shared[name]
            expected = _declare(variable, "_", ctx).sort()
            if const.sort() != expected:
                raise EncodingError(f"cannot share {name}: sort {const.sort()} is not {expected}")
        else:
            const = _declare(variable, prefix + name, ctx)
        consts[name] = const
        bounds.extend(_bounds(variable, const))
        if symbols is not None:
            symbols.add(Symbol(const.decl().name(), name, prefix if name not in shared else "", variable))

    b = _Builder(consts, ctx, history)
    tr = _Translator(b)
    for name, th in policy.thresholds.items():
        b.thresholds[name] = tr(th.condition)

    true, false = z3.BoolVal(True, ctx), z3.BoolVal(False, ctx)
    tier_conditions = [true]
    for t in policy.tiers[1:]:
        tier_conditions.append(tr(t.condition) if t.condition is not None else false)
    n = len(policy.tiers)
    # tier >= k  <=>  some tier at or above k holds (the tier is the last one that holds)
    ge: list = [true] * max(n, 1)
    for k in range(n - 1, 0, -1):
        ge[k] = tier_conditions[k] if k == n - 1 else Or(tier_conditions[k], ge[k + 1])
    b._ge = tuple(ge) if n else (true,)
    tier = z3.IntVal(0, ctx)
    for k in range(1, n):
        tier = z3.If(tier_conditions[k], z3.IntVal(k, ctx), tier)
    b.tier = tier

    rule_holds = tuple(tr(r.condition) for r in policy.rules)
    allowed: dict[str, Any] = {}
    for name, action in policy.actions.items():
        permits = [rule_holds[i] for i, r in enumerate(policy.rules)
                   if r.action == name and r.effect == "permit"]
        forbids = [rule_holds[i] for i, r in enumerate(policy.rules)
                   if r.action == name and r.effect == "forbid"]
        blocked = Not(_or(forbids, ctx))
        if action.default_permit:
            allowed[name] = blocked if forbids else true
        else:
            allowed[name] = And(_or(permits, ctx), blocked) if forbids else _or(permits, ctx)

    def in_force(r) -> Any:
        parts = []
        if r.tier is not None and r.tier > 0:
            parts.append(b.tier_ge(r.tier))
        if r.condition is not None:
            parts.append(tr(r.condition))
        return _and(parts, ctx)

    base_active = [in_force(r) for r in policy.requirements]
    met = [tr(r.commitment) for r in policy.requirements]
    # a waiver lifts a requirement for the actions it names while its condition holds (v2 §4);
    # req_active[k] then means "active for some action it binds"
    waived = [tr(w.condition) for w in policy.waivers]
    active_for: dict[tuple[int, str], Any] = {}
    req_active = list(base_active)
    for k, r in enumerate(policy.requirements):
        for a in r.actions:
            lifts = [waived[w.index] for w in policy.waivers_of(k, a)]
            if lifts:
                active_for[(k, a)] = And(base_active[k], Not(_or(lifts, ctx)))
        if any((k, a) in active_for for a in r.actions):
            req_active[k] = _or([active_for.get((k, a), base_active[k]) for a in r.actions], ctx)
    rec_active = tuple(in_force(r) for r in policy.recommendations)
    rec_met = tuple(tr(r.commitment) for r in policy.recommendations)

    b.allowed = allowed
    assertions = {a.name: tr(a.body) for a in policy.assertions}
    history_bounds = tuple(history.constraints(b)) if history is not None else ()
    bounds.extend(history_bounds)  # its own invariants, e.g. days_since >= 0
    encoding = StateEncoding(
        policy=policy, prefix=prefix, vars=consts, bounds=tuple(bounds), thresholds=dict(b.thresholds),
        tier_conditions=tuple(tier_conditions), tier=tier, rule_holds=rule_holds, allowed=allowed,
        req_active=tuple(req_active), met=tuple(met), assertions=assertions, ctx=ctx, _tier_ge=b._ge,
        history=history, _active_for=active_for, _base_active=tuple(base_active), rec_active=rec_active,
        rec_met=rec_met, history_bounds=history_bounds)
    return encoding


def mentions(term: Any, consts: Any) -> bool:
    """Whether the Z3 term reads any of the constants `consts`."""
    wanted = {c.get_id() for c in consts}
    if not wanted:
        return False
    stack, seen = [term], set()
    while stack:
        t = stack.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        if t.get_id() in wanted:
            return True
        stack.extend(t.children())
    return False


def disj(terms, ctx):
    """Or over terms; false when there are none (Z3 would print a nullary `or`, not SMT-LIB)."""
    import z3
    terms = list(terms)
    if not terms:
        return z3.BoolVal(False, ctx)
    return terms[0] if len(terms) == 1 else Or(*terms)


def conj(terms, ctx):
    """And over terms; true when there are none."""
    import z3
    terms = list(terms)
    if not terms:
        return z3.BoolVal(True, ctx)
    return terms[0] if len(terms) == 1 else And(*terms)


_or, _and = disj, conj


# --------------------------------------------------------------------------- two copies

def order_constraints(policy: Policy, lower: StateEncoding, higher: StateEncoding) -> list:
    """lower <= higher: inputs rise (metrics <=, judgements false -> true; reversed when reassuring).

    Responses are not constrained here: encode_pair shares them, so they are the same.
    """
    out = []
    for v in policy.inputs:
        lo, hi = lower.vars[v.name], higher.vars[v.name]
        if v.reassuring:
            lo, hi = hi, lo
        out.append(Implies(lo, hi) if v.sort == "bool" else lo <= hi)
    return out


def encode_pair(policy: Policy, symbols: SymbolTable | None = None,
                prefixes: tuple[str, str] = ("lower.", "higher."), ctx=None,
                history=None) -> tuple[StateEncoding, StateEncoding]:
    """Two copies of the state with the same responses: inputs are prefixed, responses shared
    (and unprefixed, so an exported formula reads `lower.x <= higher.x` over one `asl3_security`)."""
    # the responses are one set of constants, unprefixed, that both copies use
    import z3
    ctx = ctx or z3.main_ctx()
    responses = {v.name: _declare(v, v.name, ctx) for v in policy.responses}
    # one history for both (v2 §5: monotonic compares states with equal history)
    lower = encode_state(policy, prefixes[0], shared=responses, symbols=symbols, ctx=ctx, history=history)
    higher = encode_state(policy, prefixes[1], shared=responses, symbols=symbols, ctx=ctx, history=history)
    return lower, higher
