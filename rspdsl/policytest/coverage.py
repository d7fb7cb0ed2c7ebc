"""Coverage: what the cases of a policy exercised, and what they never did.

Each kind of item is covered when some case's decision shows it:
- a tier is covered when some case lands in it;
- a threshold when some case crosses it (holds);
- a rule when it decided some action in some case (a rule that always loses to another never
  decides anything, and is listed);
- a requirement when it is active (its tier reached and its `when` holding) for some action;
- a recommendation (language v2) when it is in force for some action (advised);
- a duty (language v2) when some run case (or a state case, a one-step run) triggers it: it is
  pending at some step.

The percentage is covered items over all items of the policy; a policy without any item
(no thresholds, rules or requirements and one tier) is 100%.
"""
from __future__ import annotations

from dataclasses import dataclass

from .runner import PolicyRun, rule_label

KINDS = ("tiers", "thresholds", "rules", "requirements", "recommendations", "duties")


@dataclass(frozen=True)
class Item:
    kind: str       # one of KINDS
    name: str       # the tier or threshold name, the rule's `permit ACTION` / requirement text
    line: int       # where it is declared in the policy
    covered: bool


@dataclass(frozen=True)
class PolicyCoverage:
    path: str
    cases: int
    items: tuple[Item, ...]

    def count(self, kind: str | None = None) -> tuple[int, int]:
        """(covered, total) for a kind, or for every kind."""
        chosen = [i for i in self.items if kind is None or i.kind == kind]
        return sum(i.covered for i in chosen), len(chosen)

    @property
    def percent(self) -> float:
        covered, total = self.count()
        return 100.0 if total == 0 else 100.0 * covered / total

    @property
    def missed(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.covered)


def coverage(run: PolicyRun) -> PolicyCoverage:
    policy = run.policy
    decisions = run.decisions
    tiers_reached = {d.tier for d in decisions}
    crossed = {name for d in decisions for name, holds in d.thresholds.items() if holds}
    deciding = {rule.index for d in decisions for rule in d.decided_by.values() if rule is not None}
    active = {k for d in decisions for ks in d.active.values() for k in ks}
    advised = {k for d in decisions for ks in d.advised.values() for k in ks}
    items: list[Item] = []
    items += [Item("tiers", t.name, t.span.line, t.index in tiers_reached) for t in policy.tiers]
    items += [Item("thresholds", t.name, t.span.line, t.name in crossed) for t in policy.thresholds.values()]
    items += [Item("rules", f"{r.effect} {r.action} ({rule_label(r)})", r.span.line, r.index in deciding)
              for r in policy.rules]
    items += [Item("requirements", r.text, r.decl_span.line, r.index in active) for r in policy.requirements]
    items += [Item("recommendations", r.text, r.decl_span.line, r.index in advised) for r in policy.recommendations]
    items += [Item("duties", d.name, d.span.line, d.name in run.duties_triggered) for d in policy.duties.values()]
    return PolicyCoverage(run.path, run.cases, tuple(sorted(items, key=lambda i: (KINDS.index(i.kind), i.line))))
