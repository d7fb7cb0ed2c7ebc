"""Running test files: each case's state decided by the concrete evaluator (the reference
semantics `rspdsl eval` uses) and compared with its expectations.

A name in a test file that the policy does not have (a variable, threshold, tier, action,
assertion, rule description or requirement) is a bad test file, not a failing case: a typo
must not pass silently as "the expectation does not hold".
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic, did_you_mean
from .spec import Case, Expect, TestFile, TestFileError, read_test_file

if TYPE_CHECKING:
    from ..semantics.decision import Decision
    from ..semantics.model import Policy, Rule
    from ..source import SourceFile

TEST_SUFFIX = ".rsptest"
_SKIPPED_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox"}


@dataclass(frozen=True)
class Difference:
    """One expectation that does not hold: the field (`tier`, `allowed.deploy`, ...) and the
    expected and actual values (JSON values: strings, booleans, lists of strings)."""
    field: str
    expected: Any
    actual: Any


@dataclass(frozen=True)
class CaseResult:
    name: str
    line: int
    differences: tuple[Difference, ...]

    @property
    def passed(self) -> bool:
        return not self.differences


@dataclass(frozen=True)
class FileOutcome:
    """One test file: its cases' results, or why it could not be used."""
    path: str
    policy_path: str | None
    cases: tuple[CaseResult, ...] = ()
    error: TestFileError | None = None
    policy_diagnostics: tuple[Diagnostic, ...] = ()
    policy_source: SourceFile | None = None
    seconds: float = 0.0

    @property
    def usable(self) -> bool:
        return self.error is None and not self.policy_diagnostics

    @property
    def failed(self) -> int:
        return sum(not c.passed for c in self.cases)


@dataclass
class PolicyRun:
    """What the cases of one policy decided (across every test file naming it): for coverage."""
    path: str
    policy: Policy
    decisions: list[Decision] = field(default_factory=list)  # every case's (every step of a run)
    duties_triggered: set[str] = field(default_factory=set)
    cases: int = 0


@dataclass(frozen=True)
class RunOutcome:
    """What a case's run ended with (a state case on a policy with duties is a one-step run)."""
    complies: bool
    overdue: tuple[str, ...]
    pending: tuple[str, ...]


# ---------------------------------------------------------------- finding test files

def find_test_files(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """(test files, problems): each path a test file or a directory searched recursively for
    `*.rsptest` (hidden and tool directories skipped), sorted within a directory."""
    found: list[str] = []
    problems: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            inside = sorted(_walk(path))
            if not inside:
                problems.append(f"`{path}`: no {TEST_SUFFIX} files in this directory")
            found.extend(inside)
        elif os.path.exists(path):
            found.append(path)
        else:
            problems.append(f"`{path}`: no such file or directory")
    return list(dict.fromkeys(found)), problems


def _walk(top: str) -> Iterator[str]:
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in files:
            if name.endswith(TEST_SUFFIX):
                yield os.path.join(root, name)


# ---------------------------------------------------------------- running

class Session:
    """Runs test files, loading each policy once and collecting decisions for coverage."""

    def __init__(self) -> None:
        self.policies: dict[str, PolicyRun | tuple[Diagnostic, ...]] = {}
        self.sources: dict[str, SourceFile] = {}

    def run_file(self, path: str) -> FileOutcome:
        start = time.perf_counter()
        try:
            spec = read_test_file(path)
        except TestFileError as exc:
            return FileOutcome(path, None, error=exc, seconds=time.perf_counter() - start)
        if not os.path.isfile(spec.policy_path):
            error = TestFileError(path, spec.policy_line, f"the policy `{spec.policy_path}` does not exist",
                                  field="policy", hint="`policy` is relative to the test file's directory")
            return FileOutcome(path, spec.policy_path, error=error, seconds=time.perf_counter() - start)
        loaded = self._policy(spec)
        if not isinstance(loaded, PolicyRun):
            return FileOutcome(path, spec.policy_path, policy_diagnostics=loaded,
                               policy_source=self.sources.get(spec.policy_path),
                               seconds=time.perf_counter() - start)
        try:
            results, decisions, triggered = run_cases(spec, loaded.policy)
        except TestFileError as exc:
            return FileOutcome(path, spec.policy_path, error=exc, seconds=time.perf_counter() - start)
        loaded.decisions.extend(decisions)
        loaded.duties_triggered |= triggered
        loaded.cases += len(results)
        return FileOutcome(path, spec.policy_path, tuple(results), seconds=time.perf_counter() - start)

    def _policy(self, spec: TestFile) -> PolicyRun | tuple[Diagnostic, ...]:
        key = spec.policy_path
        if key not in self.policies:
            from ..frontend import load_file

            loaded = load_file(key)
            self.sources[key] = loaded.source
            if loaded.ok and loaded.policy is not None:
                self.policies[key] = PolicyRun(key, loaded.policy)
            else:
                self.policies[key] = tuple(d for d in loaded.diagnostics if d.is_error)
        return self.policies[key]

    @property
    def runs(self) -> list[PolicyRun]:
        return [run for run in self.policies.values() if isinstance(run, PolicyRun)]


def run_cases(spec: TestFile, policy: Policy) -> tuple[list[CaseResult], list[Decision], set[str]]:
    """Decide and compare every case; raises TestFileError for a name or value the policy refuses.
    Returns the results, every decision taken (each step of a run) and the duties triggered."""
    from ..evaluator import compile_policy
    from ..state import StateError, read_state

    evaluator = compile_policy(policy) if not policy.temporal else None
    results: list[CaseResult] = []
    decisions: list[Decision] = []
    triggered: set[str] = set()
    for case in spec.cases:
        _check_names(spec.path, case, policy)
        if case.run is not None or evaluator is None:
            decision, outcome, steps = _run_case(spec.path, case, policy, triggered)
            decisions.extend(steps)
        else:
            try:
                state = read_state(policy, case.state, origin=spec.path)
            except StateError as exc:
                raise _state_error(spec.path, case, exc.name, exc.message) from None
            decision = evaluator.decide(state)
            decisions.append(decision)
            outcome = RunOutcome(all(decision.assertions.values()), (), ())
        results.append(CaseResult(case.name, case.line, tuple(compare(policy, decision, case.expect, outcome))))
    return results, decisions, triggered


def _state_error(path: str, case: Case, name: str | None, message: str) -> TestFileError:
    missing = message.startswith("missing value")
    return TestFileError(path, case.line_of(f"state.{name}") if name else case.line,
                         f"case `{case.name}`: {message}", field=f"state.{name}" if name else "state",
                         hint="give it in `[defaults]` (shared by every case) or in the case's `state`"
                         if missing else None)


def _run_case(path: str, case: Case, policy: Policy,
              triggered: set[str]) -> tuple[Decision, RunOutcome, list[Decision]]:
    """A run case through the run evaluator (language-v2.md §7): its steps are written as the
    lines of a RUN.jsonl, so they are read (and refused) exactly as `eval --run` reads them; step
    0's state is the case's state with the step's own values over it."""
    from ..runs import RunFileError, read_run
    from ..semantics.run import evaluate_run
    from ..state import dumps_exact

    raw_steps = case.run if case.run is not None else ({"day": 0},)
    lines = []
    for number, step in enumerate(raw_steps):
        obj = dict(step)
        if number == 0:
            own = obj.get("state", {})
            obj["state"] = {**case.state, **(own if isinstance(own, dict) else {})}
        lines.append(dumps_exact(obj))
    try:
        steps = read_run(policy, lines, origin=path)
    except RunFileError as exc:
        err = exc.errors[0]
        if case.run is None:
            name = err.field[len("state."):] if err.field and err.field.startswith("state.") else None
            raise _state_error(path, case, name, err.message) from None
        where = f"run[{err.line}]" + (f".{err.field}" if err.field else "")
        raise TestFileError(path, case.line_of(f"run#{err.line}"), f"case `{case.name}`, step {err.line} "
                            f"of the run: {err.message}", field=where) from None
    results = evaluate_run(policy, steps)
    for result in results:
        triggered |= {name for name, status in result.duties.items() if status.pending}
    last = results[-1]
    outcome = RunOutcome(not any(r.breached for r in results),
                         tuple(sorted(n for n, d in last.duties.items() if d.overdue)),
                         tuple(sorted(n for n, d in last.duties.items() if d.pending)))
    return last.decision, outcome, [r.decision for r in results]


def _check_names(path: str, case: Case, policy: Policy) -> None:
    expect = case.expect

    def bad(what: str, name: str, candidates: list[str], where: str) -> TestFileError:
        hint = did_you_mean(name, candidates)
        listing = ", ".join(candidates) or "none"
        return TestFileError(path, case.line_of(where), f"case `{case.name}`: `{name}` is not {what} of the policy",
                             field=where, hint=hint or f"its {what.split(' ', 1)[1]}s: {listing}")

    for group, duties in (("overdue", expect.overdue), ("pending", expect.pending)):
        for name in duties or ():
            if name not in policy.duties:
                raise bad("a duty", name, list(policy.duties), f"expect.{group}")
    tiers = [t.name for t in policy.tiers]
    if expect.tier is not None and expect.tier not in tiers:
        raise bad("a tier", expect.tier, tiers, "expect.tier")
    for name in expect.thresholds:
        if name not in policy.thresholds:
            raise bad("a threshold", name, list(policy.thresholds), f"expect.thresholds.{name}")
    for name in expect.assertions:
        if name not in {a.name for a in policy.assertions}:
            raise bad("an assertion", name, [a.name for a in policy.assertions], f"expect.assertions.{name}")
    for group, names in (("allowed", expect.verdicts), ("decided_by", expect.decided_by), ("unmet", expect.unmet)):
        for name in names:
            if name not in policy.actions:
                where = f"expect.{group}" if group == "allowed" else f"expect.{group}.{name}"
                raise bad("an action", name, list(policy.actions), where)
    for action, wanted in expect.decided_by.items():
        rules = policy.rules_for(action)
        if wanted == "default" or _line_number(wanted) is not None:
            if _line_number(wanted) is not None and not any(r.span.line == _line_number(wanted) for r in rules):
                raise TestFileError(path, case.line_of(f"expect.decided_by.{action}"),
                                    f"case `{case.name}`: no rule for `{action}` starts at {wanted}",
                                    field=f"expect.decided_by.{action}",
                                    hint="rules for it start at lines " + ", ".join(str(r.span.line) for r in rules))
            continue
        descriptions = [r.description for r in rules if r.description]
        if wanted not in descriptions:
            hint = did_you_mean(wanted, descriptions)
            raise TestFileError(path, case.line_of(f"expect.decided_by.{action}"),
                                f"case `{case.name}`: no rule for `{action}` has the description {wanted!r}",
                                field=f"expect.decided_by.{action}",
                                hint=hint or "name a rule by its description, as `line N`, or `default`")
    for action, texts in expect.unmet.items():
        known = [r.text for r in policy.requirements_for(action)]
        for text in texts:
            if text not in known:
                hint = did_you_mean(text, known)
                raise TestFileError(path, case.line_of(f"expect.unmet.{action}"),
                                    f"case `{case.name}`: no requirement on `{action}` is written {text!r}",
                                    field=f"expect.unmet.{action}",
                                    hint=hint or ("its requirements: " + "; ".join(known) if known
                                                  else f"no requirement applies to `{action}`"))


def _line_number(text: str) -> int | None:
    head, _, number = text.partition(" ")
    return int(number) if head == "line" and number.isdigit() else None


# ---------------------------------------------------------------- comparing

def rule_label(rule: Rule | None) -> str:
    """How a deciding rule is named in a difference: its description, else `line N`; `default`."""
    if rule is None:
        return "default"
    return rule.description if rule.description else f"line {rule.span.line}"


def compare(policy: Policy, decision: Decision, expect: Expect, outcome: RunOutcome) -> Iterator[Difference]:
    if expect.complies is not None and outcome.complies != expect.complies:
        yield Difference("complies", expect.complies, outcome.complies)
    if expect.overdue is not None and sorted(expect.overdue) != list(outcome.overdue):
        yield Difference("overdue", sorted(expect.overdue), list(outcome.overdue))
    if expect.pending is not None and sorted(expect.pending) != list(outcome.pending):
        yield Difference("pending", sorted(expect.pending), list(outcome.pending))
    if expect.tier is not None:
        actual = policy.tiers[decision.tier].name
        if actual != expect.tier:
            yield Difference("tier", expect.tier, actual)
    for name, wanted in expect.thresholds.items():
        if decision.thresholds[name] != wanted:
            yield Difference(f"thresholds.{name}", wanted, decision.thresholds[name])
    for action, wanted in expect.verdicts.items():
        if decision.allowed[action] != wanted:
            yield Difference(f"allowed.{action}", wanted, decision.allowed[action])
    for action, label in expect.decided_by.items():
        rule = decision.decided_by[action]
        number = _line_number(label)
        if label == "default":
            ok = rule is None
        elif number is not None:
            ok = rule is not None and rule.span.line == number
        else:
            ok = rule is not None and rule.description == label
        if not ok:
            yield Difference(f"decided_by.{action}", label, rule_label(rule))
    for action, texts in expect.unmet.items():
        actual_texts = sorted(r.text for r in decision.unmet(action))
        if sorted(texts) != actual_texts:
            yield Difference(f"unmet.{action}", sorted(texts), actual_texts)
    for name, wanted in expect.assertions.items():
        if decision.assertions[name] != wanted:
            yield Difference(f"assertions.{name}", wanted, decision.assertions[name])
