"""Every sentence about a result, built from the result's facts (like Catala's messages module).

The logic layer and the analyses return data: a status, a severity and typed facts
(rspdsl.logic.facts, rspdsl.analyses.diff.report). The renderers (text, JSON, SARIF, markdown)
ask this module for the words, so a message is written once, in one place, whatever the format.
(It is over the ~400-line bound on purpose: one file holds every sentence, for check, baseline and
diff results alike, so a reviewer reads all the wording in one place.)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..logic.facts import (
    AssertionFacts,
    BaselineFacts,
    Consistency,
    Cover,
    DeadlineFacts,
    DutyFacts,
    DutyProblem,
    Facts,
    Finding,
    Inactivity,
    Mitigation,
    MonotonicAction,
    MonotonicRequirements,
    MonotonicTier,
    NoPermit,
    Reach,
    RequirementReach,
    Role,
    RuleReach,
    RuleRef,
    RunFacts,
    RunMethod,
    ThresholdReach,
    TierReach,
    Why,
)
from ..logic.results import Result, Status
from ..source import Location
from ..state import number_text

if TYPE_CHECKING:  # the diff's report types; the functions that read them import them when called,
    # so wording a check's results does not load the diff report (a tenth of a fresh check's imports)
    from ..analyses.diff.report import (
        Bounds,
        Change,
        DeclChange,
        ForceChange,
        Note,
        Side,
        Summary,
        Unknown,
    )

# ============================================================================ check and baseline


def rule_name(rule: RuleRef) -> str:
    """A rule for a human reading details: `forbid train (line 12)`."""
    return f"{rule.effect} {rule.action} (line {rule.line})"


def cover_text(cover: Cover) -> str:
    if isinstance(cover, NoPermit):
        return f"no permit for {cover.action} holds"
    return rule_name(cover)


_WHY = {
    Why.LATER_TIER_WHEN: "whenever its condition holds, a later tier holds too",
    Why.LATER_TIER_ALWAYS: "some later tier holds in every state",
    Why.NEVER: "its condition never holds",
}


def _inactivity(f: RequirementReach) -> str:
    return {
        Inactivity.NO_ACTION: "it binds no action",
        Inactivity.TIER_AND_CONDITION: f"no state at {f.tier} or above satisfies its `when` condition",
        Inactivity.TIER: f"no state reaches {f.tier}",
        Inactivity.CONDITION: "no state satisfies its `when` condition",
    }[f.inactivity]


def _redundancy(f: RuleReach) -> str:
    """Why removing a rule changes no verdict, naming what covers it."""
    a = f.rule.action
    if f.rule.effect == "permit" and f.default_permit:
        return (f"{a} is `default permit`, so it is allowed wherever no forbid holds, with or without "
                "a permit; only forbid rules decide it")
    covered = f.covered_by or ()
    forbids = [rule_name(c) for c in covered if isinstance(c, RuleRef) and c.effect == "forbid"]
    permits = [rule_name(c) for c in covered if isinstance(c, RuleRef) and c.effect == "permit"]
    if f.rule.effect == "forbid":
        reasons = ([f"by {' or '.join(forbids)}"] if forbids else []) + (
            [f"because no permit for {a} holds"] if any(isinstance(c, NoPermit) for c in covered) else [])
        decided = f"{a} is already denied" + (f" ({', or '.join(reasons)})" if reasons else "")
    else:
        reasons = ([f"allowed by {' or '.join(permits)}"] if permits else []) + (
            [f"denied by {' or '.join(forbids)}"] if forbids else [])
        decided = f"{a} is already {', or '.join(reasons)}" if reasons else f"{a} is decided alike without it"
    return (f"whenever it holds, {decided}, so removing it changes no verdict "
            "(only, at most, which rule `eval` names as deciding)")


def _rule_sentence(f: RuleReach, status: Status) -> str:
    what = f"The {f.rule.effect} rule for {f.rule.action} (line {f.rule.line})"
    if status == Status.PROVED:
        return f"{what} takes effect in some state."
    if status == Status.VIOLATED:
        if f.finding == Finding.NEVER_ALLOWS:
            return f"{what} never allows {f.rule.action}: wherever it holds, a forbid rule overrides it."
        if f.finding == Finding.NEVER_CHANGES:
            return f"{what} never changes a decision: {_redundancy(f)}."
        return f"{what} never holds: its condition is false in every state."
    return f"Could not decide whether {what[0].lower() + what[1:]} can take effect."


def _sentence(f: Facts, status: Status) -> str:
    """One plain sentence a drafter understands, per kind of facts and status."""
    proved, violated = status == Status.PROVED, status == Status.VIOLATED

    def pick(yes: str, no: str, open_: str) -> str:
        return yes if proved else no if violated else open_

    if isinstance(f, Mitigation):
        a, text = f.action, f.requirement
        if f.recommended:
            return pick(f"Whenever {a} is allowed, the recommended `{text}` holds.",
                        f"{a} can be allowed in a state where the recommended `{text}` (line {f.line}) does not "
                        "hold (advisory: a warning).",
                        f"Could not decide whether {a} can be allowed without the recommended `{text}`.")
        if f.run is not None and f.run.method == RunMethod.SEARCH:
            return f"{a} can be allowed {_when(f.run)} while the required `{text}` (line {f.line}) does not hold."
        return pick(f"Whenever {a} is allowed{_everywhere(f.run)}, the required `{text}` holds{_how(f.run)}.",
                    f"{a} can be allowed in a state where the required `{text}` (line {f.line}) does not hold.",
                    f"Could not decide whether {a} can be allowed without `{text}`{_open(f.run)}.")
    if isinstance(f, DeadlineFacts):
        d, act = f.duty, f.act
        if f.act_is_event:
            return f"Duty {d} can always be met: its act `{act}` is an event, never forbidden."
        due = f" (due by day {number_text(f.due)})" if f.due is not None else ""
        return pick(f"Duty {d} can always be met: `{act}` is allowed for some responses wherever it is due"
                    f"{_how(f.run)}.",
                    f"Duty {d} can be due{due} while `{act}` is forbidden whatever the responses, "
                    f"{_when(f.run)}: it cannot always be met in time.",
                    f"Could not decide whether duty {d} can always be met{_open(f.run)}.")
    if isinstance(f, DutyFacts):
        d = f.duty
        if f.problems:
            return f"Duty {d} is never in force: " + "; ".join(_duty_problem(f, p) for p in f.problems) + "."
        return (f"Duty {d} can be triggered and met; it is self-enforced: no rule reads overdue({d})."
                if f.self_enforced else f"Duty {d} can be triggered and met, and a rule reads overdue({d}).")
    if isinstance(f, Consistency):
        a = f.action
        listed = ", ".join(f"`{c}`" for c in f.core or ())
        return pick(f"Whatever the inputs, some responses meet every requirement active for {a}.",
                    f"For some inputs no responses can meet every requirement active for {a}: "
                    f"{listed} cannot all hold together.",
                    f"Could not decide whether the requirements for {a} can always be met together.")
    if isinstance(f, MonotonicTier):
        return pick("Higher inputs never lead to a lower tier.",
                    f"Raising inputs can lower the tier: the lower state is at {f.lower_tier} "
                    f"but the higher one only at {f.higher_tier}.",
                    "Could not decide whether higher inputs can lead to a lower tier.")
    if isinstance(f, MonotonicAction):
        a = f.action
        return pick(f"Higher inputs never allow {a} where lower inputs forbid it.",
                    f"Raising inputs can newly allow {a}: it is forbidden in the lower state and allowed in "
                    "the higher one.",
                    f"Could not decide whether higher inputs can newly allow {a}.")
    if isinstance(f, MonotonicRequirements):
        names = f.dropped or ()
        dropped = ", ".join(f"`{n}`" for n in names)
        verb = "is" if len(names) == 1 else "are"
        return pick("Every requirement active for lower inputs stays active for higher inputs.",
                    f"Raising inputs can switch off a requirement: {dropped} {verb} active in the lower "
                    "state but not in the higher one.",
                    "Could not decide whether higher inputs can switch off a requirement.")
    if isinstance(f, TierReach):
        why = _WHY[f.why] if f.why is not None else _WHY[Why.NEVER]
        return pick(f"Some state is at tier {f.tier}.", f"No state is at tier {f.tier}: {why}.",
                    f"Could not decide whether tier {f.tier} can be reached.")
    if isinstance(f, ThresholdReach):
        name = f.threshold
        never = (f"Threshold {name} always holds, whatever the state, so it distinguishes nothing."
                 if f.finding == Finding.ALWAYS_HOLDS else f"Threshold {name} never holds, whatever the state.")
        return pick(f"Threshold {name} holds in some states and not in others.", never,
                    f"Could not decide whether threshold {name} can both hold and fail.")
    if isinstance(f, RuleReach):
        return _rule_sentence(f, status)
    if isinstance(f, RequirementReach):
        text = f.requirement
        return pick(f"The requirement `{text}` is active in some state.",
                    f"The requirement `{text}` (line {f.line}) is never active: {_inactivity(f)}.",
                    f"Could not decide whether the requirement `{text}` is ever active.")
    if isinstance(f, AssertionFacts):
        what = f"assertion {f.name}" + (f" ({f.description})" if f.description else "")
        if f.run is not None:
            return pick(f"The {what} holds at every step of every compliant run{_how(f.run)}.",
                        f"The {what} fails {_when(f.run)}.",
                        f"Could not decide whether the {what} holds at every step of every run{_open(f.run)}.")
        return pick(f"The {what} holds in every state.", f"The {what} fails in some state.",
                    f"Could not decide whether the {what} holds in every state.")
    if isinstance(f, BaselineFacts):
        desc = f" ({f.description})" if f.description else ""
        return pick(f"Baseline requirement `{f.name}`{desc} holds for this policy in every state.",
                    f"Baseline requirement `{f.name}`{desc} fails for this policy in some state.",
                    f"Could not decide whether baseline requirement `{f.name}`{desc} holds for this policy.")
    raise TypeError(f"no message for {type(f).__name__}")


def _when(run: RunFacts | None) -> str:
    """Where a violating run breaks the property: its last step."""
    if run is None or run.steps is None or run.steps <= 1:
        return "at the first step of a run"
    return f"at step {run.steps - 1} of a compliant run"


def _everywhere(run: RunFacts | None) -> str:
    return "" if run is None else " at any step of any compliant run"


def _how(run: RunFacts | None) -> str:
    if run is not None and run.method == RunMethod.INDUCTION:
        return f" (by {run.steps}-induction over runs)"
    return ""


def _open(run: RunFacts | None) -> str:
    if run is not None and run.method == RunMethod.NOT_PROVED:
        return f": no violation in runs of up to {run.steps} steps, and no induction of that depth proves it"
    return ""


_DUTY_PROBLEM = {
    DutyProblem.ACT_NEVER_ALLOWED: "its act `{act}` is never allowed",
    DutyProblem.TRIGGER_NEVER_ALLOWED: "its trigger `{trigger}` is never allowed",
    DutyProblem.TRIGGER_NEVER_HOLDS: "its trigger `{trigger}` never holds",
    DutyProblem.WHILE_NEVER_HOLDS: "its `while` condition never holds",
}


def _duty_problem(f: DutyFacts, problem: DutyProblem) -> str:
    return _DUTY_PROBLEM[problem].format(act=f.act, trigger=f.trigger)


def _run_details(run: RunFacts | None) -> dict[str, Any]:
    if run is None:
        return {}
    key = {RunMethod.SEARCH: "steps", RunMethod.INDUCTION: "k", RunMethod.NOT_PROVED: "depth"}.get(run.method)
    return {"method": run.method.value, **({key: run.steps} if key and run.steps is not None else {})}


def result_message(result: Result) -> str:
    """The result's one sentence (JSON "message", SARIF message text, the text renderer's header)."""
    # an accepted finding is still a violation, worded as one (its acceptance is a detail)
    status = Status.VIOLATED if result.status == Status.ACCEPTED else result.status
    return _sentence(result.facts, status)


def _facts_details(f: Facts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(f, Mitigation):
        if f.decided_by is not None:
            out["decided_by"] = rule_name(f.decided_by)
        if f.recommended:
            out["recommended"] = True
        out.update(_run_details(f.run))
    elif isinstance(f, AssertionFacts):
        out.update(_run_details(f.run))
    elif isinstance(f, DeadlineFacts):
        if f.due is not None:
            out["due"] = f.due
        out.update(_run_details(f.run))
    elif isinstance(f, DutyFacts):
        out["self_enforced"] = f.self_enforced
        if f.problems:
            out["problems"] = [_duty_problem(f, p) for p in f.problems]
    elif isinstance(f, Consistency) and f.core is not None:
        out = {"core": list(f.core), "core_lines": list(f.core_lines), "inputs": dict(f.inputs)}
        if not f.core_minimal:
            out["core_minimal"] = False
    elif isinstance(f, MonotonicTier) and f.lower_tier is not None:
        out = {"lower_tier": f.lower_tier, "higher_tier": f.higher_tier}
    elif isinstance(f, MonotonicAction):
        for key, rule in (("lower_decided_by", f.lower_decided_by), ("higher_decided_by", f.higher_decided_by)):
            if rule is not None:
                out[key] = rule_name(rule)
    elif isinstance(f, MonotonicRequirements) and f.dropped is not None:
        out["dropped"] = list(f.dropped)
    elif isinstance(f, Reach) and f.finding is not None:
        out["finding"] = f.finding.value
        if f.why is not None:
            out["why"] = _WHY[f.why]
        if f.covered_by is not None:
            out["covered_by"] = [cover_text(c) for c in f.covered_by]
    elif isinstance(f, BaselineFacts):
        found = f.line is not None and f.column is not None
        out["baseline requirement"] = f"{f.baseline_path}:{f.line}:{f.column}" if found else f.baseline_path
        out["bound"] = dict(f.bound)
        if f.in_baseline_terms is not None:
            out["in baseline terms"] = dict(f.in_baseline_terms)
        if f.inner is not None:
            out.update(_facts_details(f.inner))
    return out


def result_details(result: Result) -> dict[str, Any]:
    """The facts as the JSON "details" object (and the text renderer's detail lines), in order;
    an unknown result's reason last."""
    out = _facts_details(result.facts)
    if result.reason is not None:
        out["reason"] = result.reason
    if result.accepted is not None:
        a = result.accepted
        out["accepted"] = {"reason": a.reason, "owner": a.owner, "line": a.line}
    return out


_ROLE = {
    Role.REQUIREMENT: "the requirement",
    Role.ACTION: "the action",
    Role.PERMITTING_RULE: "a rule permitting the action",
    Role.DECIDING_RULE: "the rule that allows it here",
    Role.ACTION_REQUIREMENT: "a requirement for the action",
    Role.CLASHING: "a clashing commitment",
    Role.LADDER: "the tier ladder",
    Role.LOWER_TIER: "the lower state's tier",
    Role.HIGHER_TIER: "the higher state's tier",
    Role.FORBIDS_LOWER: "forbids it in the lower state",
    Role.ALLOWS_HIGHER: "allows it in the higher state",
    Role.DROPPED: "active in the lower state only",
    Role.A_REQUIREMENT: "a requirement",
    Role.TIER: "the tier",
    Role.THRESHOLD: "the threshold",
    Role.RULE: "the rule",
    Role.ASSERTION: "the assertion",
    Role.POLICY: "the policy",
    Role.RECOMMENDATION: "the recommendation",
    Role.DUTY: "the duty",
}


def location_text(loc: Location, facts: Facts | None = None, bound_index: int = 0) -> str:
    """What a location is, in words: a result's Role worded with its facts, or a diagnostic's note."""
    role = loc.message
    if not isinstance(role, Role):
        return role
    if role is Role.ACTION_RULE:
        return f"a rule for {getattr(facts, 'action', '')}"
    if role is Role.BOUND:
        if not isinstance(facts, BaselineFacts) or bound_index >= len(facts.places):
            return "a policy entity"
        target, name = facts.places[bound_index]
        return (f"`{target}`, bound to the baseline's `{name}`" if target != name
                else f"`{target}`, the baseline's `{name}`")
    return _ROLE[role]


def worded(locations: Sequence[Location], facts: Facts | None = None) -> tuple[Location, ...]:
    """The locations with their roles in words (what every renderer shows)."""
    out = []
    bound = 0
    for loc in locations:
        out.append(Location(loc.span, location_text(loc, facts, bound)))
        bound += loc.message is Role.BOUND
    return tuple(out)


def result_locations(result: Result) -> tuple[Location, ...]:
    return worded(result.locations, result.facts)


# ============================================================================ diff


def _where(at: tuple[str, Any]) -> str:
    path, span = at
    return f"{path}:{span.line}:{span.column}"


def _label(name: str, old_name: str | None) -> str:
    return name if old_name is None else f"{name} (OLD: {old_name})"


def change_message(c: Change) -> str:
    """One line saying what changed in meaning, e.g. "NEW allows deploy where OLD forbids it"."""
    from ..analyses.diff.report import WEAKENING, Demand
    label = _label(c.name, c.old_name)
    if c.aspect == "tier":
        if c.kind == WEAKENING:
            return f"NEW places a state below {label} (at {c.new.tier}) that OLD places at {c.old.tier}"
        return f"NEW places a state at {c.new.tier} (at or above {label}) that OLD places at {c.old.tier}"
    if c.aspect == "permission":
        return (f"NEW allows {label} where OLD forbids it" if c.kind == WEAKENING
                else f"NEW forbids {label} where OLD allows it")
    has = c.old if c.kind == WEAKENING else c.new
    at = has.outcome.at if isinstance(has.outcome, Demand) else None
    where = _where(at) if at is not None else ""
    if c.kind == WEAKENING:
        return f"OLD requires `{c.detail}` for {label} here ({where}); NEW no longer demands it"
    return f"NEW requires `{c.detail}` for {label} here ({where}); OLD did not demand it"


def side_outcome(side: Side) -> str:
    """What one revision does at the witness, e.g. "forbids deploy (forbid at p.rsp:20:1)"."""
    from ..analyses.diff.report import Demand, Permission
    out = side.outcome
    if isinstance(out, Permission):
        verb = "allows" if out.allowed else "forbids"
        if out.rule_at is not None:
            return f"{verb} {out.action} ({out.rule_effect} at {_where(out.rule_at)})"
        why = "default permit" if out.default_permit else "no permit holds; default deny"
        return f"{verb} {out.action} ({why})"
    if isinstance(out, Demand):
        if out.demanded and out.at is not None:
            return f"requires `{out.commitment}` ({_where(out.at)})"
        return "does not demand it"
    return ""


def note_text(note: Note) -> str:
    """How a witness variable relates to the two revisions, e.g. "OLD: bio_risk", "NEW only"."""
    from ..analyses.diff.report import NoteKind
    if note.kind in (NoteKind.OLD_NAME, NoteKind.OLD_VALUE):
        return f"OLD: {note.value}"
    return "NEW only" if note.kind is NoteKind.NEW_ONLY else "OLD only"


def unknown_question(u: Unknown) -> str:
    """The question the solver could not answer."""
    from ..analyses.diff.report import Question
    label = _label(u.name, u.old_name)
    return {
        Question.TIER_BELOW: lambda: f"does NEW place a state below {label} where OLD does not?",
        Question.TIER_AT_OR_ABOVE: lambda: f"does NEW place a state at or above {label} where OLD does not?",
        Question.ALLOW: lambda: f"does NEW allow {label} where OLD forbids it?",
        Question.FORBID: lambda: f"does NEW forbid {label} where OLD allows it?",
        Question.NEW_DEMANDS: lambda: f"does NEW demand `{u.commitment}` for {label} wherever OLD does?",
        Question.OLD_DEMANDS: lambda: f"does OLD demand `{u.commitment}` for {label} wherever NEW does?",
        Question.IMPLIES: lambda: f"does a commitment of the other revision imply `{u.commitment}` for every value?",
    }[u.question]()


def bounds_text(b: Bounds) -> str:
    """A variable's declared range: `[0, 1] months`, `level [low, high]`, `true/false`."""
    if b.sort == "bool":
        return "true/false"
    if b.sort == "int":
        return f"{b.scale} [{b.lo or '?'}, {b.hi or '?'}]"
    lo = "-inf" if b.lo is None else number_text(b.lo)
    hi = "inf" if b.hi is None else number_text(b.hi)
    return f"[{lo}, {hi}]" + (f" {b.unit}" if b.unit else "")


def _sort_word(b: Bounds) -> str:
    return {"real": "a number", "bool": "true/false", "int": f"scale {b.scale}"}.get(b.sort, b.sort)


def _summary(s: Summary) -> str:
    if s.bounds is not None:
        return bounds_text(s.bounds)
    if s.default_permit is not None:
        return "default permit" if s.default_permit else "default deny"
    if s.values is not None:
        return "{ " + ", ".join(s.values) + " }"
    if s.rung is not None:
        return f"rung {s.rung[0]} of {s.rung[1]}"
    return ""


_UNRELATED = "the two are compared as unrelated variables"


def duty_run_message(f: ForceChange) -> str:
    """What a duty change's witness run (shown in the names of the revision that finds the duty
    overdue at its end) shows at its last step."""
    from ..analyses.diff.report import WEAKENING, ForceDetail
    late = "OLD" if f.kind == WEAKENING else "NEW"
    other = "NEW" if late == "OLD" else "OLD"
    if f.detail in (ForceDetail.UNGATED, ForceDetail.GATED):
        what = f"`{f.name}` is overdue and {other} allows an action {late} forbids there"
    else:
        gone = " has no such duty" if f.detail in (ForceDetail.REMOVED, ForceDetail.ADDED) else " does not"
        what = f"{late} finds `{f.name}` overdue; {other}{gone}"
    return f"at the last step {what} (the same run in each file's names: --format json, witness.old / witness.new)"


def force_message(f: ForceChange) -> str:
    """One sentence about a change to a duty, an authority or who decides an input (language v2)."""
    from ..analyses.diff.report import ForceDetail
    what = f"{f.entity} `{f.name}`"
    if f.detail == ForceDetail.ADDED:
        return f"{what} is new"
    if f.detail == ForceDetail.REMOVED:
        return f"{what} is gone: nothing obliges its act any more"
    if f.detail == ForceDetail.DEADLINE:
        return f"{what} allows {number_text(f.new)} days instead of {number_text(f.old)}"
    if f.detail == ForceDetail.CLOCK:
        if f.kind is None:
            return (f"{what} has a different act, trigger or `while`; no run of a few steps tells the two "
                    "apart (compare the texts)")
        which = "OLD" if f.kind == "weakening" else "NEW"
        return f"{what} has a different act, trigger or `while`: some run makes it overdue under {which} only"
    if f.detail == ForceDetail.UNGATED:
        return f"no rule reads overdue({f.name}) any more: the duty no longer binds an action"
    if f.detail == ForceDetail.GATED:
        return f"a rule now reads overdue({f.name}): the duty binds an action"
    if f.detail == ForceDetail.STANDING:
        return f"{what} is now {f.new} (was {f.old})"
    if f.detail == ForceDetail.ACCEPTED:
        owner, reason = f.new
        return f"NEW accepts the finding {f.name} (by {owner}: {reason}): it no longer counts as a violation"
    if f.detail == ForceDetail.UNACCEPTED:
        owner, reason = f.old
        return f"NEW no longer accepts the finding {f.name} (was accepted by {owner}: {reason})"
    if f.detail == ForceDetail.DECIDED_BY:
        return f"{what} is decided by {f.new or 'no named authority'} (was {f.old or 'no named authority'})"
    raise ValueError(f"unknown force detail {f.detail!r}")


def decl_detail(d: DeclChange) -> str:
    """What a declaration change says, e.g. "bounds [0, 1] → [0, 2]" ("" when nothing more)."""
    from ..analyses.diff.report import Detail
    old, new = d.old, d.new
    what = d.what
    if what is Detail.NONE:
        return ""
    if what is Detail.SUMMARY:
        return _summary(new)
    if what is Detail.INSERTED:
        where = (f"between {old} and {new}" if old and new else f"above {old}" if old else f"below {new}")
        return f"inserted {where} in the ladder"
    if what is Detail.SORT_UNRELATED:
        return f"sort changed ({_sort_word(old)} → {_sort_word(new)}): {_UNRELATED}"
    texts = {
        Detail.TITLE: lambda: f"title {old!r} → {new!r}",
        Detail.VERSION: lambda: f"version {old} → {new}",
        Detail.RENAMED: lambda: f"was `{old}`",
        Detail.VALUES: lambda: "values { " + ", ".join(old) + " } → { " + ", ".join(new) + " }",
        Detail.KIND: lambda: f"was a {old}, now a {new}",
        Detail.BOUNDS: lambda: f"bounds {bounds_text(old)} → {bounds_text(new)}",
        Detail.UNIT: lambda: f"unit {old or '(none)'} → {new or '(none)'}",
        Detail.SCALE: lambda: f"scale {old} → {new}",
        Detail.REASSURING: lambda: "now reassuring" if new else "no longer reassuring",
        Detail.DEFAULT: lambda: "default deny → default permit" if new else "default permit → default deny",
        Detail.PLACE: lambda: "its place among the common tiers changed",
        Detail.NO_COMMON_VALUE: lambda: f"no scale value is common to both sides: {_UNRELATED}",
        Detail.NO_OVERLAP: lambda: f"the two sides' bounds do not overlap: {_UNRELATED}",
        Detail.HOLDS_MORE: lambda: "now holds in more states",
        Detail.HOLDS_FEWER: lambda: "now holds in fewer states",
        Detail.HOLDS_DIFFERENT: lambda: "now holds in different states",
        Detail.HOLDS_UNKNOWN: lambda: "may hold in different states (solver gave up)",
    }
    return texts[what]()

