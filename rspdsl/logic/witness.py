"""One path from a solver model to a replayed witness, shared by check, diff and baseline.

    a seeded, time-bounded solver  →  a model  →  exact values, short decimals preferred
        →  the STATE.json round trip  →  the definitional evaluator  →  a witness, or InternalError

Every analysis asks its questions through `ask` (one push/pop scope per question) on a solver
made by `new_solver`, reads states from the model with `StateEncoding.read`, and hands each
state to `replay`, the one place where a witness meets the reference semantics: the definitional
evaluator, rspdsl.semantics.interpret (the oracle, never the compiled fast path). A witness the
evaluator does not confirm is a bug in rspdsl: rspdsl.diagnostics.InternalError, never a finding. An answer the
solver could not give is UNKNOWN with its reason, never "no witness".
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..diagnostics import InternalError
from ..semantics import interpret
from ..semantics.decision import Decision
from ..semantics.interpret import HISTORY_KEY
from ..semantics.model import Policy
from ..state import StateError, dumps_exact, is_finite_decimal, read_state, state_to_json

__all__ = ["InternalError", "Answer", "SAT", "UNSAT", "UNKNOWN", "new_solver", "configure", "check",
           "unknown_reason", "ask", "decimal_candidates", "prefer_decimals", "reals_of", "replay",
           "Replayed"]

SAT, UNSAT, UNKNOWN = "sat", "unsat", "unknown"

# How far the decimal preference looks for a shorter spelling of a witness value (10**-k steps),
# and its time budget per witness (each check gets at most that).
DECIMAL_PLACES = 6
PINNING_SECONDS = 1.0


# ------------------------------------------------------------------ solvers

def configure(solver: Any, *, seed: int, timeout_ms: int) -> Any:
    """Seed a solver and bound each check (results are deterministic for a seed)."""
    solver.set("random_seed", int(seed))
    solver.set("smt.random_seed", int(seed))
    solver.set("timeout", max(1, int(timeout_ms)))
    return solver


def new_solver(ctx: Any = None, *, seed: int, timeout_ms: int, tactic: str | None = None) -> Any:
    """A seeded, time-bounded solver (from `tactic` when given, e.g. "qsat")."""
    import z3
    ctx = ctx or z3.main_ctx()
    solver = z3.Tactic(tactic, ctx).solver() if tactic else z3.Solver(ctx=ctx)
    return configure(solver, seed=seed, timeout_ms=timeout_ms)


def check(solver: Any, *assumptions: Any) -> Any:
    """The solver's verdict; an exception inside Z3 counts as unknown (never as unsat)."""
    import z3
    try:
        return solver.check(*assumptions)
    except z3.Z3Exception:
        return z3.unknown


def unknown_reason(solver: Any) -> str:
    """Why the solver gave up, with every flavour of running out of time called "timeout"."""
    reason = solver.reason_unknown()
    if reason in ("canceled", "timeout") or "timeout" in reason:
        return "timeout"
    return reason or "unknown"


@dataclass(frozen=True)
class Answer:
    """A question's answer: SAT (with a model when one was asked for), UNSAT, or UNKNOWN (reason)."""
    status: str
    model: Any = None
    reason: str = ""


Real = tuple[Any, Any, Any]   # (a Z3 real constant, its lower bound or None, its upper bound or None)


def ask(solver: Any, *constraints: Any, reals: Sequence[Real] = (), timeout_ms: int,
        need_model: bool = True) -> Answer:
    """Is the solver's context plus `constraints` satisfiable? In a push/pop scope of its own; a
    model has the `reals` pinned to short decimals where the constraints allow."""
    import z3
    solver.push()
    try:
        solver.add(*constraints)
        try:
            verdict = solver.check()
        except z3.Z3Exception as exc:
            return Answer(UNKNOWN, reason=str(exc))
        if verdict == z3.unsat:
            return Answer(UNSAT)
        if verdict != z3.sat:
            return Answer(UNKNOWN, reason=unknown_reason(solver))
        if not need_model:
            return Answer(SAT)
        return Answer(SAT, prefer_decimals(solver, solver.model(), reals, timeout_ms=timeout_ms))
    finally:
        solver.pop()


# ------------------------------------------------------------------ short decimals

def decimal_candidates(q: Fraction, lo: Any = None, hi: Any = None) -> list[Fraction]:
    """Decimals near q, fewest places first (whole numbers, then tenths, ...), the nearer of the
    two neighbours first, within [lo, hi]."""
    out: list[Fraction] = []
    for places in range(0, DECIMAL_PLACES + 1):
        scale = 10 ** places
        down = Fraction(q.numerator * scale // q.denominator, scale)
        for c in sorted({down, down + Fraction(1, scale)}, key=lambda c: (abs(c - q), c)):
            if (lo is None or c >= lo) and (hi is None or c <= hi) and c not in out:
                out.append(c)
    return out


def _real_value(model: Any, const: Any) -> Fraction | None:
    import z3
    value = model.eval(const, model_completion=True)
    if not z3.is_rational_value(value):
        return None
    return Fraction(value.numerator_as_long(), value.denominator_as_long())


def prefer_decimals(solver: Any, model: Any, reals: Sequence[Real], *, timeout_ms: int) -> Any:
    """Within the caller's scope (its question asserted): re-solve with each real the model gives
    as a non-decimal (1/3) pinned to a nearby short decimal, keeping each pin that still leaves the
    question satisfiable, so a witness reads like numbers a person writes. A "p/q" witness is
    still a witness: when the time budget runs out, the model found so far is returned."""
    import z3
    if not reals:
        return model
    pins: list = []
    seen: set[int] = set()
    deadline = time.perf_counter() + PINNING_SECONDS
    step_ms = max(1, min(int(timeout_ms), int(PINNING_SECONDS * 1000)))
    for const, lo, hi in reals:
        key = const.get_id()
        if key in seen:   # a constant shared by two encodings is pinned once
            continue
        seen.add(key)
        q = _real_value(model, const)
        if q is None or is_finite_decimal(q):
            continue
        for candidate in decimal_candidates(q, lo, hi):
            if time.perf_counter() > deadline:
                return model
            pin = const == z3.RealVal(f"{candidate.numerator}/{candidate.denominator}", const.ctx)
            solver.push()
            try:
                solver.add(*pins, pin)
                solver.set("timeout", step_ms)
                if check(solver) == z3.sat:
                    model = solver.model()
                    pins.append(pin)
                    break
            finally:
                solver.set("timeout", max(1, int(timeout_ms)))
                solver.pop()
    return model


def reals_of(policy: Policy, consts: dict[str, Any]) -> list[Real]:
    """The real-valued constants of one encoding of `policy`, with their declared bounds."""
    return [(consts[name], var.lo, var.hi) for name, var in policy.variables.items()
            if var.sort == "real" and name in consts]


# ------------------------------------------------------------------ replay

@dataclass(frozen=True)
class Replayed:
    """A witness state after replay: its STATE.json form, the validated values, the decision."""
    json: dict[str, Any]
    state: dict[str, Any]
    decision: Decision


def decide(policy: Policy, state: dict[str, Any]) -> Decision:
    """The reference semantics: the one call every witness of check, diff and baseline goes through
    (the definitional evaluator, never the compiled fast path)."""
    return interpret.decide(policy, state)


def replay(policy: Policy, values: dict[str, Any], *, what: str) -> Replayed:
    """Write a state read from a model as STATE.json text, read it back as `rspdsl eval` would
    (so it is within bounds and spelled exactly), and decide it. `what` names the question for
    the InternalError a malformed witness raises."""
    as_json = state_to_json(policy, values)
    text = dumps_exact(as_json)
    try:
        back: dict[str, Any] = dict(read_state(policy, text, origin="witness"))
    except StateError as exc:
        raise InternalError(f"{what}: witness {text} does not read back: {exc}") from exc
    if back != {k: v for k, v in values.items() if k != HISTORY_KEY}:
        raise InternalError(f"{what}: witness {text} reads back differently")
    if HISTORY_KEY in values:  # an extended state's history (language v2) rides along
        back[HISTORY_KEY] = values[HISTORY_KEY]
    return Replayed(as_json, back, decide(policy, back))


def replay_all(policy: Policy, states: Iterable[dict[str, Any]], *, what: str) -> list[Replayed]:
    return [replay(policy, s, what=what) for s in states]


def shown(policy: Policy, states: Iterable[dict[str, Any]]) -> str:
    """States as STATE.json text, for an InternalError's message."""
    return ", ".join(dumps_exact(state_to_json(policy, s)) for s in states)
