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
from .boolops import And, Implies, Not, Or
from .encode import _Builder, _declare, _num, _Translator, conj, disj, fraction_of, model_values, state_from_model


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
        self._past_names: dict[str, dict[str, str]] = {}

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
        if act not in self._past:
            self._past[act] = _past_builder(self.policy, f"{self.prefix}history.at.{act}.", self.ctx)
        return self._past[act]

    def constraints(self, now: _Builder) -> list:
        """The history's own invariants: days are >= 0, the past copies within bounds, and a
        cumulative variable was never larger at an earlier step."""
        from .encode import _bounds

        out = []
        for name in [key[len(f"{self.prefix}history.overdue."):] for key in list(self._consts)
                     if key.startswith(f"{self.prefix}history.overdue.")]:
            out.extend(self._overdue_facts(now, name))
        out += [c >= 0 for key, c in self._consts.items() if key.startswith(f"{self.prefix}history.since.")]
        for b in self._past.values():
            for name, v in self.policy.variables.items():
                out.extend(_bounds(v, b.vars[name]))
                if v.cumulative:
                    out.append(b.vars[name] <= now.vars[name])
        return out

    def _overdue_facts(self, now: _Builder, name: str) -> list:
        """What overdue(D) implies in every run (§3), so extended states need not consider less:
        D's act has not happened for more than N days; a `within` duty triggered by an act was
        triggered; an `every` duty's `while` holds now."""
        duty = self.policy.duties[name]
        late = self.overdue(now, name)
        n = _real(duty.days, self.ctx)
        out = [Implies(And(late, self.done(now, duty.act)), self._const(f"since.{duty.act}", "real") > n)]
        if duty.kind == "within" and duty.trigger_is_act and duty.trigger is not None:
            out.append(Implies(late, self.done(now, duty.trigger)))
        if duty.kind == "every" and duty.condition is not None:
            out.append(Implies(late, _Translator(now)(duty.condition)))
        return out

    def pins(self, model) -> list:
        """Every history constant equal to its value in `model`: the history is on the ∃ side of an
        ∃∀ question (consistency, deadlines), so a clash found with it must be re-checked with it."""
        consts = list(self._consts.values()) + [c for b in self._past.values() for c in b.vars.values()]
        return [c == model.eval(c, model_completion=True) for c in consts]

    def _names(self, act: str) -> dict[str, str]:
        """The constants' names of the state at `act` (asking Z3 for a name is not free)."""
        names = self._past_names.get(act)
        if names is None:
            names = self._past_names[act] = {n: c.decl().name() for n, c in self._past[act].vars.items()}
        return names

    def read(self, model, state: Mapping[str, Any], values: Mapping[str, Any] | None = None) -> StepHistory:
        """The StepHistory the model gives: a day on which every `days_since` fits, the latest day
        of each act done, the state at it, the duties overdue. `values`: the model's model_values."""
        import z3

        values = model_values(model) if values is None else values

        def value(key: str):
            name = f"{self.prefix}history.{key}"
            const = self._consts.get(name)
            if const is None:
                return None
            if isinstance(values.get(name), (bool, Fraction)):  # a literal in the model: no eval
                return values[name]
            v = model.eval(const, model_completion=True)
            return z3.is_true(v) if z3.is_bool(v) else fraction_of(v)

        done = [act for act in self.policy.acts if value(f"done.{act}")]
        since = {act: value(f"since.{act}") or Fraction(0) for act in done}
        day = max(since.values(), default=Fraction(0))
        past = {act: current_values(self.policy, state_from_model(self.policy, b.vars, model, self._names(act), values))
                for act, b in self._past.items()}
        overdue = frozenset(d for d in self.policy.duties if value(f"overdue.{d}"))
        return StepHistory(day, {act: day - since[act] for act in done}, past, overdue)


# --------------------------------------------------------------------------- unrolled runs

class Run:
    """The symbols of a run of n steps: per step its acts (Bool per act) and day (Real).

    With `segment`, the steps are n consecutive steps *anywhere* in a run (k-induction's step
    case): what happened before them is a free summary (`Before`), not nothing."""

    def __init__(self, policy: Policy, n: int, ctx, segment: bool = False, prefix: str = "") -> None:
        self.policy = policy
        self.ctx = ctx
        self.prefix = prefix  # several runs in one context (the SMT-LIB export) need their own names
        self.acts: list[dict[str, Any]] = []
        self.days: list[Any] = []
        for _ in range(n):
            self._symbols()
        self.steps: list[Any] = []  # StateEncodings, filled step by step
        self.before = Before(policy, ctx) if segment else None

    @property
    def n(self) -> int:
        return len(self.days)

    def _symbols(self) -> None:
        import z3
        k = len(self.days)
        self.acts.append({a: z3.Bool(f"{self.prefix}s{k}.run.act.{a}", self.ctx) for a in self.policy.acts})
        self.days.append(z3.Real(f"{self.prefix}s{k}.run.day", self.ctx))

    def add_step(self) -> Any:
        """Encode the next step (a run is unrolled one step at a time: no step's encoding reads a
        later step, so a search deepening the run reuses the earlier ones). Returns its
        StateEncoding."""
        from .encode import encode_state
        k = len(self.steps)
        if k == self.n:
            self._symbols()
        self.steps.append(encode_state(self.policy, f"{self.prefix}s{k}.", ctx=self.ctx,
                                       history=UnrolledHistory(self, k)))
        return self.steps[-1]


class Before:
    """What the steps before a segment left behind, as free values (the segment's step 0 is any
    step of a run): per act, whether and on which day it last happened and the state then; the
    run's first state (what `E at X` reads when X never happened); per duty, its clock."""

    def __init__(self, policy: Policy, ctx) -> None:
        import z3
        self.policy = policy
        self.ctx = ctx
        p = "before."
        self.done = {a: z3.Bool(f"{p}done.{a}", ctx) for a in policy.acts}
        self.last = {a: z3.Real(f"{p}last.{a}", ctx) for a in policy.acts}
        self.copies: dict[str, _Builder] = {}
        self.open = {d: z3.Bool(f"{p}open.{d}", ctx) for d in policy.duties}       # within: undischarged
        self.since = {d: z3.Real(f"{p}since.{d}", ctx) for d in policy.duties}     # ... since this day
        self.held = {d: z3.Bool(f"{p}held.{d}", ctx) for d in policy.duties}       # trigger/while at the step before
        self.started = {d: z3.Real(f"{p}started.{d}", ctx) for d in policy.duties}  # every: latest start

    def copy(self, name: str) -> _Builder:
        """A free state (`at.X`: at X's latest step before the segment; `origin`: the run's first)."""
        if name not in self.copies:
            self.copies[name] = _past_builder(self.policy, f"before.{name}.", self.ctx)
        return self.copies[name]

    def constraints(self, run: Run) -> list:
        from .encode import _bounds
        day0 = run.days[0]
        out = [self.last[a] <= day0 for a in self.policy.acts] + [self.last[a] >= 0 for a in self.policy.acts]
        for d, duty in self.policy.duties.items():
            out += [self.since[d] <= day0, self.since[d] >= 0, self.started[d] <= day0, self.started[d] >= 0]
            if duty.kind == "every":  # C held at the previous step: its clock started at or before it
                out.append(self.open[d] == self.held[d])
        for b in self.copies.values():
            for name, v in self.policy.variables.items():
                out.extend(_bounds(v, b.vars[name]))
                if v.cumulative:
                    out.append(b.vars[name] <= run.steps[0].vars[name])
        return out


def _past_builder(policy: Policy, prefix: str, ctx) -> _Builder:
    """A free state's variables, history-free thresholds and tier (what `E at X` may read)."""
    import z3
    consts = {name: _declare(v, f"{prefix}{name}", ctx) for name, v in policy.variables.items()}
    b = _Builder(consts, ctx)
    tr = _Translator(b)
    for name, th in policy.thresholds.items():
        if name not in policy.history_thresholds:
            b.thresholds[name] = tr(th.condition)
    conditions = [tr(t.condition) if t.condition is not None else z3.BoolVal(True, ctx) for t in policy.tiers]
    ge = [z3.BoolVal(True, ctx)] * len(conditions)
    for k in range(len(conditions) - 1, 0, -1):
        ge[k] = conditions[k] if k == len(conditions) - 1 else Or(conditions[k], ge[k + 1])
    b._ge = tuple(ge)
    tier = z3.IntVal(0, ctx)
    for k in range(1, len(conditions)):
        tier = z3.If(conditions[k], z3.IntVal(k, ctx), tier)
    b.tier = tier
    return b


class UnrolledHistory:
    """History terms at step k of `run`, as formulas over steps 0..k (contract §2-3), and over
    the free summary of earlier steps when the run is a segment."""

    def __init__(self, run: Run, k: int) -> None:
        self.run = run
        self.k = k

    def _step(self, b: _Builder, i: int) -> _Builder:
        return b if i == self.k else _builder_of(self.run.steps[i])

    def _none_since(self, act: str, i: int):
        """X did not happen at steps i..k-1."""
        return conj([Not(self.run.acts[j][act]) for j in range(i, self.k)], self.run.ctx)

    def done(self, b, act: str):
        before = self.run.before
        return disj([self.run.acts[j][act] for j in range(self.k)] + ([before.done[act]] if before else []),
                    self.run.ctx)

    def _latest(self, act: str, j: int):
        """X happened at step j and not at any step after it before k."""
        return And(self.run.acts[j][act], self._none_since(act, j + 1))

    def since(self, b, act: str, op: str, k: Fraction):
        ctx, days, before = self.run.ctx, self.run.days, self.run.before
        cases = [And(self._latest(act, j), _compare(op, days[self.k] - days[j], _real(k, ctx)))
                 for j in range(self.k)]
        if before is not None:
            cases.append(And(before.done[act], self._none_since(act, 0),
                                _compare(op, days[self.k] - before.last[act], _real(k, ctx))))
        if op in (">", ">=", "!="):
            cases.append(Not(self.done(b, act)))
        return disj(cases, ctx)

    def at(self, b, act: str, arg: ir.IExpr):
        import z3
        before = self.run.before
        if before is None:
            term = _Translator(self._step(b, 0))(arg)  # never happened: step 0's value (itself at step 0)
        else:
            term = z3.If(before.done[act], _Translator(before.copy(f"at.{act}"))(arg),
                         _Translator(before.copy("origin"))(arg))
        for j in range(self.k):  # the latest earlier step wins: build from the earliest outwards
            term = z3.If(self.run.acts[j][act], _Translator(_builder_of(self.run.steps[j]))(arg), term)
        return term

    def _trigger(self, b, duty, i: int):
        run = self.run
        if duty.trigger_is_act:
            return run.acts[i][duty.trigger]
        now = self._step(b, i).thresholds[duty.trigger]
        if i > 0:
            return And(now, Not(self._step(b, i - 1).thresholds[duty.trigger]))
        return And(now, Not(run.before.held[duty.name])) if run.before is not None else now

    def _holds(self, b, duty, i: int):
        return _Translator(self._step(b, i))(duty.condition)

    def _carried(self, name: str):
        """A trigger from before the segment still undischarged at step k (within duties)."""
        before = self.run.before
        if before is None:
            return None
        return And(before.open[name], self._none_since(self.run.policy.duties[name].act, 0))

    def pending(self, b, name: str):
        """The duty has been triggered and not discharged (within), or its `while` holds (every)."""
        duty = self.run.policy.duties[name]
        if duty.kind == "every":
            return self._holds(b, duty, self.k)
        cases = [And(self._trigger(b, duty, i), self._none_since(duty.act, i)) for i in range(self.k + 1)]
        carried = self._carried(name)
        return disj(cases + ([carried] if carried is not None else []), self.run.ctx)

    def overdue(self, b, name: str):
        import z3
        run = self.run
        duty, acts, days, ctx, before = run.policy.duties[name], run.acts, run.days, run.ctx, run.before
        late = [days[self.k] - days[i] > _real(duty.days, ctx) for i in range(self.k + 1)]
        if duty.kind == "within":
            cases = [And(self._trigger(b, duty, i), self._none_since(duty.act, i), late[i])
                     for i in range(self.k + 1)]
            carried = self._carried(name)
            if carried is not None and before is not None:
                cases.append(And(carried, days[self.k] - before.since[name] > _real(duty.days, ctx)))
            return disj(cases, ctx)
        holds = [self._holds(b, duty, i) for i in range(self.k + 1)]
        held0 = before.held[name] if before is not None else z3.BoolVal(False, ctx)
        starts = [Or(And(holds[i], Not(holds[i - 1] if i else held0)),
                        acts[i][duty.act] if i < self.k else z3.BoolVal(False, ctx)) for i in range(self.k + 1)]
        parts = [holds[self.k]] + [Implies(starts[i], late[i]) for i in range(self.k + 1)]
        if before is not None:  # a clock started before the segment counts while it is the latest start
            parts.append(Implies(before.open[name], days[self.k] - before.started[name] > _real(duty.days, ctx)))
        return And(*parts)

    def constraints(self, now: _Builder) -> list:
        """How step k follows step k-1 (§1): days do not go back, cumulative values do not
        decrease, a `set at X` input changes only where X happens; and the step is compliant."""
        run, k, policy = self.run, self.k, self.run.policy
        out = [run.days[k] >= 0] if k == 0 else [run.days[k] >= run.days[k - 1]]
        if k > 0:
            before = run.steps[k - 1].vars
            for name, v in policy.variables.items():
                if v.cumulative:
                    out.append(now.vars[name] >= before[name])
                if v.set_at is not None:
                    out.append(Or(run.acts[k][v.set_at], now.vars[name] == before[name]))
        allowed = now.allowed or {}
        out.extend(Implies(run.acts[k][a], allowed[a]) for a in policy.actions)
        return out


def unroll(policy: Policy, n: int, ctx, segment: bool = False, prefix: str = "") -> Run:
    """Encode a compliant run of n steps (or, with `segment`, n consecutive steps of one);
    `run.steps[k]` is step k's StateEncoding, its bounds holding the run's constraints for that
    step (and, at step 0 of a segment, the summary's own invariants)."""
    run = Run(policy, n, ctx, segment, prefix)
    for _ in range(n):
        run.add_step()
    if run.before is not None:
        first = run.steps[0]
        object.__setattr__(first, "bounds", first.bounds + tuple(run.before.constraints(run)))
    return run


def read_run(run: Run, model) -> list:
    """The run a model describes, as semantics.run.Step values (full states, acts, days)."""
    import z3

    from ..semantics.run import Step

    values = model_values(model)
    steps = []
    for k, encoding in enumerate(run.steps):
        state = state_from_model(run.policy, encoding.vars, model, encoding.smt_names, values)
        acts = frozenset(a for a, b in run.acts[k].items() if z3.is_true(model.eval(b, model_completion=True)))
        day = fraction_of(model.eval(run.days[k], model_completion=True))
        steps.append(Step(day, state, acts))
    return steps
