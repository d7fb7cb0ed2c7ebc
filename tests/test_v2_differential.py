"""Differential test of language v2: on random policies and random runs, the definitional run
evaluator (rspdsl/semantics/run.py) and the unrolled Z3 encoding (rspdsl/logic/history.py) agree
at every step on the thresholds, the tier, each action's permission, each requirement's activity
and truth, each assertion, and each duty's pending and overdue status."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies_v2 import v2_policies, v2_runs

from rspdsl.compiled.run_steps import evaluate_run_fast
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
    assert evaluate_run_fast(policy, steps, fast) == \
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


# ---------------------------------------------------------------- the generated run reader

NOTIFY = Path(__file__).resolve().parent.parent / "docs" / "examples" / "notify.rsp"

READER_POLICY = """policy "run reader" version "1"
scale level { low, medium, high, extreme }
event incident
metric compute in [0, 1e27] unit FLOP cumulative
metric score in [-2.5, 7.25] unit points
control cap : level
judgement risky set at assess
safeguard ready
action assess default permit
action deploy
threshold big when compute >= 1e25 or score > 3.5
duty d1: assess within 3 days after incident
tier base { }
tier upper when big { require ready for deploy }
permit deploy when cap <= medium and not overdue(d1) and (risky or ready)
"""
_READER_BAD = ["-1", "1e28", "7.26", "-2.6", "1e-5000", "1e5000", "NaN", "Infinity", '"1/3"', '"3/1"', '"1/0"',
               "null", "[]", "{}", '"huge"', '"assess"', '"x:y"', "1" + "0" * 30, "0." + "0" * 30 + "1", "true"]
_READER_DAYS = ["-1", "1.5", "2.0", '"1/3"', '"2/1"', '"7/0"', "true", "null", "1e2", "1E400", "NaN", '"x"',
                "999999999999", "1000000000000", "1" + "0" * 4100, "[]"]
_READER_ACTS = ["assess", "deploy", "incident"]


@st.composite
def reader_runs(draw) -> list[str]:
    """RUN.jsonl lines of READER_POLICY written as text (so keys may repeat): mostly a valid run of
    the common form (days that do not go back, `compute` that does not fall, `risky` changed with
    `assess`), each line now and then with one flaw: a bad day, act or value, an unknown or
    repeated key, a state left out or not an object."""
    site = 0  # a flawed line has one flaw, at one of its places that may have one

    def flaw() -> bool:
        nonlocal site
        site += 1
        return site == flawed

    day, compute, risky = 0, 0, False
    lines = []
    for k in range(draw(st.integers(1, 7))):
        site, flawed = 0, draw(st.integers(1, 12)) if draw(st.integers(0, 2 + 6 * (k == 0))) == 0 else 0
        pairs = []
        day += draw(st.sampled_from([0, 0, 1, 3, 40]))
        if not flaw():
            pairs.append(("day", draw(st.sampled_from(_READER_DAYS)) if flaw() else
                          str(max(0, day - 2) if flaw() else day)))
        acts = draw(st.lists(st.sampled_from(_READER_ACTS), max_size=3, unique=True))
        if flaw():
            acts.append(draw(st.sampled_from(_READER_ACTS + ["bogus", "risky", "big"])))
        if acts or draw(st.booleans()):
            pairs.append(("acts", draw(st.sampled_from(_READER_NOT_ACTS)) if flaw() else
                          "[" + ", ".join(json.dumps(a) for a in acts) + "]"))
        changed = list(_READER_GOOD) if k == 0 else draw(st.lists(st.sampled_from(list(_READER_GOOD)), unique=True))
        if flaw():
            changed.append(draw(st.sampled_from(list(_READER_GOOD) + ["unknown", "deploy", "big", "level"])))
        values = []
        for name in changed:
            if name == "compute":
                then = draw(st.integers(0, len(_COMPUTE) - 1))
                compute = then if flaw() else max(compute, then)  # a flaw: it may fall
                text = _COMPUTE[compute]
            elif name == "risky":
                risky = risky if "assess" not in acts and not flaw() else draw(st.booleans())
                text = json.dumps(risky)
            else:
                text = draw(st.sampled_from(_READER_GOOD.get(name, ["0"])))
            values.append(f'"{name}": {draw(st.sampled_from(_READER_BAD)) if flaw() else text}')
        if changed or k == 0 or draw(st.booleans()):
            pairs.append(("state", draw(st.sampled_from(["null", "[]", "1", '"x"'])) if flaw() else
                          "{" + ", ".join(values) + "}"))
        if flaw():
            pairs.insert(draw(st.integers(0, len(pairs))), (draw(st.sampled_from(["day", "acts", "state", "extra"])),
                                                            draw(st.sampled_from(["0", "[]", "{}", "null"]))))
        pairs = draw(st.permutations(pairs)) if draw(st.integers(0, 4)) == 0 else pairs
        lines.append("{" + ", ".join(f'"{key}": {value}' for key, value in pairs) + "}")
    return lines


_COMPUTE = ["0", "5", "5.0", "1e25", "1E+25", "10000000000000000000000000", "2.5e25", "1e27"]
_READER_GOOD = {"compute": _COMPUTE,
                "score": ["-2.5", "0", "3.5", "3.50", "7.25", "1.5e0", "-0.0", "0.125", "2"],
                "cap": ['"low"', '"medium"', '"high"', '"extreme"'],
                "risky": ["true", "false"], "ready": ["true", "false"]}
_READER_NOT_ACTS = ["null", '"assess"', "[1]", "[[]]", "{}", '["assess", "assess"]', '["deploy", "incident", "deploy"]']


def _outcome(policy, lines, read_line=None):
    """What read_run makes of `lines`: each step with the types of its values, or every error."""
    from rspdsl.runs import RunFileError
    try:
        steps = read_run(policy, lines, read_line=read_line)
    except RunFileError as exc:
        return ("errors", exc.errors, exc.more)
    return ("steps", [(type(s.day), s.day, sorted(s.acts), [(k, type(v), v) for k, v in s.state.items()])
                      for s in steps])


def _reader_sides(monkeypatch, without_msgspec: bool):
    from rspdsl.compiled.evaluator import Evaluator
    if without_msgspec:
        monkeypatch.setitem(sys.modules, "msgspec", None)  # the optional `fast` extra is not installed
    policy = load_text(READER_POLICY, "reader.rsp").policy
    reader = Evaluator(policy).run_line_reader()
    assert reader is not None
    return policy, reader


@pytest.mark.slow
@pytest.mark.parametrize("without_msgspec", [False, True], ids=["msgspec", "stdlib"])
def test_the_generated_run_reader_reads_every_line_as_read_run_does(monkeypatch, without_msgspec):
    """The generated line reader (eval --run's) accepts no line the reference reader refuses and
    returns the same step, with the same types, for every line it accepts: on random runs of
    common lines with flaws and text-level edits, read_run gives the same steps or the same errors
    with it as without it."""
    policy, reader = _reader_sides(monkeypatch, without_msgspec)

    @settings(max_examples=examples(600), deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(reader_runs(), st.data())
    def check(lines, data):
        if not data.draw(st.integers(0, 3)):  # a lexical edit anywhere in one line
            k = data.draw(st.integers(0, len(lines) - 1))
            cut = data.draw(st.integers(0, len(lines[k])))
            lines[k] = lines[k][:cut] + data.draw(st.sampled_from(_READER_EDITS)) + lines[k][cut:]
        assert _outcome(policy, lines, reader) == _outcome(policy, lines), lines

    check()


_READER_EDITS = ["", " ", "\t", "\n", "\r\n", "\ufeff", "\x0b", "\x0c", "\u00a0", "\u2028", "x", ",", ":", "}", "{", "{}", "\\", '"', "\\ud800",
                 "\\u0041", "01", "+1", "1.", ".5", "-", "1e", "NaN", "Infinity", "\u00e9", "true", "null", "[", "]",
                 '"day": 1, ', '"acts": [], ', '"state": {}, ', '"compute": 1, ', '"cap": "low", ']


@pytest.mark.parametrize("without_msgspec", [False, True], ids=["msgspec", "stdlib"])
def test_the_generated_run_reader_reads_the_common_lines_itself(monkeypatch, without_msgspec):
    """Guard: the differential test above says little if the generated reader refused every
    line. Lines of the common forms are read by it, not handed back."""
    policy, reader = _reader_sides(monkeypatch, without_msgspec)
    lines = ['{"day": 0, "state": {"compute": 1e24, "score": 1.5, "cap": "low", "risky": false, "ready": true}}',
             '{"day": 0}', '{"day": 1, "acts": []}', '{"day": 2, "acts": ["incident"]}',
             '{"day": 2, "acts": ["assess", "deploy"], "state": {"risky": true, "compute": 2.5e25}}',
             '{"day": 3, "state": {"score": -2.5, "cap": "extreme"}}', '{"acts": ["assess"], "day": 9, "state": {}}',
             '  {"day": 10, "state": {"compute": 1e27}}\r\n', '{"day": 10, "state": null, "acts": []}']
    previous = None
    for line in lines:
        step = reader(line, previous)
        assert step is not None, line
        previous = step
    assert _outcome(policy, lines, reader) == _outcome(policy, lines)
    kept = [reader(line, previous) for line in ('{"day": 11, "state": {"compute": 1e26}}',  # cumulative falls
                                                '{"day": 11, "state": {"risky": false}}',  # set at assess, no assess
                                                '{"day": 9}', '{"day": 11, "day": 12}', '{"day": 11, "acts": ["assess", "assess"]}')]
    assert kept == [None] * len(kept)  # the reference reader names each problem


@pytest.mark.slow
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_generated_run_reader_reads_random_runs_of_random_policies(data):
    """On the random v2 policies and their runs (integers, every form of duty and history), the
    generated reader reads every line itself and gives read_run's steps."""
    from rspdsl.evaluator import compile_policy

    text = data.draw(v2_policies())
    policy = load_text(text, "random.rsp").policy
    reader = compile_policy(policy).run_line_reader()
    assert reader is not None
    lines = [json.dumps(s) for s in data.draw(v2_runs(policy))]
    previous = None
    for line in lines:
        previous = reader(line, previous)
        assert previous is not None, (text, line)
    assert _outcome(policy, lines, reader) == _outcome(policy, lines)


# ---------------------------------------------------------------- the run's JSON, written in parts

@pytest.mark.slow
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_run_json_text_is_what_dumps_exact_writes(data):
    """`eval --run --format json` writes each repeated part of a long run once (run_json_text):
    the same bytes as dumps_exact of the documented shape (run_json), whole days or halves,
    under the compiled evaluator's results and the interpreter's; and the text form's blocks,
    each worded once, are those of each step worded alone."""
    from rspdsl.evaluator import compile_policy
    from rspdsl.render.run_out import run_json, run_json_text, run_text
    from rspdsl.state import dumps_exact

    text = data.draw(v2_policies())
    policy = load_text(text, "random.rsp").policy
    run = data.draw(v2_runs(policy))
    if data.draw(st.booleans()):  # days and due days that are not whole
        for step in run:
            step["day"] = f"{step['day']}/2"
    steps = read_run(policy, [json.dumps(s) for s in run])
    fast = compile_policy(policy)
    path = data.draw(st.sampled_from(["run.jsonl", 'odd "name"\u2028\\.jsonl']))
    for results in (evaluate_run(policy, steps), evaluate_run_fast(policy, steps, fast)):
        assert run_json_text(policy, path, steps, results) == \
            dumps_exact(run_json(policy, path, steps, results), indent=2), text
        assert _blocks(run_text(policy, path, steps, results)) == _worded_alone(policy, steps, results), text
    assert run_json_text(policy, path, [], []) == dumps_exact(run_json(policy, path, [], []), indent=2)


def _blocks(text: str) -> str:
    return text.rsplit("\n", 1)[0]  # all but the verdict


def _worded_alone(policy, steps, results) -> str:
    """run_text's step blocks with each step worded by itself (no text shared between steps)."""
    from rspdsl.render.run_out import _block, _num
    lines = []
    for k, (step, result) in enumerate(zip(steps, results)):
        tier, below = _block(policy, step, result, {})
        lines += [f"step {k}  day {_num(step.day)}{tier}", *below]
    return "\n".join(lines)


def test_a_long_run_is_read_evaluated_and_written_as_the_reference_does():
    """A long run of docs/examples/notify.rsp (decisions and duty states repeat, acts vary
    under one decision): the fast reader, evaluator, JSON and text writers against the reference ones."""
    import random

    from rspdsl.evaluator import compile_policy
    from rspdsl.render.run_out import run_json, run_json_text, run_text
    from rspdsl.state import dumps_exact

    policy = load_text(NOTIFY.read_text(encoding="utf-8"), str(NOTIFY)).policy
    rng = random.Random(7)
    day, compute, lines = 0, 10**24, []
    for k in range(3000):
        day += rng.choice((0, 1, 2, 9))
        step = {"day": day, "acts": [a for a in ("evaluate", "notify", "incident", "report", "deploy") if rng.random() < .1]}
        if k == 0:
            step["state"] = {"training_compute": compute, "dangerous_capability": False}
        elif rng.random() < .01:
            compute = min(10**27, compute * 3)
            step["state"] = {"training_compute": compute, "dangerous_capability": rng.random() < .5}
            step["acts"].append("evaluate") if "evaluate" not in step["acts"] else None
        lines.append(json.dumps(step))
    fast = compile_policy(policy)
    steps = read_run(policy, lines, read_line=fast.run_line_reader())
    assert steps == read_run(policy, lines)
    results = evaluate_run_fast(policy, steps, fast)
    assert results == evaluate_run(policy, steps)
    assert run_json_text(policy, "run.jsonl", steps, results) == \
        dumps_exact(run_json(policy, "run.jsonl", steps, results), indent=2)
    assert _blocks(run_text(policy, "run.jsonl", steps, results)) == _worded_alone(policy, steps, results)
