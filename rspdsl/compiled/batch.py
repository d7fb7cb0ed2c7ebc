"""The batch path's code: `_line(text)`, one JSON line of `eval --states` to one result line,
generated per projection (the actions listed); see rspdsl/compiled/__init__.py."""
from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..semantics import ir
from ..semantics.model import Policy, Requirement, Variable
from ..state import MAX_EXPONENT, is_finite_decimal, number_text
from .codegen import (
    _LINE_SEPARATORS,
    _action_chain,
    _active_code,
    _assign,
    _emit,
    _Gen,
    _tier_chain,
    _tuple,
)
from .json_form import _requirement_json, _rule_json

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
        out += value_checks(policy, ns, var, f"v{i}", typed=True)
    return out


def value_checks(policy: Policy, ns: dict[str, Any], var: Variable, v: str, *, typed: bool,
                 indent: str = "    ") -> list[str]:
    """Lines that check the decoded JSON value in local `v` for `var` as read_state would accept
    it in the common forms, leaving it as the batch path compares it (a flag a bool, a scale
    value its index, a real an int or an exact Decimal), or `return None` for anything else.
    `typed`: the reader already checked that flags are booleans and scale values strings."""
    if var.sort == "bool":
        return [] if typed else [f"{indent}if {v}.__class__ is not bool:", f"{indent}    return None"]
    if var.sort == "int":
        values = policy.scales[var.scale].values if var.scale in policy.scales else ()
        table = {name: idx for idx, name in enumerate(values)
                 if (var.lo is None or idx >= var.lo) and (var.hi is None or idx <= var.hi)}
        name = f"K{len(ns)}"
        ns[name] = table
        look = f"{name}.get({v})" if typed else f"{name}.get({v}) if {v}.__class__ is str else None"
        return [f"{indent}{v} = {look}",  # a string: a scale value?
                f"{indent}if {v} is None:", f"{indent}    return None"]

    def in_bounds(for_decimal: bool) -> str:
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
    int_ok = in_bounds(False)
    if not huge_excluded:  # an integer of more than MAX_EXPONENT + 1 digits is refused as well
        name = f"K{len(ns)}"
        ns[name] = 10 ** (MAX_EXPONENT + 1)
        int_ok = f"{int_ok} and -{name} < {v} < {name}"
    return [f"{indent}c = {v}.__class__",
            f"{indent}if c is Decimal:",  # the usual case first; zero has any exponent
            f"{indent}    if not ({in_bounds(True)}) or ({extreme} and {v}):",
            f"{indent}        return None",
            f"{indent}elif c is int:",
            f"{indent}    if not ({int_ok}):", f"{indent}        return None",
            f"{indent}else:", f"{indent}    return None"]


def _cheap(e: ir.IExpr) -> bool:
    """A commitment as cheap to test twice as to read from a variable: a flag or a plain comparison."""
    if isinstance(e, ir.Not):
        return _cheap(e.arg)
    if isinstance(e, ir.Cmp):
        return all(isinstance(side, (ir.Var, ir.Const, ir.IntConst)) for side in (e.left, e.right))
    return isinstance(e, (ir.Var, ir.BoolConst))


def _unmet_list(policy: Policy, gen: _Gen, j: int, ks: list[int], precomputed: set[int],
                fragment: Callable[[int], str], *, action: str | None = None,
                name: str = "L", requirements: tuple[Requirement, ...] | None = None) -> list[str]:
    """L<j>: the unmet requirements of action j, in declaration order. Consecutive requirements
    with the same activity condition (a tier's block) share one test of it; a requirement of the
    lowest tier is always active, so it is not tested at all. A requirement some waiver can lift
    for `action` is active only while none of those waivers (w<i>) holds (language v2 §4). With
    `requirements` (the policy's recommendations) and name R: the unheeded list instead."""
    lowest = min((t.index for t in policy.tiers), default=0)
    listed = policy.requirements if requirements is None else requirements
    groups: list[tuple[str, list[int]]] = []
    for k in ks:
        req = listed[k]
        parts = [f"T >= {int(req.tier)}"] if req.tier is not None and req.tier > lowest else []
        if req.condition is not None:
            parts.append(gen.expr(req.condition))
        if requirements is None and action is not None:
            parts += [f"not w{w.index}" for w in policy.waivers_of(k, action)]
        active = " and ".join(parts)
        if groups and groups[-1][0] == active:
            groups[-1][1].append(k)
        else:
            groups.append((active, [k]))
    out = [f"{name}{j} = []"]
    for active, group in groups:
        pad = "    " if active else ""
        if active:
            out.append(f"if {active}:")
        for k in group:
            unmet = f"u{k}" if k in precomputed else f"not {gen.expr(listed[k].commitment)}"
            out.append(f"{pad}if {unmet}: {name}{j}.append({fragment(k)})")
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
    for i, waiver in enumerate(policy.waivers):  # language v2 §4: read by the unmet lists below
        _emit(body, gen, f"w{i} = {gen.expr(waiver.condition)}")
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
    advisable: dict[str, list[int]] = {a: [k for k, r in enumerate(policy.recommendations) if a in r.actions]
                                       for a in actions}
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
                                         lambda k: frag(_dumps(_requirement_json(policy.requirements[k]))),
                                         action=action.name))
        if advisable[action.name]:
            _emit(body, gen, _unmet_list(policy, gen, j, advisable[action.name], set(),
                                         lambda k: frag(_dumps(_requirement_json(policy.recommendations[k]))),
                                         name="R", requirements=policy.recommendations))
    for name in actions:  # written in the order asked for
        j = gen.act_index[name]
        pieces.append(f"p{j}")
        if listed[name]:
            pieces.append(f'",".join(L{j})')
        if policy.recommendations:  # v2 §4: the "unheeded" key, as decision_to_json writes it
            pieces.append(frag('],"unheeded":['))
            if advisable[name]:
                pieces.append(f'",".join(R{j})')
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
    ns = dict(base)
    source, seen = _generate_line(policy, ns, actions)
    repeated = {code for code, n in seen.items() if n > 1}
    if repeated:
        ns = dict(base)
        source, _ = _generate_line(policy, ns, actions, repeated)
    return source, ns
