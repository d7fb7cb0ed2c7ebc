"""How a run's evaluation is shown: JSON (stable, documented in docs/evaluator.md) and text."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any

from ..evaluator import decision_to_json
from ..semantics.decision import Decision
from ..semantics.model import Policy
from ..semantics.run import Step, StepResult
from ..state import dumps_exact_at
from .escape import visible


def _num(q: Fraction | int) -> Fraction | int:
    return int(q) if isinstance(q, int) or q.denominator == 1 else q


def step_json(policy: Policy, k: int, step: Step, result: StepResult) -> dict[str, Any]:
    out = {"step": k, "day": _num(step.day), **decision_to_json(policy, result.decision)}
    out["acts"] = _acts_json(policy, step, result.decision)
    out["duties"] = _duties_json(result)
    out["breaches"] = breaches(result)
    return out


def _acts_json(policy: Policy, step: Step, decision: Decision) -> list[dict[str, Any]]:
    return [{"act": a, "allowed": decision.allowed[a] if a in policy.actions else None}
            for a in policy.acts if a in step.acts]


def _duties_json(result: StepResult) -> dict[str, Any]:
    return {name: {"status": "overdue" if s.overdue else "pending" if s.pending else "clear",
                   "due": _num(s.due) if s.due is not None else None}
            for name, s in result.duties.items()}


def breaches(result: StepResult) -> list[dict[str, Any]]:
    """What went wrong at a step, as data: forbidden acts, overdue duties, false assertions."""
    out: list[dict[str, Any]] = [{"kind": "forbidden_act", "name": a} for a in result.forbidden_acts]
    out += [{"kind": "overdue_duty", "name": d} for d, s in result.duties.items() if s.overdue]
    out += [{"kind": "assertion", "name": a} for a, holds in result.decision.assertions.items() if not holds]
    return out


def run_json(policy: Policy, path: str, steps: Sequence[Step], results: Sequence[StepResult]) -> dict[str, Any]:
    first = next((k for k, r in enumerate(results) if r.breached), None)
    return {
        "file": path,
        "complies": first is None,
        "first_breach": None if first is None else {"step": first, "day": _num(steps[first].day)},
        "steps": [step_json(policy, k, s, r) for k, (s, r) in enumerate(zip(steps, results))],
    }


def run_json_text(policy: Policy, path: str, steps: Sequence[Step], results: Sequence[StepResult]) -> str:
    """`dumps_exact(run_json(...), indent=2)`, the same bytes (run_json_parts joined)."""
    return "".join(run_json_parts(policy, path, steps, results))


def run_json_parts(policy: Policy, path: str, steps: Sequence[Step], results: Sequence[StepResult],
                   batch: int = 256) -> Iterator[str]:
    """`dumps_exact(run_json(...), indent=2)` in pieces of `batch` steps, to be written one after
    the other (a long run's document is ten times the size of the run: it is never held whole).
    A long run repeats a few decisions and duty states (evaluate_run shares their objects), so
    each one's text is made once, as run_text words each once (tests/test_v2_differential.py)."""
    first = next((k for k, r in enumerate(results) if r.breached), None)
    head = {"file": path, "complies": first is None,
            "first_breach": None if first is None else {"step": first, "day": _num(steps[first].day)}}
    yield "{" + ",".join(f"\n  {json.dumps(key)}: {dumps_exact_at(value, 2, 1)}" for key, value in head.items())
    if not steps:
        yield ',\n  "steps": []\n}'
        return
    decided: dict[int, tuple[Decision, str]] = {}   # tier, thresholds, actions, assertions
    acted: dict[tuple[int, frozenset[str]], tuple[Decision, str]] = {}
    shown: StepResult | None = None
    tail = ""                                       # duties and breaches of `shown`
    parts = [',\n  "steps": [']
    for k, (step, result) in enumerate(zip(steps, results)):
        decision = result.decision
        said = _once(decided, id(decision), decision, _decision_items, policy, decision)
        acts = ',\n      "acts": []'
        if step.acts:
            acts = _once(acted, (id(decision), step.acts), decision, _acts_item, policy, step, decision)
        if result is not shown:
            shown, tail = result, _item("duties", _duties_json(result)) + _item("breaches", breaches(result))
        day = step.day
        parts.append(f'{"," if k else ""}\n    {{\n      "step": {k},\n      "day": '
                     f'{day if day.__class__ is int else dumps_exact_at(_num(day), 2, 3)}'
                     f'{said}{acts}{tail}\n    }}')
        if len(parts) >= batch:
            yield "".join(parts)
            parts = []
    parts.append("\n  ]\n}")
    yield "".join(parts)


_TEXTS_KEPT = 4096  # distinct decisions (and acts under them) whose text is kept: memory stays flat


def _once(texts: dict[Any, tuple[Any, Any]], key: Any, obj: Any, make: Callable[..., Any], *args: Any) -> Any:
    """`make(*args)` for `obj`, made once and kept under `key` (an id of `obj`: an entry kept for
    another object is of one that died, whose id was reused, and is made again). Bounded."""
    kept = texts.get(key)
    if kept is None or kept[0] is not obj:
        if len(texts) >= _TEXTS_KEPT:
            texts.clear()
        kept = texts[key] = (obj, make(*args))
    return kept[1]


def _item(key: str, value: Any) -> str:
    """A key of a step (3 levels deep in the document) and its value."""
    return f',\n      {json.dumps(key)}: {dumps_exact_at(value, 2, 3)}'


def _decision_items(policy: Policy, decision: Decision) -> str:
    return "".join(_item(key, value) for key, value in decision_to_json(policy, decision).items())


def _acts_item(policy: Policy, step: Step, decision: Decision) -> str:
    return _item("acts", _acts_json(policy, step, decision))

_BREACH_TEXT = {"forbidden_act": "`{}` was done but is not allowed",
                "overdue_duty": "duty `{}` is overdue", "assertion": "assertion `{}` fails"}


def run_text(policy: Policy, path: str, steps: Sequence[Step], results: Sequence[StepResult]) -> str:
    """One block per step (tier, acts, duties, breaches), then the verdict."""
    lines = []
    # a long run repeats a few outcomes (evaluate_run shares the result of a step like the one
    # before, the compiled evaluator one decision per outcome): each result's block under each
    # set of acts is worded once, and each decision's tier, permissions and failing assertions
    worded: dict[int, tuple[Decision, tuple[str, str, list[str]]]] = {}
    blocks: dict[tuple[int, frozenset[str]], tuple[StepResult, str]] = {}
    for k, (step, result) in enumerate(zip(steps, results)):
        block = _once(blocks, (id(result), step.acts), result, _block_text, policy, step, result, worded)
        day = step.day
        lines.append(f"step {k}  day {day if day.__class__ is int else _num(day)}{block}")
    first = next((k for k, r in enumerate(results) if r.breached), None)
    n = len(steps)
    path = visible(path)  # the only text here not a name: names are identifiers, values numbers
    if first is None:
        lines.append(f"{path}: the run of {n} step{'s' * (n != 1)} complies")
    else:
        count = sum(r.breached for r in results)
        lines.append(f"{path}: the run of {n} step{'s' * (n != 1)} breaches the policy at {count} "
                     f"step{'s' * (count != 1)}, first at step {first} (day {_num(steps[first].day)})")
    return "\n".join(lines)


def _block(policy: Policy, step: Step, result: StepResult,
           worded: dict[int, tuple[Decision, tuple[str, str, list[str]]]]) -> tuple[str, list[str]]:
    """A step's block but its `step K  day D` head: the tier after it, then the lines below."""
    decision = result.decision
    tier, allowed_line, failing = _once(worded, id(decision), decision, _decision_words, policy, decision)
    lines = [allowed_line]
    for act in (a for a in policy.acts if a in step.acts) if step.acts else ():
        if act in policy.actions:
            unmet = decision.unmet(act)
            also = f"; unmet: {', '.join(r.text for r in unmet)}" if unmet and decision.allowed[act] else ""
            lines.append(f"  did {act}: {'allowed' if decision.allowed[act] else 'NOT ALLOWED'}{also}")
        else:
            lines.append(f"  event {act}")
    for name, status in result.duties.items():
        if status.pending:
            word = "OVERDUE" if status.overdue else "pending"
            lines.append(f"  duty {name}: {word} (due by day {_num(status.due)})" if status.due is not None
                         else f"  duty {name}: {word}")
    lines += failing
    if result.breached:
        for b in breaches(result):
            lines.append("  breach: " + _BREACH_TEXT[b["kind"]].format(b["name"]))
    return tier, lines


def _block_text(policy: Policy, step: Step, result: StepResult,
                worded: dict[int, tuple[Decision, tuple[str, str, list[str]]]]) -> str:
    """The block as it follows the `step K  day D` head."""
    tier, lines = _block(policy, step, result, worded)
    return tier + "".join("\n" + line for line in lines)


def _decision_words(policy: Policy, decision: Decision) -> tuple[str, str, list[str]]:
    """A decision's tier (on the step's line), permissions and failing assertions, in words."""
    allowed = [a for a in policy.actions if decision.allowed[a]]
    return (f"  tier {policy.tiers[decision.tier].name}", f"  allowed: {', '.join(allowed) or 'nothing'}",
            [f"  assertion {a}: FAILS" for a, holds in decision.assertions.items() if not holds])
