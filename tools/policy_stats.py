"""Counts behind docs/findings.md: what each encoded framework's triggers and commitments rest on.

    .venv/bin/python tools/policy_stats.py policies/*.rsp            # a markdown table
    .venv/bin/python tools/policy_stats.py --json policies/*.rsp     # the same numbers as JSON

Everything is counted from the checked model (rspdsl.frontend.load_file(...).policy), never from
the text, plus Z3 for what each trigger is sensitive to and the verifier's results for the enforcement counts.
Who makes a judgement is its declared authority (language v2: `judgement X by AUTH`, with
`authority AUTH "..." internal|external`); a judgement without one is read from the tag the
first encodings put at the end of its description: `[self-assessed: WHO]` (the developer or
provider judges itself) or `[external: WHO]`.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rspdsl.frontend import load_file  # noqa: E402
from rspdsl.semantics import ir  # noqa: E402
from rspdsl.semantics.model import Policy, Variable  # noqa: E402

_JUDGE_TAG = re.compile(r"\[(self-assessed|external):\s*([^\]]+)\]\s*$")

# What a trigger is sensitive to: some change of metrics alone can flip it, some change of
# judgements alone can flip it, or both (each with everything else held fixed).
JUDGEMENT_ONLY, METRIC_ONLY, BOTH, CONSTANT = "judgement-only", "metric-only", "both", "constant"


# ---------------------------------------------------------------- what a trigger rests on

def variables_used(expr: ir.IExpr, policy: Policy) -> set[str]:
    """Names of state variables the expression reads, looking through thresholds."""
    found: set[str] = set()
    seen: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, ir.Var):
            found.add(node.name)
        elif isinstance(node, ir.ThresholdRef):
            if node.name not in seen:
                seen.add(node.name)
                walk(policy.thresholds[node.name].condition)
        elif isinstance(node, tuple):
            for item in node:
                walk(item)
        elif dataclasses.is_dataclass(node) and not isinstance(node, type):
            for f in dataclasses.fields(node):
                walk(getattr(node, f.name))

    walk(expr)
    return found


class TriggerAnalysis:
    """Sensitivity of triggers to metrics and to judgements, and the default tier (Z3).

    Three copies of the state: `a`; `b` shares every variable with `a` except the metrics; `c`
    shares every variable except the judgements. A trigger is metric-sensitive when it can differ
    between `a` and `b`, judgement-sensitive when it can differ between `a` and `c`.
    """

    def __init__(self, policy: Policy) -> None:
        import z3

        from rspdsl.logic.encode import encode_state
        from rspdsl.logic.history import FreeHistory

        self._z3 = z3
        self._ctx = z3.Context()
        self.policy = policy
        # language v2: a threshold may read history (`E at X`, `days_since`); one free history shared
        # by the three copies, so only the metrics or the judgements of the current state differ
        history = FreeHistory(policy, "h_", self._ctx)
        self.a = encode_state(policy, "a_", ctx=self._ctx, history=history)
        names = policy.variables
        self.b = encode_state(policy, "b_", ctx=self._ctx, history=history,
                              shared={n: self.a.vars[n] for n, v in names.items() if v.kind != "metric"})
        self.c = encode_state(policy, "c_", ctx=self._ctx, history=history,
                              shared={n: self.a.vars[n] for n, v in names.items() if v.kind != "judgement"})

    def _sat(self, *constraints):
        solver = self._z3.Solver(ctx=self._ctx)
        solver.add(*self.a.bounds, *self.b.bounds, *self.c.bounds, *constraints)
        return solver if solver.check() == self._z3.sat else None

    def classify(self, term_of) -> str:
        """term_of(state encoding) -> the trigger as a Z3 Bool over that copy."""
        by_metric = self._sat(term_of(self.a) != term_of(self.b)) is not None
        by_judgement = self._sat(term_of(self.a) != term_of(self.c)) is not None
        if by_metric and by_judgement:
            return BOTH
        return METRIC_ONLY if by_metric else JUDGEMENT_ONLY if by_judgement else CONSTANT

    def default_tier(self) -> str:
        """The tier when no judgement has been made (all false) and every metric is at its lower bound.

        With a reverse burden of proof (`X_ruled_out reassuring`), nothing determined means the
        thresholds count as crossed, so this is high on the ladder.
        """
        nothing = [self.a.vars[v.name] == (_lower_bound(v, self._ctx) if v.kind == "metric"
                                           else self._z3.BoolVal(False, self._ctx))
                   for v in self.policy.variables.values() if v.kind in ("metric", "judgement")]
        solver = self._sat(*nothing)
        index = solver.model().eval(self.a.tier, model_completion=True).as_long()
        return self.policy.tiers[index].name


def _lower_bound(variable: Variable, ctx):
    import z3

    if variable.sort == "int":
        return z3.IntVal(int(variable.lo), ctx)
    lo = variable.lo
    return z3.RealVal(f"{lo.numerator}/{lo.denominator}", ctx)


def judge_of(variable: Variable, policy: Policy) -> tuple[str, str] | None:
    """("self-assessed" | "external", who) for a judgement: its authority's standing (internal is
    the developer judging itself), else its description's tag; None when neither says."""
    authority = policy.authorities.get(variable.by) if variable.by is not None else None
    if authority is not None:
        return ("self-assessed" if authority.standing == "internal" else "external", authority.name)
    match = _JUDGE_TAG.search(variable.description or "")
    return (match.group(1), match.group(2).strip()) if match else None


# ---------------------------------------------------------------- the numbers for one policy

@dataclass(frozen=True)
class PolicyStats:
    file: str
    title: str
    tiers: int
    tier_triggers: dict[str, str]                 # tier above the first -> sensitivity class
    thresholds: dict[str, str]                    # threshold -> sensitivity class
    default_tier: str                             # the tier when nothing has been determined
    metrics: int
    judgements: int
    burden_of_proof_judgements: int               # `reassuring` judgements (e.g. X_ruled_out)
    self_assessed_judgements: int
    external_judgements: int
    untagged_judgements: int
    judges: dict[str, int]
    safeguards: int
    controls: int
    requirements: int
    attested_requirements: int                    # commitment reads only true/false safeguards
    quantitative_requirements: int                # commitment reads a control (a number with a bound)
    actions: int
    default_permit_actions: int
    permit_rules: int
    forbid_rules: int
    default_permit_without_stop: list[str]        # default-permit actions that no rule forbids
    verdicts: dict[str, dict[str, int]] = field(default_factory=dict)  # property -> status -> count


def policy_stats(path: str, *, verify: bool = True) -> PolicyStats:
    loaded = load_file(path)
    if not loaded.ok or loaded.policy is None:
        errors = [d.message for d in loaded.diagnostics if d.is_error]
        raise ValueError(f"{path} does not load: {errors}")
    policy = loaded.policy
    triggers = TriggerAnalysis(policy)
    variables = policy.variables.values()
    judgements = [v for v in variables if v.kind == "judgement"]
    judged = [judge_of(v, policy) for v in judgements]
    commitment_kinds = [{policy.variables[n].kind for n in variables_used(r.commitment, policy)}
                        for r in policy.requirements]
    forbidden = {r.action for r in policy.rules if r.effect == "forbid"}
    return PolicyStats(
        file=path,
        title=policy.title,
        tiers=len(policy.tiers),
        tier_triggers={t.name: triggers.classify(lambda e, k=t.index: e.tier_conditions[k])
                       for t in policy.tiers if t.condition is not None},
        thresholds={name: triggers.classify(lambda e, n=name: e.thresholds[n]) for name in policy.thresholds},
        default_tier=triggers.default_tier(),
        metrics=sum(v.kind == "metric" for v in variables),
        judgements=len(judgements),
        burden_of_proof_judgements=sum(v.reassuring for v in judgements),
        self_assessed_judgements=sum(j is not None and j[0] == "self-assessed" for j in judged),
        external_judgements=sum(j is not None and j[0] == "external" for j in judged),
        untagged_judgements=sum(j is None for j in judged),
        judges=dict(Counter(j[1] for j in judged if j is not None)),
        safeguards=sum(v.kind == "safeguard" for v in variables),
        controls=sum(v.kind == "control" for v in variables),
        requirements=len(policy.requirements),
        attested_requirements=sum(bool(kinds) and kinds <= {"safeguard"} for kinds in commitment_kinds),
        quantitative_requirements=sum("control" in kinds for kinds in commitment_kinds),
        actions=len(policy.actions),
        default_permit_actions=sum(a.default_permit for a in policy.actions.values()),
        permit_rules=sum(r.effect == "permit" for r in policy.rules),
        forbid_rules=sum(r.effect == "forbid" for r in policy.rules),
        default_permit_without_stop=[a.name for a in policy.actions.values()
                                     if a.default_permit and a.name not in forbidden],
        verdicts=_verdicts(policy) if verify else {},
    )


def _verdicts(policy: Policy) -> dict[str, dict[str, int]]:
    """property (assertions grouped as `assert`) -> status -> count, error-severity results only."""
    from rspdsl.logic.prover import verify

    counts: dict[str, Counter] = {}
    for result in verify(policy).results:
        if result.severity != "error":
            continue
        prop = "assert" if result.property.startswith("assert:") else result.property
        counts.setdefault(prop, Counter())[result.status] += 1
    return {prop: dict(c) for prop, c in sorted(counts.items())}


# ---------------------------------------------------------------- rendering

def _count(classes: dict[str, str], *wanted: str) -> int:
    return sum(c in wanted for c in classes.values())


def _pv(s: PolicyStats, prop: str) -> str:
    v = s.verdicts.get(prop, {})
    text = f"{v.get('proved', 0)} / {v.get('violated', 0)}"
    return text + (f" ({v['unknown']} unknown)" if v.get("unknown") else "")


ROWS = [
    ("tiers (ladder length)", lambda s: s.tiers),
    ("tier triggers resting on judgements only",
     lambda s: f"{_count(s.tier_triggers, JUDGEMENT_ONLY)} of {len(s.tier_triggers)}"),
    ("tier triggers a metric can flip", lambda s: f"{_count(s.tier_triggers, METRIC_ONLY, BOTH)} of {len(s.tier_triggers)}"),
    ("thresholds: judgement-only / metric-only / both",
     lambda s: f"{_count(s.thresholds, JUDGEMENT_ONLY)} / {_count(s.thresholds, METRIC_ONLY)} / {_count(s.thresholds, BOTH)}"),
    ("tier when nothing is determined", lambda s: s.default_tier),
    ("judgements (burden-of-proof `reassuring`)", lambda s: f"{s.judgements} ({s.burden_of_proof_judgements})"),
    ("judgements self-assessed / external (/ unattributed)", lambda s: f"{s.self_assessed_judgements} / "
     f"{s.external_judgements}" + (f" / {s.untagged_judgements}" if s.untagged_judgements else "")),
    ("metrics", lambda s: s.metrics),
    ("requirements: attested (safeguards only) / with a number (a control)",
     lambda s: f"{s.attested_requirements} / {s.quantitative_requirements} of {s.requirements}"),
    ("actions (default permit)", lambda s: f"{s.actions} ({s.default_permit_actions})"),
    ("permit / forbid rules", lambda s: f"{s.permit_rules} / {s.forbid_rules}"),
    ("default-permit actions no rule ever stops", lambda s: ", ".join(s.default_permit_without_stop) or "none"),
    ("mitigations obligations proved / violated", lambda s: _pv(s, "mitigations")),
    ("assertions proved / violated", lambda s: _pv(s, "assert")),
]


def markdown_table(stats: list[PolicyStats]) -> str:
    head = "| | " + " | ".join(Path(s.file).stem for s in stats) + " |"
    sep = "|---" * (len(stats) + 1) + "|"
    body = ["| " + label + " | " + " | ".join(str(get(s)) for s in stats) + " |" for label, get in ROWS]
    return "\n".join([head, sep, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--no-verify", action="store_true", help="skip the verifier (no enforcement counts)")
    args = parser.parse_args(argv)
    try:
        stats = [policy_stats(f, verify=not args.no_verify) for f in args.files]
    except ValueError as exc:
        print(f"policy_stats: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([dataclasses.asdict(s) for s in stats], indent=2))
    else:
        print(markdown_table(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
