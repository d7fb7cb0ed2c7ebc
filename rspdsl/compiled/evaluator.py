"""The compiled evaluator: a policy compiled once into Python (cached per Policy), falling back
to the definitional evaluator (rspdsl/semantics/interpret.py) whenever it cannot compile."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from ..numbers import STATE_MAX_DIGITS
from ..semantics import interpret
from ..semantics.decision import Decision
from ..semantics.depth import room_for
from ..semantics.model import Policy
from ..semantics.run import Step
from ..state import StateError, read_state

# Generated expressions deeper than this are hoisted into temporaries: CPython's parser and
# compiler have nesting limits far below what a long `a + b + ...` chain can reach.
from .batch import _dumps, _line_source
from .codegen import _EXACT, _generate_full, _generate_now
from .json_form import decision_to_json
from .readers import _state_reader
from .run_lines import run_line_source

_T = TypeVar("_T")

# ---------------------------------------------------------------- the evaluator

class Evaluator:
    """A policy compiled to Python. Build with compile_policy(policy) (cached)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        # The fast path's JSON reader (_read) joins when a line function is first built; the
        # reference path keeps state.py's pairs-hook decoder.
        self._base_ns: dict[str, Any] = {"Fraction": Fraction, "Decimal": Decimal, "_C": _EXACT}
        ns = dict(self._base_ns)
        # The generated code is a fast path only: if generating or compiling it fails for any
        # reason (a constant too long for int-to-text conversion, a compiler limit), every state
        # is decided by the definitional evaluator instead, which gives the same decisions.
        self._full: Callable[[dict[str, Any]], tuple] | None
        try:
            self.full_source = self._generate(lambda: _generate_full(policy, ns))
            exec(compile(self.full_source, f"<rspdsl evaluator for {policy.source.path}>", "exec"), ns)
            self._full = ns["_full"]
        except Exception:  # noqa: BLE001 - any failure of the fast path falls back to the oracle
            self.full_source, self._full = "", None
        # language v2: what a step's clocks and later `E at X` read of it (compiled like _full)
        self._now: Callable[[dict[str, Any]], dict[str, Any]] | None = None
        if self._full is not None and policy.temporal:
            try:
                now_ns = dict(self._base_ns)
                exec(compile(self._generate(lambda: _generate_now(policy, now_ns)),
                             f"<rspdsl evaluator for {policy.source.path}>", "exec"), now_ns)
                self._now = now_ns["_now"]
            except Exception:  # noqa: BLE001 - the interpreter computes the same
                self._now = None
        self._names = tuple(policy.variables)
        self._thresholds = tuple(policy.thresholds)
        self._actions = tuple(policy.actions)
        self._listed = tuple(tuple(k for k, r in enumerate(policy.requirements) if a in r.actions)
                             for a in self._actions)
        # language v2 §4: per action, its requirements with the waivers that can lift each, and
        # its recommendations (None when the policy has neither: the v1 shape, built fastest)
        self._lifted = tuple(tuple((k, tuple(w.index for w in policy.waivers_of(k, a))) for k in ks)
                             for a, ks in zip(self._actions, self._listed)) if policy.waivers else None
        self._advisable = tuple(tuple(k for k, r in enumerate(policy.recommendations) if a in r.actions)
                                for a in self._actions) if policy.recommendations else None
        self._assertions = tuple(a.name for a in policy.assertions)
        # The batch path is generated on first use, once per projection (`check` never needs it).
        self._line_sources: dict[tuple[str, ...], str] = {}
        self._line_functions: dict[tuple[str, ...], Callable[[str], str | None]] = {}
        self._deciders: dict[tuple[str, ...] | None, Callable[..., str]] = {}
        self._reader: Callable[[str], tuple] | None = None
        self._decisions: dict[tuple, Decision] = {}
        self._run_reader: Any = _NOT_BUILT

    def _generate(self, make: Callable[[], _T]) -> _T:
        # The generator recurses over the IR (a few frames per level). Python 3.11+ frames do not
        # use the C stack, so lifting the limit for deep IR (e.g. built by hand) is safe.
        with room_for(self.policy):
            return make()

    @property
    def source_code(self) -> str:
        """The generated source: `_full`, then the full-result `_line`."""
        self.line_decider()
        return self.full_source + "\n" + self._line_sources.get(self._actions, "")

    def projection(self, actions: Iterable[str] | None = None) -> tuple[str, ...]:
        """The actions a result lists, in order: every action when None, else the names given
        (repeats dropped). Raises ValueError naming an unknown action."""
        if actions is None:
            return self._actions
        names = tuple(dict.fromkeys(actions))
        for name in names:
            if name not in self.policy.actions:
                raise ValueError(f"unknown action `{name}`")
        return names

    def line_function(self, actions: Iterable[str] | None = None) -> Callable[[str], str | None]:
        """The compiled fast path for a projection (compiled once): a result line, or None when
        the line is unusual or bad, and then reference_line decides it or names the culprit.
        It may also raise ArithmeticError (a rounding the exact context refused): same remedy."""
        names = self.projection(actions)
        function = self._line_functions.get(names)
        if function is None:
            if self._reader is None:
                self._reader = _state_reader(self.policy)
            base = dict(self._base_ns, _read=self._reader)
            source, ns = self._generate(lambda: _line_source(self.policy, base, names))
            exec(compile(source, f"<rspdsl evaluator for {self.policy.source.path}>", "exec"), ns)
            self._line_sources[names] = source
            function = self._line_functions[names] = ns["_line"]
        return function

    def reference_line(self, json_line: str | bytes, origin: str = "state",
                       actions: Sequence[str] | None = None) -> str:
        """The result line by the reference path: read_state, _full, decision_to_json."""
        decision = self.decide(read_state(self.policy, json_line, origin))
        return _dumps(decision_to_json(self.policy, decision, self.projection(actions)))

    def line_decider(self, actions: Iterable[str] | None = None) -> Callable[..., str]:
        """decide_line for one projection, compiled once: (json_line, origin="state") -> the
        compact result line, listing only `actions` (None: all). Raises StateError."""
        key = None if actions is None else tuple(actions)
        decider = self._deciders.get(key)
        if decider is not None:
            return decider
        names = self.projection(key)
        reference = self.reference_line
        fast: Callable[[str], str | None] | None
        try:
            fast = self.line_function(names)
        except Exception:  # noqa: BLE001 - no fast path for this policy: every line takes the reference path
            fast = None

        def decide_line(json_line: str, origin: str = "state") -> str:
            try:
                # a line longer than any number may be (numbers.STATE_MAX_DIGITS) could hold one
                # too long to convert: the reference reader checks each number's text first
                out = fast(json_line) if fast is not None and len(json_line) <= STATE_MAX_DIGITS else None
            except ArithmeticError:  # the exact Decimal context refused to round: decide with Fractions
                out = None
            if out is None:  # unusual or bad: the reference path decides, or names the culprit
                out = reference(json_line, origin, names)
            return out

        self._deciders[key] = decide_line
        return decide_line

    def decide(self, state: dict[str, Any]) -> Decision:
        """Decide a validated state (as read_state returns it: Fractions, bools, scale indices)."""
        if self._full is None:
            missing = next((name for name in self._names if name not in state), None)
            if missing is not None:
                raise StateError(f"missing value for `{missing}`", missing)
            return interpret.decide(self.policy, state)
        try:
            outcome = self._full(state)
        except KeyError as exc:
            name = exc.args[0] if exc.args else None
            raise StateError(f"missing value for `{name}`", name) from None
        return self._decisions.get(outcome) or self._new_decision(outcome)

    def _new_decision(self, outcome: tuple) -> Decision:
        # Many states (a run's steps, a batch's lines) share an outcome: its Decision (immutable
        # and never mutated by a reader) is built once. Bounded, so memory stays flat.
        if len(self._decisions) >= _DECISIONS_KEPT:
            self._decisions.clear()
        decision = self._decisions[outcome] = self._decision(outcome)
        return decision

    def _decision(self, outcome: tuple) -> Decision:
        (thr, tier, rules, allowed, decided, active, met, asserts, waived, advising, advice_met) = outcome
        p = self.policy
        if self._lifted is None:
            in_force = {a: tuple(k for k in ks if active[k]) for a, ks in zip(self._actions, self._listed)}
        else:  # active, and no waiver of it for that action holds
            in_force = {a: tuple(k for k, ws in pairs if active[k] and not any(waived[w] for w in ws))
                        for a, pairs in zip(self._actions, self._lifted)}
        advised = ({} if self._advisable is None else
                   {a: tuple(k for k in ks if advising[k]) for a, ks in zip(self._actions, self._advisable)})
        return Decision(
            tier=tier,
            thresholds=dict(zip(self._thresholds, thr)),
            allowed=dict(zip(self._actions, allowed)),
            decided_by={a: (p.rules[d] if d >= 0 else None) for a, d in zip(self._actions, decided)},
            active=in_force,
            met=met,
            rules_holding=rules,
            assertions=dict(zip(self._assertions, asserts)),
            requirements=p.requirements,
            advised=advised,
            advice_met=advice_met,
            recommendations=p.recommendations,
        )

    def decide_step(self, state: Mapping[str, Any], history: interpret.StepHistory) -> Decision:
        """A step of a run (language v2): the state decided with the history its terms see."""
        if self._full is None:
            return interpret.decide(self.policy, state, history)
        return self.decide({**state, interpret.HISTORY_KEY: history})

    def current_values(self, state: Mapping[str, Any]) -> Mapping[str, Any]:
        """interpret.current_values, compiled: the state, its history-free thresholds and tier."""
        if self._now is None:
            return interpret.current_values(self.policy, state)
        return self._now(dict(state))

    def run_line_reader(self) -> Callable[[str, Step | None], Step | None] | None:
        """The generated RUN.jsonl line reader (see run_lines.py), built on first use; None when
        this policy has none (runs.read_run then reads every line itself)."""
        if self._run_reader is _NOT_BUILT:
            self._run_reader = None
            try:
                ns = dict(self._base_ns)
                source = self._generate(lambda: run_line_source(self.policy, ns))
                if source is not None:
                    exec(compile(source, f"<rspdsl run reader for {self.policy.source.path}>", "exec"), ns)
                    self._run_reader = ns["_step"]
            except Exception:  # noqa: BLE001 - a fast path only: the reference reader reads every line
                self._run_reader = None
        return self._run_reader

    def decide_json(self, obj_or_text: Any, origin: str = "state") -> Decision:
        """Read (and validate) a state in the STATE.json form, then decide it."""
        return self.decide(read_state(self.policy, obj_or_text, origin))

    def decide_line(self, json_line: str, origin: str = "state",
                    actions: Sequence[str] | None = None) -> str:
        """One JSON state in, one compact JSON result out (no newline), listing only `actions`
        (None: all). Raises StateError. In a loop, prefer line_decider(actions)."""
        return self.line_decider(actions)(json_line, origin)


_DECISIONS_KEPT = 4096
_NOT_BUILT = object()
_CACHE: OrderedDict[int, tuple[Policy, Evaluator]] = OrderedDict()
_CACHE_SIZE = 64


def compile_policy(policy: Policy) -> Evaluator:
    """The evaluator for `policy`, compiled once per Policy object."""
    entry = _CACHE.get(id(policy))
    if entry is not None and entry[0] is policy:
        _CACHE.move_to_end(id(policy))
        return entry[1]
    evaluator = Evaluator(policy)
    _CACHE[id(policy)] = (policy, evaluator)  # holding the policy keeps its id from being reused
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return evaluator


def evaluate(policy: Policy, state: dict[str, Any]) -> Decision:
    """Decide a validated state (see Evaluator.decide)."""
    return compile_policy(policy).decide(state)
