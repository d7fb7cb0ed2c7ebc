"""Differential test of language v2: on random policies and random runs, the definitional run
evaluator (rspdsl/semantics/run.py) and the unrolled Z3 encoding (rspdsl/logic/history.py) agree
at every step on the thresholds, the tier, each action's permission, each requirement's activity
and truth, each assertion, and each duty's pending and overdue status."""
from __future__ import annotations

import json

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_v2 import v2_policies, v2_runs

from rspdsl.frontend import load_text
from rspdsl.logic.encode import z3_value
from rspdsl.logic.history import _builder_of, unroll
from rspdsl.runs import read_run
from rspdsl.semantics.run import evaluate_run


def _pinned(policy, steps):
    """The unrolled encoding of len(steps) steps with every variable, act and day pinned."""
    import z3
    ctx = z3.Context()
    run = unroll(policy, len(steps), ctx)
    solver = z3.Solver(ctx=ctx)
    for k, step in enumerate(steps):
        enc = run.steps[k]
        for name, var in policy.variables.items():
            solver.add(enc.vars[name] == z3_value(var, step.state[name], ctx))
        for act, const in run.acts[k].items():
            solver.add(const == z3.BoolVal(act in step.acts, ctx))
        solver.add(run.days[k] == z3.RealVal(f"{step.day.numerator}/{step.day.denominator}", ctx))
    assert solver.check() == z3.sat
    return run, solver.model()


@pytest.mark.slow
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_run_evaluator_and_unrolled_encoding_agree_step_by_step(data):
    import z3
    text = data.draw(v2_policies())
    loaded = load_text(text, "random.rsp")
    assert loaded.ok, [(d.code, d.message) for d in loaded.diagnostics if d.is_error]
    policy = loaded.policy
    steps = read_run(policy, [json.dumps(s) for s in data.draw(v2_runs(policy))])
    expected = evaluate_run(policy, steps)
    run, model = _pinned(policy, steps)
    truth = lambda term: z3.is_true(model.eval(term, model_completion=True))  # noqa: E731
    for k, (enc, want) in enumerate(zip(run.steps, expected)):
        d = want.decision
        assert {n: truth(t) for n, t in enc.thresholds.items()} == d.thresholds, (k, text)
        assert model.eval(enc.tier, model_completion=True).as_long() == d.tier, (k, text)
        assert {a: truth(enc.allowed[a]) for a in policy.actions} == d.allowed, (k, text)
        assert tuple(truth(m) for m in enc.met) == d.met, (k, text)
        active = {a: tuple(i for i in range(len(policy.requirements)) if truth(enc.active(a, i)))
                  for a in policy.actions}
        assert active == d.active, (k, text)
        assert {n: truth(t) for n, t in enc.assertions.items()} == d.assertions, (k, text)
        advised = {a: tuple(i for i in range(len(policy.recommendations)) if truth(enc.advised(a, i)))
                   for a in policy.actions}
        assert advised == d.advised and tuple(truth(m) for m in enc.rec_met) == d.advice_met, (k, text)
        history, here = enc.history, _builder_of(enc)
        for name, status in want.duties.items():
            assert truth(history.overdue(here, name)) == status.overdue, (k, name, text)
            assert truth(history.pending(here, name)) == status.pending, (k, name, text)


def test_the_generator_reaches_every_history_form():
    """Guard: the differential test would say little if the generator never wrote these."""
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(v2_policies())
    def collect(text):
        for form in ("done(", "days_since(", " at ", "overdue(", "every", "within"):
            if form in text:
                seen.add(form)

    collect()
    assert seen == {"done(", "days_since(", " at ", "overdue(", "every", "within"}


@pytest.mark.slow
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_compiled_run_path_agrees_with_the_interpreter(data):
    """`eval --run` decides each step with the compiled evaluator (history terms included) and
    computes the clocks' inputs with its `_now`: the same results as the definitional evaluator."""
    from rspdsl.evaluator import compile_policy

    text = data.draw(v2_policies())
    loaded = load_text(text, "random.rsp")
    assert loaded.ok, [(d.code, d.message) for d in loaded.diagnostics if d.is_error]
    policy = loaded.policy
    steps = read_run(policy, [json.dumps(s) for s in data.draw(v2_runs(policy))])
    fast = compile_policy(policy)
    assert fast._full is not None and fast._now is not None, "the compiled path must be the one tested"
    assert evaluate_run(policy, steps, decide_step=fast.decide_step, now_values=fast.current_values) == \
        evaluate_run(policy, steps), text


@pytest.mark.slow
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_batch_line_decides_a_state_of_a_temporal_policy_as_step_zero(data):
    """`eval --states` on a policy about time: each line is a state alone, step 0 of a run (no
    act done, no duty overdue, `E at X` is this step's E). The generated line (never the
    fallback) gives the definitional evaluator's result."""
    from rspdsl.evaluator import compile_policy, decision_to_json
    from rspdsl.semantics.interpret import decide
    from rspdsl.state import read_state

    text = data.draw(v2_policies())
    loaded = load_text(text, "random.rsp")
    assert loaded.ok, [(d.code, d.message) for d in loaded.diagnostics if d.is_error]
    policy = loaded.policy
    fast = compile_policy(policy)
    for step in data.draw(v2_runs(policy)):
        line = json.dumps(step["state"])
        out = fast.line_function()(line)
        assert out is not None, text
        assert json.loads(out) == decision_to_json(policy, decide(policy, read_state(policy, line))), (text, line)
