"""What history terms mean in a Z3 encoding (language-v2.md §2, §3, §5).

Two providers, both handed to `encode_state(history=...)`:

- `FreeHistory` — an *extended state*: every history value is a fresh constant, subject only to
  its own invariants (days_since >= 0; a cumulative input was never larger at an earlier step).
  Every step of every run is such a state, so a property proved here holds on all runs (§5,
  method 1). A model reads back as a StepHistory, which the interpreter replays.
- `UnrolledHistory` — step k of a run of n steps: history terms are formulas over the earlier
  steps' encodings, their acts and days, written from the same definitions as
  rspdsl/semantics/run.py (which replays every run the solver finds).
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..semantics import ir
from ..semantics.interpret import StepHistory, current_values
from ..semantics.model import Policy
from .encode import _Builder, _declare, _num, _Translator, conj, disj, fraction_of, state_from_model


def _compare(op: str, a, b):
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]


def _real(value: Fraction, ctx):
    return _num(value, "real", ctx)


def _builder_of(encoding) -> _Builder:
    """A finished StateEncoding as the translator's scaffolding (to read an expression at that step)."""
    b = _Builder(encoding.vars, encoding.ctx, encoding.history)
    b.thresholds = dict(encoding.thresholds)
    b._ge = encoding._tier_ge
    b.tier = encoding.tier
    return b


# --------------------------------------------------------------------------- extended states

class FreeHistory:
    """History values as free constants named `PREFIXhistory.done.X`, `PREFIXhistory.since.X`,
    `PREFIXhistory.overdue.D`, and a copy of the state at each act X that `E at X` reads,
    `PREFIXhistory.at.X.NAME` (policy names hold no dot, so none can collide with them; SMT-LIB
    reserves symbols that start with `@`)."""

    def __init__(self, policy: Policy, prefix: str, ctx) -> None:
        self.policy = policy
        self.prefix = prefix
        self.ctx = ctx
        self._consts: dict[str, Any] = {}
        self._past: dict[str, _Builder] = {}

    def _const(self, name: str, sort: str):
        import z3
        key = f"{self.prefix}history.{name}"
        if key not in self._consts:
            self._consts[key] = (z3.Bool if sort == "bool" else z3.Real)(key, self.ctx)
        return self._consts[key]

    def done(self, b, act: str):
        return self._const(f"done.{act}", "bool")

    def since(self, b, act: str, op: str, k: Fraction):
        import z3
        never = op in (">", ">=", "!=")  # days_since is +infinity before the first X
        since = self._const(f"since.{act}", "real")
        return z3.If(self.done(b, act), _compare(op, since, _real(k, self.ctx)), z3.BoolVal(never, self.ctx))

    def overdue(self, b, duty: str):
        return self._const(f"overdue.{duty}", "bool")

    def at(self, b, act: str, arg: ir.IExpr):
        return _Translator(self._past_copy(act))(arg)

    def _past_copy(self, act: str) -> _Builder:
        """The state at X's latest earlier step: its variables, history-free thresholds and tier."""
        import z3
        if act not in self._past:
            policy, ctx = self.policy, self.ctx
            consts = {name: _declare(v, f"{self.prefix}history.at.{act}.{name}", ctx)
                      for name, v in policy.variables.items()}
            b = _Builder(consts, ctx)
            tr = _Translator(b)
            for name, th in policy.thresholds.items():
                if name not in policy.history_thresholds:
                    b.thresholds[name] = tr(th.condition)
            conditions = [tr(t.condition) if t.condition is not None else z3.BoolVal(True, ctx) for t in policy.tiers]
            ge = [z3.BoolVal(True, ctx)] * len(conditions)
            for k in range(len(conditions) - 1, 0, -1):
                ge[k] = conditions[k] if k == len(conditions) - 1 else z3.Or(conditions[k], ge[k + 1])
            b._ge = tuple(ge)
            tier = z3.IntVal(0, ctx)
            for k in range(1, len(conditions)):
                tier = z3.If(conditions[k], z3.IntVal(k, ctx), tier)
            b.tier = tier
            self._past[act] = b
        return self._past[act]

    def constraints(self, now: _Builder) -> list:
        """The history's own invariants: days are >= 0, the past copies within bounds, and a
        cumulative variable was never larger at an earlier step."""
        from .encode import _bounds

        out = [c >= 0 for key, c in self._consts.items() if key.startswith(f"{self.prefix}history.since.")]
        for b in self._past.values():
            for name, v in self.policy.variables.items():
                out.extend(_bounds(v, b.vars[name]))
                if v.cumulative:
                    out.append(b.vars[name] <= now.vars[name])
        return out

    def read(self, model, state: Mapping[str, Any]) -> StepHistory:
        """The StepHistory the model gives: a day on which every `days_since` fits, the latest day
        of each act done, the state at it, the duties overdue."""
        import z3

        def value(key: str):
            const = self._consts.get(f"{self.prefix}history.{key}")
            if const is None:
                return None
            v = model.eval(const, model_completion=True)
            return z3.is_true(v) if z3.is_bool(v) else fraction_of(v)

        done = [act for act in self.policy.acts if value(f"done.{act}")]
        since = {act: value(f"since.{act}") or Fraction(0) for act in done}
        day = max(since.values(), default=Fraction(0))
        past = {act: current_values(self.policy, state_from_model(self.policy, b.vars, model))
                for act, b in self._past.items()}
        overdue = frozenset(d for d in self.policy.duties if value(f"overdue.{d}"))
        return StepHistory(day, {act: day - since[act] for act in done}, past, overdue)


# --------------------------------------------------------------------------- unrolled runs

class Run:
    """The symbols of a run of n steps: per step its acts (Bool per act) and day (Real)."""

    def __init__(self, policy: Policy, n: int, ctx) -> None:
        import z3
        self.policy = policy
        self.n = n
        self.ctx = ctx
        self.acts = [{a: z3.Bool(f"s{k}.run.act.{a}", ctx) for a in policy.acts} for k in range(n)]
        self.days = [z3.Real(f"s{k}.run.day", ctx) for k in range(n)]
        self.steps: list[Any] = []  # StateEncodings, filled step by step


class UnrolledHistory:
    """History terms at step k of `run`, as formulas over steps 0..k (contract §2-3)."""

    def __init__(self, run: Run, k: int) -> None:
        self.run = run
        self.k = k

    def _step(self, b: _Builder, i: int) -> _Builder:
        return b if i == self.k else _builder_of(self.run.steps[i])

    def done(self, b, act: str):
        return disj([self.run.acts[j][act] for j in range(self.k)], self.run.ctx)

    def _latest(self, act: str, j: int):
        """X happened at step j and not at any step after it before k."""
        import z3
        acts = self.run.acts
        return conj([acts[j][act]] + [z3.Not(acts[i][act]) for i in range(j + 1, self.k)], self.run.ctx)

    def since(self, b, act: str, op: str, k: Fraction):
        import z3
        ctx, days = self.run.ctx, self.run.days
        cases = [z3.And(self._latest(act, j), _compare(op, days[self.k] - days[j], _real(k, ctx)))
                 for j in range(self.k)]
        if op in (">", ">=", "!="):
            cases.append(z3.Not(self.done(b, act)))
        return disj(cases, ctx)

    def at(self, b, act: str, arg: ir.IExpr):
        import z3
        base = _Translator(self._step(b, 0))(arg)  # never happened: step 0's value (itself at step 0)
        term = base
        for j in range(self.k):  # the latest earlier step wins: build from the earliest outwards
            term = z3.If(self.run.acts[j][act], _Translator(_builder_of(self.run.steps[j]))(arg), term)
        return term

    def _trigger(self, b, duty, i: int):
        import z3
        run = self.run
        if duty.trigger_is_act:
            return run.acts[i][duty.trigger]
        now = self._step(b, i).thresholds[duty.trigger]
        if i == 0:
            return now
        return z3.And(now, z3.Not(self._step(b, i - 1).thresholds[duty.trigger]))

    def _holds(self, b, duty, i: int):
        return _Translator(self._step(b, i))(duty.condition)

    def pending(self, b, name: str):
        """The duty has been triggered and not discharged (within), or its `while` holds (every)."""
        import z3
        duty, acts, ctx = self.run.policy.duties[name], self.run.acts, self.run.ctx
        if duty.kind == "every":
            return self._holds(b, duty, self.k)
        return disj([z3.And(self._trigger(b, duty, i), *[z3.Not(acts[j][duty.act]) for j in range(i, self.k)])
                     for i in range(self.k + 1)], ctx)

    def overdue(self, b, name: str):
        import z3
        duty, acts, days, ctx = self.run.policy.duties[name], self.run.acts, self.run.days, self.run.ctx
        late = [days[self.k] - days[i] > _real(duty.days, ctx) for i in range(self.k + 1)]
        if duty.kind == "within":
            return disj([z3.And(self._trigger(b, duty, i), *[z3.Not(acts[j][duty.act]) for j in range(i, self.k)],
                                late[i]) for i in range(self.k + 1)], ctx)
        holds = [self._holds(b, duty, i) for i in range(self.k + 1)]
        starts = [z3.Or(z3.And(holds[i], z3.Not(holds[i - 1])) if i else holds[0],
                        acts[i][duty.act] if i < self.k else z3.BoolVal(False, ctx)) for i in range(self.k + 1)]
        return z3.And(holds[self.k], *[z3.Implies(starts[i], late[i]) for i in range(self.k + 1)])

    def constraints(self, now: _Builder) -> list:
        """How step k follows step k-1 (§1): days do not go back, cumulative values do not
        decrease, a `set at X` input changes only where X happens; and the step is compliant."""
        import z3
        run, k, policy = self.run, self.k, self.run.policy
        out = [run.days[k] >= 0] if k == 0 else [run.days[k] >= run.days[k - 1]]
        if k > 0:
            before = run.steps[k - 1].vars
            for name, v in policy.variables.items():
                if v.cumulative:
                    out.append(now.vars[name] >= before[name])
                if v.set_at is not None:
                    out.append(z3.Or(run.acts[k][v.set_at], now.vars[name] == before[name]))
        allowed = now.allowed or {}
        out.extend(z3.Implies(run.acts[k][a], allowed[a]) for a in policy.actions)
        return out


def unroll(policy: Policy, n: int, ctx) -> Run:
    """Encode a compliant run of n steps; `run.steps[k]` is step k's StateEncoding, its bounds
    holding the run's constraints for that step."""
    from .encode import encode_state

    run = Run(policy, n, ctx)
    for k in range(n):
        run.steps.append(encode_state(policy, f"s{k}.", ctx=ctx, history=UnrolledHistory(run, k)))
    return run


def read_run(run: Run, model) -> list:
    """The run a model describes, as semantics.run.Step values (full states, acts, days)."""
    import z3

    from ..semantics.run import Step

    steps = []
    for k, encoding in enumerate(run.steps):
        state = state_from_model(run.policy, encoding.vars, model, encoding.smt_names)
        acts = frozenset(a for a, b in run.acts[k].items() if z3.is_true(model.eval(b, model_completion=True)))
        day = fraction_of(model.eval(run.days[k], model_completion=True))
        steps.append(Step(day, state, acts))
    return steps
