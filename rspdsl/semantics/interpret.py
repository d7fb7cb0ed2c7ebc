"""The definitional evaluator: the meaning of a policy in one state, read straight off the contract.

This is the oracle. It generates no code and takes no shortcut: every threshold, tier, rule,
requirement and assertion is computed as `shared/design/language.md` defines it. The compiled
evaluator (rspdsl/compiled/) is the fast path; it is tested against this module and falls back
to it whenever it cannot compile a policy. Every witness that check, diff and baseline show is
replayed here first.

Numbers are exact: reals are Fractions or ints, scale values and tiers are indices. Expressions
are evaluated with an explicit stack, so any depth the parser accepts evaluates without
recursion.

Language v2 (language-v2.md): a step of a run is a state plus what its history terms see
(`StepHistory`, built by rspdsl/semantics/run.py from the steps before it). A state on its own
is step 0 of a run: nothing done before, no duty overdue, `E at X` is E now.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from . import ir
from .decision import Decision
from .model import Policy, Requirement, Rule

Value = Fraction | int | bool

_COMPARE = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


@dataclass(frozen=True)
class StepHistory:
    """What the history terms of one step see (v2 §2), all of it from strictly earlier steps.

    `latest[X]` is the day of X's latest earlier step and `past[X]` that step's values (state,
    thresholds, tier); an act absent from both never happened. `overdue` holds the duties
    overdue now (v2 §3, computed from earlier steps and today's day)."""

    day: Fraction | int = 0
    latest: Mapping[str, Fraction | int] = field(default_factory=dict)
    past: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    overdue: frozenset[str] = frozenset()


FIRST_STEP = StepHistory()
HISTORY_KEY = "@history"  # a state may carry its history (an extended state, as the prover reads one)


def value(e: ir.IExpr, env: Mapping[str, Any]) -> Value:
    """The value of `e` where `env` gives each variable (by name), each threshold (`thr:NAME`),
    the tier (`tier`), each action's permission (`allowed:NAME`) and the step's history
    (`history`: a StepHistory) as far as `e` needs them."""
    done: dict[int, Value] = {}  # id(node) -> value, filled children first
    stack: list[tuple[ir.IExpr, bool]] = [(e, False)]
    while stack:
        node, expanded = stack.pop()
        kind = type(node)
        read = _LEAVES.get(kind)
        if read is not None:  # a constant, a variable or a name: read, nothing below it
            done[id(node)] = read(node, env)
        elif kind is ir.At:  # E is read at another step: its children are not read here
            history: StepHistory = env.get("history", FIRST_STEP)
            done[id(node)] = value(node.arg, history.past.get(node.act, env))  # type: ignore[union-attr]
        elif not expanded:
            stack.append((node, True))
            stack.extend((child, False) for child in ir.children(node))
        else:
            done[id(node)] = _OPERATORS[kind](node, [done[id(child)] for child in ir.children(node)])
    return done[id(e)]


# what each kind of node means: leaves read `env`, operators combine their children's values
_LEAVES: dict[type, Callable[[Any, Mapping[str, Any]], Value]] = {
    ir.Const: lambda n, env: n.value,
    ir.BoolConst: lambda n, env: n.value,
    ir.IntConst: lambda n, env: n.value,
    ir.Var: lambda n, env: env[n.name],
    ir.ThresholdRef: lambda n, env: env[f"thr:{n.name}"],
    ir.TierValue: lambda n, env: env["tier"],
    ir.AllowedRef: lambda n, env: env[f"allowed:{n.action}"],
    ir.Done: lambda n, env: _history(n, env.get("history", FIRST_STEP)),
    ir.SinceCmp: lambda n, env: _history(n, env.get("history", FIRST_STEP)),
    ir.Overdue: lambda n, env: _history(n, env.get("history", FIRST_STEP)),
}
_OPERATORS: dict[type, Callable[[Any, list[Value]], Value]] = {
    ir.Not: lambda n, args: not args[0],
    ir.And: lambda n, args: all(args),
    ir.Or: lambda n, args: any(args),
    ir.Implies: lambda n, args: (not args[0]) or bool(args[1]),
    ir.Cmp: lambda n, args: _COMPARE[n.op](args[0], args[1]),
    ir.Add: lambda n, args: sum(args, Fraction(0)),
    ir.Neg: lambda n, args: -args[0],
    ir.Mul: lambda n, args: n.k * args[0],
    ir.MinMax: lambda n, args: (min if n.func == "min" else max)(args),
}


def _history(node: ir.Done | ir.SinceCmp | ir.Overdue, history: StepHistory) -> bool:
    if isinstance(node, ir.Overdue):
        return node.duty in history.overdue
    if isinstance(node, ir.Done):
        return node.act in history.latest
    # days_since(X) op k, with days_since = +infinity when X never happened
    if node.act not in history.latest:
        return node.op in (">", ">=", "!=")
    return _COMPARE[node.op](history.day - history.latest[node.act], node.k)


def current_values(policy: Policy, state: Mapping[str, Value]) -> dict[str, Any]:
    """The state with every history-free threshold (`thr:NAME`) and the tier: what a duty's clock
    and a later step's `E at X` read of this step."""
    env: dict[str, Any] = dict(state)
    for name, threshold in policy.thresholds.items():
        if name not in policy.history_thresholds:
            env[f"thr:{name}"] = bool(value(threshold.condition, env))
    env["tier"] = _tier(policy, env)
    return env


def _tier(policy: Policy, env: Mapping[str, Any]) -> int:
    """tier(state): the last-declared tier whose `when` holds, or the first tier."""
    tier = policy.tiers[0].index
    for t in policy.tiers:
        if t.condition is not None and value(t.condition, env):
            tier = t.index
    return tier


def decide(policy: Policy, state: Mapping[str, Value], history: StepHistory = FIRST_STEP) -> Decision:
    """Decide a validated state (as rspdsl.state.read_state returns it) -> Decision; `history` is
    what its history terms see (default: the first step of a run)."""
    env: dict[str, Any] = dict(state)
    carried = state.get(HISTORY_KEY)  # an extended state's own history (the prover's witnesses)
    env["history"] = carried if isinstance(carried, StepHistory) else history
    thresholds = {}
    for name, threshold in policy.thresholds.items():  # dependency order: each after those it uses
        thresholds[name] = env[f"thr:{name}"] = bool(value(threshold.condition, env))
    # tier `when`s read no history-dependent threshold (E0403), so their values are all known here
    tier = env["tier"] = _tier(policy, env)
    holding = tuple(bool(value(rule.condition, env)) for rule in policy.rules)
    allowed: dict[str, bool] = {}
    decided_by: dict[str, Rule | None] = {}
    for name, action in policy.actions.items():
        # forbid overrides permit: the first holding forbid decides; else the first holding
        # permit; else the default (decided by no rule)
        mine = [k for k, rule in enumerate(policy.rules) if rule.action == name]
        forbids = [k for k in mine if policy.rules[k].effect == "forbid" and holding[k]]
        permits = [k for k in mine if policy.rules[k].effect == "permit" and holding[k]]
        decider = forbids[0] if forbids else permits[0] if permits else None
        allowed[name] = action.default_permit if decider is None else policy.rules[decider].effect == "permit"
        decided_by[name] = None if decider is None else policy.rules[decider]
        env[f"allowed:{name}"] = allowed[name]
    # a requirement is active for an action it binds when tier >= its tier (if in a tier), its
    # `when` holds (if any), and no waiver of it for that action holds (v2 §4)
    def in_force(r: Requirement) -> bool:
        return (r.tier is None or tier >= r.tier) and (r.condition is None or bool(value(r.condition, env)))

    is_active = [in_force(r) for r in policy.requirements]
    waived = [bool(value(w.condition, env)) for w in policy.waivers]
    met = tuple(bool(value(r.commitment, env)) for r in policy.requirements)
    active = {name: tuple(k for k, r in enumerate(policy.requirements) if name in r.actions and is_active[k]
                          and not any(waived[w.index] for w in policy.waivers_of(k, name)))
              for name in policy.actions}
    advising = [in_force(r) for r in policy.recommendations]
    advised = {name: tuple(k for k, r in enumerate(policy.recommendations) if name in r.actions and advising[k])
               for name in policy.actions} if policy.recommendations else {}
    return Decision(
        tier=tier, thresholds=thresholds, allowed=allowed, decided_by=decided_by, active=active, met=met,
        rules_holding=holding, assertions={a.name: bool(value(a.body, env)) for a in policy.assertions},
        requirements=policy.requirements, advised=advised,
        advice_met=tuple(bool(value(r.commitment, env)) for r in policy.recommendations),
        recommendations=policy.recommendations,
    )
