"""Hand-built check outcomes for the renderer tests (no prover involved).

The witnesses are real states of POLICY (every input and response, within bounds), so tests
can replay them through rspdsl.state.read_state.
"""
from __future__ import annotations

from fractions import Fraction

from rspdsl.analyses.checked import CheckedFile
from rspdsl.diagnostics import Diagnostic, Severity
from rspdsl.logic.facts import (
    AssertionFacts,
    Consistency,
    Finding,
    Mitigation,
    MonotonicAction,
    Role,
    RuleReach,
    RuleRef,
    TierReach,
)
from rspdsl.logic.results import Report, Result, Status, Witness
from rspdsl.source import Location, SourceFile, Span

ERROR, WARNING = Severity.ERROR, Severity.WARNING
PROVED, VIOLATED, UNKNOWN = Status.PROVED, Status.VIOLATED, Status.UNKNOWN

POLICY = """\
policy "Test RSP" version "1"

metric cbrn_uplift in [0, 1] "uplift"
judgement panel
safeguard asl3_security
action deploy

threshold CBRN-3 when cbrn_uplift >= 0.5 or panel

tier ASL-2 { }
tier ASL-3 when CBRN-3 {
  require asl3_security for deploy
}

permit deploy when tier <= ASL-2
permit deploy when cbrn_uplift >= 0.9

assert no-deploy-at-asl3: not (allowed(deploy) and tier >= ASL-3)
"""

BROKEN = """\
policy "Broken" version "1"
action deploy
permit deploy when cbrn_uplfit >= 0.5
"""


def span_of(text: str, needle: str, nth: int = 0) -> Span:
    """The span of the nth occurrence of needle (single-line needles)."""
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(needle, pos + 1)
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return Span(line, col, line, col + len(needle), pos, pos + len(needle))


def sample_results(text: str = POLICY) -> tuple[Result, ...]:
    req = Location(span_of(text, "asl3_security", 1), Role.REQUIREMENT)
    rule = Location(span_of(text, "permit deploy when cbrn_uplift >= 0.9"), Role.PERMITTING_RULE)
    permit = RuleRef("permit", "deploy", 16)
    return (
        Result("mitigations", "deploy: asl3_security", VIOLATED, ERROR,
               Mitigation("deploy", "asl3_security", 12, permit),
               Witness(state={"cbrn_uplift": Fraction(9, 10), "panel": False, "asl3_security": False}),
               (req, rule), seconds=0.01),
        Result("consistency", "deploy", PROVED, ERROR, Consistency("deploy"),
               locations=(Location(span_of(text, "action deploy"), Role.ACTION),), seconds=0.02),
        Result("monotonic", "deploy", VIOLATED, ERROR, MonotonicAction("deploy", None, permit),
               Witness(lower={"cbrn_uplift": Fraction(1, 3), "panel": False, "asl3_security": False},
                       higher={"cbrn_uplift": Fraction(9, 10), "panel": False, "asl3_security": False}),
               (Location(span_of(text, "permit deploy when cbrn_uplift >= 0.9"), Role.ALLOWS_HIGHER),),
               seconds=0.03),
        Result("reachability", "ASL-3", PROVED, ERROR, TierReach(tier="ASL-3"),
               locations=(Location(span_of(text, "tier ASL-3"), Role.TIER),)),
        Result("reachability", "rule 2", VIOLATED, WARNING,
               RuleReach(rule=permit, default_permit=False, finding=Finding.NEVER_ALLOWS),
               locations=(Location(span_of(text, "permit deploy when cbrn_uplift >= 0.9"), Role.RULE),)),
        Result("assert:no-deploy-at-asl3", "no-deploy-at-asl3", UNKNOWN, ERROR, AssertionFacts("no-deploy-at-asl3"),
               locations=(Location(span_of(text, "no-deploy-at-asl3"), Role.ASSERTION),), reason="timeout"),
    )


def checked_ok(path: str = "p.rsp", results: tuple[Result, ...] | None = None,
               seconds: float = 0.42) -> CheckedFile:
    source = SourceFile(path, POLICY)
    return CheckedFile(path, source, "Test RSP", (), Report(sample_results() if results is None else results),
                       seconds)


def checked_broken(path: str = "broken.rsp") -> CheckedFile:
    source = SourceFile(path, BROKEN)
    diag = Diagnostic("E0103", Severity.ERROR, "`cbrn_uplfit` is not declared", span_of(BROKEN, "cbrn_uplfit"),
                      hint="did you mean `cbrn_uplift`?",
                      related=(Location(span_of(BROKEN, "action deploy"), "the action"),))
    return CheckedFile(path, source, "Broken", (diag,), None, 0.01)


def checked_all_proved(path: str = "good.rsp") -> CheckedFile:
    return checked_ok(path, tuple(r for r in sample_results() if r.status == "proved"), 0.1)


# A policy whose every property holds (exit 0), for end-to-end, cache and CI-recipe tests:
# CLEAN_RULES without an assertion, CLEAN with one.
CLEAN_RULES = """\
policy "Clean" version "1"
metric cbrn_uplift in [0, 1]
safeguard asl3_security
action deploy
threshold CBRN-3 when cbrn_uplift >= 0.5
tier ASL-2 { }
tier ASL-3 when CBRN-3 {
  require asl3_security for deploy
}
permit deploy when tier <= ASL-2 or asl3_security
"""
CLEAN = CLEAN_RULES + "assert secure-at-asl3: allowed(deploy) and tier >= ASL-3 implies asl3_security\n"
