"""Name resolution and type checking: the AST becomes a checked Policy, or diagnostics.

Every error in the file is reported (types of erroneous sub-expressions become ErrorT and
absorb follow-on complaints, so one mistake yields one diagnostic).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from fractions import Fraction

from ..diagnostics import Diagnostic, did_you_mean, error, warning
from ..numbers import LITERAL_MAX_BITS
from ..source import Location, SourceFile, Span
from ..syntax import ast
from . import ir
from .model import (
    Accept,
    Action,
    Assertion,
    Authority,
    Duty,
    Event,
    Policy,
    Requirement,
    Rule,
    Scale,
    Threshold,
    Tier,
    Variable,
    Waiver,
)
from .types import BOOL, ERROR, TIER, BoolT, ErrorT, RealT, ScaleT, TierT, Type

# the property ids an `accept` may name besides assert:NAME (logic.results' PROPERTIES and
# RUN_PROPERTIES, restated so that the front end does not import the prover; a test pins them)
ACCEPTABLE_PROPERTIES = ("mitigations", "consistency", "monotonic", "reachability", "deadlines", "duties")


@dataclass(frozen=True)
class Entity:
    """What a name denotes in the one namespace."""
    kind: str      # scale | scale_value | metric | control | judgement | safeguard | action | threshold | tier | assertion
    span: Span
    decl: object = None
    scale: str | None = None   # for scale_value: its scale
    index: int = 0             # scale_value index or tier index


KIND_WORDS = {
    "scale": "a scale", "scale_value": "a scale value", "metric": "a metric", "control": "a control",
    "judgement": "a judgement", "safeguard": "a safeguard", "action": "an action",
    "threshold": "a threshold", "tier": "a tier", "assertion": "an assertion",
    "event": "an event", "authority": "an authority", "duty": "a duty",
}
ACT_KINDS = ("action", "event")  # what a run's step does, and what history terms look back at



@dataclass
class Context:
    """Where an expression sits: decides whether `tier` and `allowed()` are allowed."""
    where: str               # "threshold" | "tier" | "rule" | "require" | "assert" | "duty"
    threshold: str | None = None
    in_at: bool = False      # inside `E at X`, whose E must be history-free

    @property
    def tier_allowed(self) -> bool:
        return self.where in ("rule", "require", "assert", "duty")

    @property
    def history_allowed(self) -> bool:
        """History terms may appear anywhere but in tier `when`s (the tier is a function of the
        state, v2 §2) and in a duty's `while` (what starts a clock must not depend on clocks)."""
        return self.where not in ("tier", "duty") and not self.in_at

    @property
    def allowed_allowed(self) -> bool:
        return self.where == "assert"


class Resolver:
    def __init__(self, source: SourceFile, module: ast.Module):
        self.source = source
        self.module = module
        self.diagnostics: list[Diagnostic] = []
        self.names: dict[str, Entity] = {}
        self.used: set[str] = set()
        self.threshold_deps: dict[str, set[str]] = {}
        # (IR, span, where) of expressions that must not read history through a threshold, checked
        # once every threshold's history is known: tier `when`s, duty clocks, the E of `E at X`
        self.history_free: list[tuple[ir.IExpr, Span, str]] = []

    def err(self, code, message, span, hint=None, related=()):
        self.diagnostics.append(error(code, message, span, hint, tuple(related)))

    # ------------------------------------------------------------ namespace
    def declare(self, ident: ast.Ident, entity: Entity) -> bool:
        previous = self.names.get(ident.name)
        if previous is not None:
            self.err("E0101", f"`{ident.name}` is already declared as {KIND_WORDS[previous.kind]}",
                     ident.span, hint="every declaration shares one namespace; rename one of them",
                     related=[Location(previous.span, "first declared here")])
            return False
        self.names[ident.name] = entity
        return True

    def unknown(self, name: str, span: Span, wanted: tuple[str, ...] | None = None) -> None:
        candidates = [n for n, e in self.names.items() if wanted is None or e.kind in wanted]
        hint = did_you_mean(name, candidates)
        if "-" in name and self._is_subtraction(name):
            hint = f"did you mean `{name.replace('-', ' - ')}`? (subtraction needs spaces: `{name}` is one name)"
        self.err("E0103", f"unknown name `{name}`", span, hint=hint)

    def _is_subtraction(self, name: str) -> bool:
        parts = name.split("-")
        return all(p in self.names or re.fullmatch(r"[0-9_]+", p) for p in parts) and \
            any(p in self.names for p in parts)

    # ------------------------------------------------------------ entry
    def run(self) -> Policy | None:
        decls = self.module.declarations
        if not decls:
            self.err("E0003", "the file holds no policy", Span(1, 1, 1, 2),
                     hint='start with `policy "Name" version "1.0"`')
            return None
        self.check_policy_header(decls)
        self.collect(decls)
        policy = self.build(decls)
        if any(d.is_error for d in self.diagnostics):
            return None
        return policy

    def check_policy_header(self, decls):
        headers = [d for d in decls if isinstance(d, ast.PolicyDecl)]
        if not headers:
            self.err("E0107", "missing `policy` declaration", decls[0].span,
                     hint='every file starts with `policy "Name" version "1.0"`')
        for extra in headers[1:]:
            self.err("E0107", "a second `policy` declaration", extra.span,
                     related=[Location(headers[0].span, "the first one")])
        if headers and decls[0] is not headers[0]:
            self.err("E0107", "the `policy` declaration must come first", headers[0].span)

    def collect(self, decls):
        tiers = [d for d in decls if isinstance(d, ast.TierDecl)]
        for d in decls:
            if isinstance(d, ast.ScaleDecl):
                self.declare(d.name, Entity("scale", d.name.span, d))
                if not d.values:
                    self.err("E0109", f"scale `{d.name.name}` has no values", d.name.span)
                for i, v in enumerate(d.values):
                    self.declare(v, Entity("scale_value", v.span, d, scale=d.name.name, index=i))
            elif isinstance(d, ast.QuantityDecl):
                self.declare(d.name, Entity(d.kind, d.name.span, d))
            elif isinstance(d, ast.FlagDecl):
                self.declare(d.name, Entity(d.kind, d.name.span, d))
            elif isinstance(d, ast.ActionDecl):
                self.declare(d.name, Entity("action", d.name.span, d))
            elif isinstance(d, ast.ThresholdDecl):
                self.declare(d.name, Entity("threshold", d.name.span, d))
            elif isinstance(d, ast.AssertDecl):
                self.declare(d.name, Entity("assertion", d.name.span, d))
            elif isinstance(d, ast.EventDecl):
                self.declare(d.name, Entity("event", d.name.span, d))
            elif isinstance(d, ast.AuthorityDecl):
                self.declare(d.name, Entity("authority", d.name.span, d))
            elif isinstance(d, ast.DutyDecl):
                self.declare(d.name, Entity("duty", d.name.span, d))
        for i, t in enumerate(tiers):
            self.declare(t.name, Entity("tier", t.name.span, t, index=i))
        if not tiers:
            anchor = decls[0].span
            self.err("E0108", "the policy declares no tier", anchor,
                     hint="declare at least the base tier, e.g. `tier base { }`")
        for i, t in enumerate(tiers):
            if i == 0 and t.condition is not None:
                self.err("E0108", f"the first tier `{t.name.name}` must not have a `when`", t.condition.span,
                         hint="the first tier is the default: it applies when no later tier's `when` holds")
            if i > 0 and t.condition is None:
                self.err("E0108", f"tier `{t.name.name}` needs a `when` condition", t.name.span,
                         hint="every tier after the first says when it applies")

    # ------------------------------------------------------------ build
    def build(self, decls) -> Policy | None:
        header = next((d for d in decls if isinstance(d, ast.PolicyDecl)), None)
        scales: dict[str, Scale] = {}
        variables: dict[str, Variable] = {}
        actions: dict[str, Action] = {}
        events = {d.name.name: Event(d.name.name, d.description, d.name.span)
                  for d in decls if isinstance(d, ast.EventDecl) and self.owns(d)}
        authorities = {d.name.name: Authority(d.name.name, d.standing, d.description, d.name.span)
                       for d in decls if isinstance(d, ast.AuthorityDecl) and self.owns(d)}
        for d in decls:
            if isinstance(d, ast.ScaleDecl) and self.names.get(d.name.name, Entity("", d.span)).decl is d:
                scales[d.name.name] = Scale(d.name.name, tuple(v.name for v in d.values), d.name.span,
                                            d.description)
        for d in decls:
            if isinstance(d, (ast.QuantityDecl, ast.FlagDecl)) and self.owns(d):
                var = self.variable(d, scales)
                if var is not None:
                    variables[var.name] = var
            elif isinstance(d, ast.ActionDecl) and self.owns(d):
                actions[d.name.name] = Action(d.name.name, d.default == "permit", d.description, d.name.span)

        thresholds_raw: dict[str, Threshold] = {}
        for d in decls:
            if isinstance(d, ast.ThresholdDecl) and self.owns(d):
                ctx = Context("threshold", threshold=d.name.name)
                self.threshold_deps[d.name.name] = set()
                cond = self.condition(d.condition, ctx, "threshold condition")
                thresholds_raw[d.name.name] = Threshold(d.name.name, cond, d.description, d.name.span)
        thresholds = self.order_thresholds(thresholds_raw)
        history_thresholds = self.reading_history(thresholds)
        duties = {d.name.name: duty for d in decls
                  if isinstance(d, ast.DutyDecl) and self.owns(d) and (duty := self.duty(d, thresholds)) is not None}

        tiers: list[Tier] = []
        requirements: list[Requirement] = []
        recommendations: list[Requirement] = []
        commitment_asts: list[ast.Expr] = []  # per requirement, in order: what waivers match against

        def commit(r: ast.RequireDecl, tier: int | None) -> None:
            if r.force == "recommend":
                recommendations.extend(self.requirement(r, tier, actions, len(recommendations)))
            else:
                requirements.extend(self.requirement(r, tier, actions, len(requirements)))
                commitment_asts.extend(r.commitments)

        tier_decls = [d for d in decls if isinstance(d, ast.TierDecl)]
        for i, t in enumerate(tier_decls):
            when = self.condition(t.condition, Context("tier"), "tier condition") if t.condition is not None else None
            if when is not None and t.condition is not None:
                self.history_free.append((when, t.condition.span, "a tier's `when`"))
            tiers.append(Tier(t.name.name, i, when, t.description, t.name.span))
            for r in t.requirements:
                commit(r, i)
        rules: list[Rule] = []
        assertions: list[Assertion] = []
        for d in decls:
            if isinstance(d, ast.RequireDecl):
                commit(d, None)
            elif isinstance(d, ast.RuleDecl):
                self.action_ref(d.action)
                cond = (self.condition(d.condition, Context("rule"), "rule condition")
                        if d.condition is not None else ir.BoolConst(True))
                rules.append(Rule(len(rules), d.effect, d.action.name, cond, d.description, d.span))
            elif isinstance(d, ast.AssertDecl) and self.owns(d):
                body = self.condition(d.body, Context("assert"), "assertion")
                assertions.append(Assertion(d.name.name, body, d.description, d.name.span))
        waivers = [w for n, d in enumerate(d for d in decls if isinstance(d, ast.WaiveDecl))
                   if (w := self.waiver(d, n, requirements, commitment_asts)) is not None]
        self.check_history_free(history_thresholds)
        self.warn_unused(variables, thresholds)
        unused: list[tuple[str, str, Span]] = [("event", n, e.span) for n, e in events.items()]
        unused += [("authority", n, a.span) for n, a in authorities.items()]
        for kind, name, span in unused:
            if name not in self.used:
                self.diagnostics.append(warning(
                    "W0301", f"{kind} `{name}` is declared but never used", span,
                    hint="a duty, history term, `set at` or `by` should mention it, or remove it"))
        return Policy(self.source, header.title if header else "", header.version if header else None,
                      scales, variables, actions, thresholds, tuple(tiers), tuple(rules),
                      tuple(requirements), tuple(assertions),
                      header.span if header else Span(1, 1, 1, 1),
                      events=events, authorities=authorities, duties=duties,
                      history_thresholds=frozenset(history_thresholds),
                      recommendations=tuple(recommendations), waivers=tuple(waivers),
                      accepts=self.accepts(decls))

    def accepts(self, decls) -> tuple[Accept, ...]:
        """`accept` declarations: a known property id (an assertion of this policy for
        `assert:NAME`), each (property, subject) once. Matching results is acceptance.py's job."""
        out: list[Accept] = []
        seen: dict[tuple[str, str], Span] = {}
        for d in decls:
            if not isinstance(d, ast.AcceptDecl):
                continue
            family, _, name = d.property.partition(":")
            if family == "assert":
                if not self.ref(ast.Ident(name, d.property_span), ("assertion",)):
                    continue
            elif d.property not in ACCEPTABLE_PROPERTIES:
                hint = did_you_mean(d.property, list(ACCEPTABLE_PROPERTIES))
                self.err("E0110", f"`accept {d.property}`: no property has that id", d.property_span,
                         hint=hint or f"property ids: {', '.join(ACCEPTABLE_PROPERTIES)}, assert:NAME")
                continue
            key = (d.property, d.subject)
            if key in seen:
                self.err("E0110", f"the finding {d.property} {d.subject!r} is accepted twice", d.span,
                         related=[Location(seen[key], "the first `accept`")])
                continue
            seen[key] = d.span
            out.append(Accept(d.property, d.subject, d.reason, d.owner, d.span))
        return tuple(out)

    def owns(self, d) -> bool:
        """True when this declaration is the one its name resolves to (not a duplicate)."""
        entity = self.names.get(d.name.name)
        return entity is not None and entity.decl is d

    def variable(self, d, scales) -> Variable | None:
        var = self._variable(d, scales)
        if var is None:
            return None
        cumulative = self.modifier_ok(d, "cumulative", d.cumulative, ("metric", "control"),
                                      "a judgement or safeguard is true or false; only numbers accumulate")
        set_at = by = None
        if d.set_at is not None and self.modifier_ok(d, "set at", True, ("metric", "judgement"),
                                                     "responses are chosen at every step; only inputs are carried over"):
            set_at = d.set_at.name if self.act_ref(d.set_at) else None
        if d.by is not None and self.modifier_ok(d, "by", True, ("metric", "judgement"),
                                                 "responses are the developer's; `by` says who measures an input"):
            by = d.by.name if self.ref(d.by, ("authority",)) else None
        return dataclasses.replace(var, cumulative=cumulative, set_at=set_at, by=by)

    def modifier_ok(self, d, word: str, present: bool, kinds: tuple[str, ...], why: str) -> bool:
        if not present:
            return False
        if d.kind not in kinds:
            self.err("E0405", f"`{word}` does not apply to {d.kind} `{d.name.name}`", d.name.span, hint=why)
            return False
        return True

    def _variable(self, d, scales) -> Variable | None:
        if isinstance(d, ast.FlagDecl):
            if d.reassuring and d.kind == "safeguard":
                self.diagnostics.append(warning(
                    "W0302", f"`reassuring` has no effect on safeguard `{d.name.name}`", d.name.span,
                    hint="responses are held equal when monotonicity is checked"))
            return Variable(d.name.name, d.kind, "bool", reassuring=d.reassuring,
                            description=d.description, span=d.name.span)
        if d.reassuring and d.kind == "control":
            self.diagnostics.append(warning(
                "W0302", f"`reassuring` has no effect on control `{d.name.name}`", d.name.span,
                hint="responses are held equal when monotonicity is checked"))
        if d.scale is not None:
            entity = self.names.get(d.scale.name)
            if entity is None:
                self.unknown(d.scale.name, d.scale.span, wanted=("scale",))
                return None
            if entity.kind != "scale":
                self.err("E0104", f"`{d.scale.name}` is {KIND_WORDS[entity.kind]}, not a scale", d.scale.span)
                return None
            self.used.add(d.scale.name)
            scale = scales.get(d.scale.name)
            if scale is None or not scale.values:
                return None
            return Variable(d.name.name, d.kind, "int", 0, len(scale.values) - 1, None, d.scale.name,
                            d.reassuring, d.description, d.name.span)
        assert d.bounds is not None
        lo, hi = d.bounds
        if lo.value > hi.value:
            self.err("E0208", f"the bounds of `{d.name.name}` are reversed: {lo.text} > {hi.text}",
                     lo.span.join(hi.span), hint=f"write `in [{hi.text}, {lo.text}]`")
            return None
        return Variable(d.name.name, d.kind, "real", lo.value, hi.value,
                        d.unit.name if d.unit else None, None, d.reassuring, d.description, d.name.span)

    def ref(self, ident: ast.Ident, kinds: tuple[str, ...]) -> bool:
        """`ident` names a declaration of one of `kinds` (E0103 with did-you-mean, or E0104)."""
        entity = self.names.get(ident.name)
        if entity is None:
            self.unknown(ident.name, ident.span, wanted=kinds)
            return False
        if entity.kind not in kinds:
            wanted = " or ".join(KIND_WORDS[k] for k in kinds)
            self.err("E0104", f"`{ident.name}` is {KIND_WORDS[entity.kind]}, not {wanted}", ident.span)
            return False
        self.used.add(ident.name)
        return True

    def act_ref(self, ident: ast.Ident) -> bool:
        """An act: what a step of a run does (an action or an event)."""
        return self.ref(ident, ACT_KINDS)

    def duty(self, d: ast.DutyDecl, thresholds: dict[str, Threshold]) -> Duty | None:
        ok = self.act_ref(d.act)
        if d.kind == "within":
            assert d.trigger is not None
            trigger_ok = self.ref(d.trigger, ACT_KINDS + ("threshold",))
            if not (ok and trigger_ok):
                return None
            is_act = self.names[d.trigger.name].kind in ACT_KINDS
            if not is_act:
                self.history_free.append((ir.ThresholdRef(d.trigger.name), d.trigger.span, "a duty's trigger"))
            return Duty(d.name.name, "within", d.act.name, d.days.value, d.trigger.name, is_act,
                        None, d.description, d.name.span)
        assert d.condition is not None
        cond = self.condition(d.condition, Context("duty"), "duty condition")
        self.history_free.append((cond, d.condition.span, "a duty's `while`"))
        if not ok:
            return None
        return Duty(d.name.name, "every", d.act.name, d.days.value, None, False, cond,
                    d.description, d.name.span)

    def waiver(self, d: ast.WaiveDecl, index: int, requirements: list[Requirement],
               commitment_asts: list[ast.Expr]) -> Waiver | None:
        """Match each waived commitment by canonical text (E0406 when none matches, naming the
        nearest), check the actions (each must be bound by a matched requirement) and the `when`."""
        from ..syntax.format import format_expr

        canonical = [format_expr(e) for e in commitment_asts]
        texts, matched, ok = [], [], True
        for e in d.commitments:
            text = format_expr(e)
            found = [k for k, c in enumerate(canonical) if c == text]
            if not found:
                nearest = did_you_mean(text, sorted(set(canonical)))
                self.err("E0406", f"the waived commitment `{text}` matches no requirement", e.span,
                         hint=(nearest + " (waivers match a requirement's commitment by its text)") if nearest
                         else "a waiver names the commitment of a `require`, written as in the requirement")
                ok = False
                continue
            texts.append(text)
            matched.extend(found)
        bound = {a for k in matched for a in requirements[k].actions}
        if d.actions is None:
            targets = tuple(a for a in self.action_names() if a in bound)
        else:
            good = [self.action_ref(a) for a in d.actions]
            ok = ok and all(good)
            for a in (a for a, g in zip(d.actions, good) if g):
                if matched and a.name not in bound:
                    self.err("E0406", f"no waived commitment is required for `{a.name}`", a.span,
                             hint="a waiver lifts requirements of the actions they bind; drop the action")
                    ok = False
            targets = tuple(dict.fromkeys(a.name for a in d.actions))
        cond = self.condition(d.condition, Context("require"), "waiver condition")
        if not ok:
            return None
        return Waiver(index, tuple(texts), tuple(dict.fromkeys(matched)), targets, cond, d.description, d.span)

    def action_names(self) -> list[str]:
        return [n for n, e in self.names.items() if e.kind == "action"]

    def reading_history(self, thresholds: dict[str, Threshold]) -> set[str]:
        """The thresholds whose value reads history, directly or through another threshold."""
        out: set[str] = set()
        for name, th in thresholds.items():  # dependency order: each after those it uses
            if any(isinstance(n, ir.HISTORY_NODES) or (isinstance(n, ir.ThresholdRef) and n.name in out)
                   for n in ir.walk(th.condition)):
                out.add(name)
        return out

    def check_history_free(self, history_thresholds: set[str]) -> None:
        for node, span, where in self.history_free:
            used = sorted({n.name for n in ir.walk(node)
                           if isinstance(n, ir.ThresholdRef) and n.name in history_thresholds})
            if used:
                self.err("E0403", f"{where} reads history through threshold `{used[0]}`", span,
                         hint=f"`{used[0]}` uses done/days_since/at/overdue; {where} must depend on the "
                              "current state only (language-v2.md §2)")

    def action_ref(self, ident: ast.Ident) -> bool:
        entity = self.names.get(ident.name)
        if entity is None:
            self.unknown(ident.name, ident.span, wanted=("action",))
            return False
        if entity.kind != "action":
            self.err("E0104", f"`{ident.name}` is {KIND_WORDS[entity.kind]}, not an action", ident.span)
            return False
        self.used.add(ident.name)
        return True

    def requirement(self, r: ast.RequireDecl, tier: int | None, actions, start: int) -> list[Requirement]:
        if r.actions is None:
            targets = tuple(actions)
        else:
            ok = [self.action_ref(a) for a in r.actions]
            targets = tuple(dict.fromkeys(a.name for a, good in zip(r.actions, ok) if good))
        cond = self.condition(r.condition, Context("require"), "requirement condition") if r.condition else None
        out: list[Requirement] = []
        for e in r.commitments:
            commitment = self.condition(e, Context("require"), "commitment")
            text = " ".join(self.source.slice(e.span).split()) or _expr_text(e)
            out.append(Requirement(start + len(out), commitment, text, targets, tier, cond,
                                   r.description, e.span, r.span, r.force))
        return out

    def order_thresholds(self, raw: dict[str, Threshold]) -> dict[str, Threshold]:
        """Dependency order (each threshold after the ones it uses); a cycle is E0106."""
        order: list[str] = []
        state: dict[str, int] = {}   # 1 = visiting, 2 = done
        for root in raw:
            if state.get(root):
                continue
            stack = [(root, iter(sorted(self.threshold_deps.get(root, ()))))]
            state[root] = 1
            path = [root]
            while stack:
                node, deps = stack[-1]
                nxt = next(deps, None)
                if nxt is None:
                    stack.pop()
                    path.pop()
                    state[node] = 2
                    order.append(node)
                    continue
                if nxt not in raw:
                    continue
                if state.get(nxt) == 1:
                    cycle = path[path.index(nxt):] + [nxt]
                    self.err("E0106", f"thresholds depend on each other in a cycle: {' → '.join(cycle)}",
                             raw[nxt].span, related=[Location(raw[c].span, f"`{c}` is part of the cycle")
                                                     for c in cycle[1:-1]])
                    state[nxt] = 2
                    continue
                if not state.get(nxt):
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append((nxt, iter(sorted(self.threshold_deps.get(nxt, ())))))
        return {name: raw[name] for name in order}

    def warn_unused(self, variables, thresholds):
        for name, var in variables.items():
            if name not in self.used:
                self.diagnostics.append(warning(
                    "W0301", f"{var.kind} `{name}` is declared but never used", var.span,
                    hint="a rule, requirement, threshold or assertion should mention it, or remove it"))
        for name, th in thresholds.items():
            if name not in self.used:
                self.diagnostics.append(warning(
                    "W0301", f"threshold `{name}` is declared but never used", th.span,
                    hint="a tier's `when` or a rule should mention it, or remove it"))

    # ------------------------------------------------------------ expressions
    def condition(self, e: ast.Expr, ctx: Context, what: str) -> ir.IExpr:
        t, node = self.expr(e, ctx)
        if not isinstance(t, (BoolT, ErrorT)):
            self.err("E0202", f"a {what} must be true or false, but this is {t.describe()}", e.span,
                     hint=_comparison_hint(e))
        return node

    def expr(self, e: ast.Expr, ctx: Context) -> tuple[Type, ir.IExpr]:
        method = getattr(self, "x_" + type(e).__name__)
        return method(e, ctx)

    def bounded(self, value: Fraction, span: Span) -> bool:
        """False (after E0016) for a folded constant beyond what literals may spell (10**1000).

        Multiplying literals can build numbers no literal could, and the evaluator and solver
        would then handle thousand-digit integers (and Python refuses to print them)."""
        limit = LITERAL_MAX_BITS
        if value.numerator.bit_length() > limit or value.denominator.bit_length() > limit:
            self.err("E0016", "this arithmetic on constants gives a number beyond 10^1000 in size or precision",
                     span, hint="numbers must stay within 1e-1000 .. 1e1000; rescale the quantity (e.g. its unit)")
            return False
        return True

    def x_Num(self, e: ast.Num, ctx):
        return RealT(None, True, e.value), ir.Const(e.value)

    def x_BoolLit(self, e: ast.BoolLit, ctx):
        return BOOL, ir.BoolConst(e.value)

    def x_TierRef(self, e: ast.TierRef, ctx):
        if not ctx.tier_allowed:
            self.err("E0206", f"`tier` cannot be used in a {ctx.where} condition: the tier is defined by them",
                     e.span, hint="compare thresholds or inputs here instead")
            return ERROR, ir.BoolConst(False)
        return TIER, ir.TierValue()

    def x_Allowed(self, e: ast.Allowed, ctx):
        if ctx.in_at:
            self.err("E0402", "`allowed(...)` cannot appear inside `E at X`", e.span,
                     hint="whether an action was allowed depends on the rules, which may read history")
            return ERROR, ir.BoolConst(False)
        if not ctx.allowed_allowed:
            self.err("E0207", "`allowed(...)` may only appear in assertions", e.span,
                     hint="rules decide what is allowed; state properties of them with `assert`")
            return ERROR, ir.BoolConst(False)
        if not self.action_ref(e.action):
            return ERROR, ir.BoolConst(False)
        return BOOL, ir.AllowedRef(e.action.name)

    def x_Name(self, e: ast.Name, ctx):
        entity = self.names.get(e.name)
        if entity is None:
            self.unknown(e.name, e.span)
            return ERROR, ir.BoolConst(False)
        self.used.add(e.name)
        kind = entity.kind
        if kind in ("metric", "control"):
            d = entity.decl
            assert isinstance(d, ast.QuantityDecl)  # metrics and controls are declared by one
            if d.scale is not None:
                return ScaleT(d.scale.name), ir.Var(e.name, "int")
            return RealT(d.unit.name if d.unit else None), ir.Var(e.name, "real")
        if kind in ("judgement", "safeguard"):
            return BOOL, ir.Var(e.name, "bool")
        if kind == "threshold":
            if ctx.threshold is not None:
                self.threshold_deps.setdefault(ctx.threshold, set()).add(e.name)
            return BOOL, ir.ThresholdRef(e.name)
        if kind == "scale_value":
            assert entity.scale is not None  # a scale value's entity always names its scale
            return ScaleT(entity.scale), ir.IntConst(entity.index)
        if kind == "tier":
            return TIER, ir.IntConst(entity.index)
        hint = None
        if kind == "action":
            hint = f"write `allowed({e.name})` (in an assertion) to ask whether it is allowed"
        elif kind == "event":
            hint = f"write `done({e.name})` to ask whether it happened at an earlier step"
        elif kind == "duty":
            hint = f"write `overdue({e.name})` to ask whether the duty is overdue"
        self.err("E0104", f"`{e.name}` is {KIND_WORDS[kind]} and has no value here", e.span, hint=hint)
        return ERROR, ir.BoolConst(False)

    def x_History(self, e: ast.History, ctx):
        if not self.history_here(e, ctx):
            return ERROR, ir.BoolConst(False)
        if e.func == "overdue":
            if not self.ref(e.target, ("duty",)):
                return ERROR, ir.BoolConst(False)
            return BOOL, ir.Overdue(e.target.name)
        if not self.act_ref(e.target):
            return ERROR, ir.BoolConst(False)
        if e.func == "days_since":
            self.err("E0401", "`days_since(...)` must be compared with a constant", e.span,
                     hint=f"write e.g. `days_since({e.target.name}) <= 180`; it is +infinity before the first "
                          f"`{e.target.name}`, so it has no value of its own")
            return ERROR, ir.BoolConst(False)
        return BOOL, ir.Done(e.target.name)

    def history_here(self, e, ctx) -> bool:
        """History terms are refused in tier `when`s, duty `while`s and inside `E at X`."""
        if ctx.in_at:
            self.err("E0402", "`E at X` needs a history-free E, but this reads history", e.span,
                     hint="`at` looks at one earlier step; history terms inside it would look further back")
            return False
        if not ctx.history_allowed:
            where = "a tier's `when`" if ctx.where == "tier" else "a duty's `while`"
            self.err("E0403", f"a history term cannot appear in {where}", e.span,
                     hint=f"{where} must depend on the current state only (language-v2.md §2)")
            return False
        return True

    def x_At(self, e: ast.At, ctx):
        if not self.history_here(e, ctx):
            return ERROR, ir.BoolConst(False)
        inner = Context(ctx.where, ctx.threshold, in_at=True)
        t, node = self.expr(e.operand, inner)
        if not self.act_ref(e.act) or isinstance(t, ErrorT):
            return ERROR, ir.BoolConst(False)
        if isinstance(t, RealT) and t.value is not None:
            return t, node  # a constant is the same at every step
        self.history_free.append((node, e.operand.span, "the E of `E at X`"))
        kept = RealT(t.unit, t.literal) if isinstance(t, RealT) else t
        return kept, ir.At(node, e.act.name)

    def x_Unary(self, e: ast.Unary, ctx):
        t, node = self.expr(e.operand, ctx)
        if e.op == "not":
            if isinstance(t, ErrorT):
                return ERROR, node
            if not isinstance(t, BoolT):
                self.err("E0201", f"`not` needs a boolean, but its operand is {t.describe()}", e.operand.span)
                return ERROR, node
            return BOOL, ir.Not(node)
        if isinstance(t, ErrorT):
            return ERROR, node
        if not isinstance(t, RealT):
            self.err("E0201", f"`-` needs a number, but its operand is {t.describe()}", e.operand.span)
            return ERROR, node
        value = -t.value if t.value is not None else None
        return RealT(t.unit, t.literal, value), (ir.Const(value) if value is not None else ir.Neg(node))

    def x_Binary(self, e: ast.Binary, ctx):
        lt, left = self.expr(e.left, ctx)
        rt, right = self.expr(e.right, ctx)
        if isinstance(lt, ErrorT) or isinstance(rt, ErrorT):
            return ERROR, ir.BoolConst(False)
        if e.op in ast.BOOL_OPS:
            for t, side in ((lt, e.left), (rt, e.right)):
                if not isinstance(t, BoolT):
                    self.err("E0201", f"`{e.op}` needs booleans, but this operand is {t.describe()}", side.span)
                    return ERROR, ir.BoolConst(False)
            if e.op == "implies":
                return BOOL, ir.Implies(left, right)
            cls = ir.And if e.op == "and" else ir.Or
            args: list[ir.IExpr] = []
            for node in (left, right):  # flatten chains: a and b and c -> And(a, b, c)
                args.extend(node.args if isinstance(node, cls) else (node,))
            return BOOL, cls(tuple(args))
        return self.arith(e, lt, left, rt, right)

    def arith(self, e: ast.Binary, lt, left, rt, right):
        for t, side in ((lt, e.left), (rt, e.right)):
            if not isinstance(t, RealT):
                self.err("E0201", f"`{e.op}` needs numbers, but this operand is {t.describe()}", side.span)
                return ERROR, ir.BoolConst(False)
        if e.op in ("+", "-"):
            unit = self.unify_units(lt, rt, e, "add" if e.op == "+" else "subtract")
            if unit is False:
                return ERROR, ir.BoolConst(False)
            literal = lt.literal and rt.literal
            if lt.value is not None and rt.value is not None:
                value = lt.value + rt.value if e.op == "+" else lt.value - rt.value
                if not self.bounded(value, e.span):
                    return ERROR, ir.BoolConst(False)
                return RealT(unit, literal, value), ir.Const(value)
            right_node = right if e.op == "+" else ir.Neg(right)
            args: list[ir.IExpr] = []
            for node in (left, right_node):
                args.extend(node.args if isinstance(node, ir.Add) else (node,))
            return RealT(unit, literal), ir.Add(tuple(args))
        if e.op == "*":
            if lt.value is not None and rt.value is not None:
                if not self.bounded(lt.value * rt.value, e.span):
                    return ERROR, ir.BoolConst(False)
                return RealT(lt.unit or rt.unit, lt.literal and rt.literal, lt.value * rt.value), \
                    ir.Const(lt.value * rt.value)
            if lt.value is None and rt.value is None:
                self.err("E0204", "nonlinear arithmetic: one side of `*` must be a constant", e.span,
                         hint="rspdsl proves properties in linear arithmetic; multiply by a number")
                return ERROR, ir.BoolConst(False)
            k, t, node = (lt.value, rt, right) if lt.value is not None else (rt.value, lt, left)
            return self.scaled(k, t, node, e.span)
        # division
        if rt.value is None:
            self.err("E0204", "nonlinear arithmetic: the divisor of `/` must be a constant", e.right.span,
                     hint="rspdsl proves properties in linear arithmetic; divide by a number")
            return ERROR, ir.BoolConst(False)
        if rt.value == 0:
            self.err("E0210", "division by zero", e.right.span)
            return ERROR, ir.BoolConst(False)
        if lt.value is not None:
            if not self.bounded(lt.value / rt.value, e.span):
                return ERROR, ir.BoolConst(False)
            return RealT(lt.unit, lt.literal and rt.literal, lt.value / rt.value), ir.Const(lt.value / rt.value)
        return self.scaled(1 / rt.value, lt, left, e.span)

    def scaled(self, k: Fraction, t: RealT, node: ir.IExpr, span: Span):
        """k * node, merging nested scalings (`m * 2 * 3` is 6 * m) and bounding the coefficient."""
        if isinstance(node, ir.Mul):
            k, node = k * node.k, node.arg
        if not self.bounded(k, span):
            return ERROR, ir.BoolConst(False)
        return RealT(t.unit, t.literal), ir.Mul(k, node)

    def unify_units(self, lt: RealT, rt: RealT, e, verb: str):
        """The common unit of two numbers, or False after reporting E0205."""
        if lt.literal:
            return rt.unit
        if rt.literal:
            return lt.unit
        if lt.unit != rt.unit:
            self.err("E0205", f"cannot {verb} {lt.describe()} and {rt.describe()}", e.span,
                     hint="quantities of different units never compare or combine")
            return False
        return lt.unit

    def x_Call(self, e: ast.Call, ctx):
        typed = [self.expr(a, ctx) for a in e.args]
        if any(isinstance(t, ErrorT) for t, _ in typed):
            return ERROR, ir.BoolConst(False)
        if isinstance(typed[0][0], ScaleT):  # v2: the highest / lowest value of one scale
            scale = typed[0][0].scale
            for (t, _), arg in zip(typed, e.args):
                if not isinstance(t, ScaleT) or t.scale != scale:
                    self.err("E0203" if isinstance(t, ScaleT) else "E0201",
                             f"`{e.func}` of values of scale `{scale}` cannot take {t.describe()}", arg.span,
                             hint="max and min take numbers, or values of one scale")
                    return ERROR, ir.BoolConst(False)
            return ScaleT(scale), ir.MinMax(e.func, tuple(n for _, n in typed))
        acc: RealT | None = None
        for (t, _), arg in zip(typed, e.args):
            if not isinstance(t, RealT):
                self.err("E0201", f"`{e.func}` takes numbers, but this argument is {t.describe()}", arg.span)
                return ERROR, ir.BoolConst(False)
            if acc is None:
                acc = t
            else:
                unit = self.unify_units(acc, t, e, f"take the {e.func} of")
                if unit is False:
                    return ERROR, ir.BoolConst(False)
                acc = RealT(unit, acc.literal and t.literal)
        assert acc is not None
        values = [t.value for t, _ in typed if isinstance(t, RealT) and t.value is not None]
        if len(values) == len(typed):  # every argument a known constant: fold
            value = max(values) if e.func == "max" else min(values)
            return RealT(acc.unit, acc.literal, value), ir.Const(value)
        return RealT(acc.unit, acc.literal), ir.MinMax(e.func, tuple(n for _, n in typed))

    def x_Compare(self, e: ast.Compare, ctx):
        typed = [(None, None) if _is_days_since(o) else self.expr(o, ctx) for o in e.operands]
        parts: list[ir.IExpr] = []
        failed = False
        for i, op in enumerate(e.ops):
            (lt, left), (rt, right) = typed[i], typed[i + 1]
            if lt is None or rt is None:
                node = self.since_compare(op, e.operands[i], rt, e.operands[i + 1], lt, ctx)
            else:
                node = self.compare_pair(op, lt, left, rt, right, e.operands[i], e.operands[i + 1], e)
            if node is None:
                failed = True
            else:
                parts.append(node)
        if failed:
            return ERROR, ir.BoolConst(False)
        return BOOL, parts[0] if len(parts) == 1 else ir.And(tuple(parts))

    def since_compare(self, op, left, rt, right, lt, ctx) -> ir.IExpr | None:
        """`days_since(X) op k` (or `k op days_since(X)`, flipped) as one SinceCmp term."""
        since, other, other_t = (left, right, rt) if lt is None and _is_days_since(left) else (right, left, lt)
        if other_t is None:
            self.err("E0401", "`days_since(...)` must be compared with a constant", since.span,
                     hint="compare each `days_since` with a number of days")
            return None
        if not self.history_here(since, ctx) or not self.act_ref(since.target) or isinstance(other_t, ErrorT):
            return None
        if not isinstance(other_t, RealT) or other_t.value is None or other_t.unit not in (None, "days", "day"):
            self.err("E0401", "`days_since(...)` must be compared with a constant", other.span,
                     hint=f"write e.g. `days_since({since.target.name}) <= 180` (days)")
            return None
        if since is right:
            op = _FLIPPED[op]
        return ir.SinceCmp(since.target.name, op, other_t.value)

    def compare_pair(self, op, lt, left, rt, right, le, re_, whole) -> ir.IExpr | None:
        if isinstance(lt, ErrorT) or isinstance(rt, ErrorT):
            return None
        span = le.span.join(re_.span)
        if isinstance(lt, RealT) and isinstance(rt, RealT):
            if self.unify_units(lt, rt, whole, "compare") is False:
                return None
            return ir.Cmp(op, left, right)
        if isinstance(lt, ScaleT) and isinstance(rt, ScaleT):
            if lt.scale != rt.scale:
                self.err("E0203", f"cannot compare {lt.describe()} with {rt.describe()}", span,
                         hint="scale values compare only within their own scale")
                return None
            return ir.Cmp(op, left, right)
        if isinstance(lt, TierT) and isinstance(rt, TierT):
            return ir.Cmp(op, left, right)
        if isinstance(lt, BoolT) and isinstance(rt, BoolT):
            if op not in ("==", "!="):
                self.err("E0211", f"`{op}` does not order booleans", span,
                         hint="use `==`, `!=`, `implies` or `and`/`or`")
                return None
            return ir.Cmp(op, left, right)
        for t, other in ((lt, rt), (rt, lt)):
            if isinstance(t, RealT) and t.literal and isinstance(other, (ScaleT, TierT)):
                wanted = "a tier name" if isinstance(other, TierT) else f"a value of scale `{other.scale}`"
                self.err("E0212", f"a number cannot be compared with {other.describe()}", span,
                         hint=f"write {wanted} instead of a number")
                return None
        self.err("E0201", f"cannot compare {lt.describe()} with {rt.describe()}", span,
                 hint=self._boolean_compared_hint(op, lt, le, rt, re_))
        return None

    def _boolean_compared_hint(self, op, lt, le, rt, re_) -> str | None:
        """`j >= 1` on a judgement: say what `j` is and what to drop."""
        for t, side, other_t in ((lt, le, rt), (rt, re_, lt)):
            if isinstance(t, BoolT) and isinstance(side, ast.Name) and isinstance(other_t, RealT):
                entity = self.names.get(side.name)
                kind = entity.kind if entity is not None else "flag"
                if other_t.value is not None and side is le:
                    return f"`{side.name}` is a {kind} (true/false): drop `{op} {_number(other_t.value)}`"
                return f"`{side.name}` is a {kind} (true/false): write `{side.name}` or `not {side.name}`"
        return None


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _is_days_since(e: ast.Expr) -> bool:
    return isinstance(e, ast.History) and e.func == "days_since"


def _expr_text(e: ast.Expr) -> str:
    from ..syntax.format import format_expr  # the formatter prints canonical text

    return format_expr(e)


def resolve(source: SourceFile, module: ast.Module) -> tuple[Policy | None, list[Diagnostic]]:
    resolver = Resolver(source, module)
    policy = resolver.run()
    diags = sorted(resolver.diagnostics, key=lambda d: (d.span.line, d.span.column, d.code))
    return policy, diags


def _number(value) -> str:
    from ..numbers import decimal_text

    return decimal_text(value) or str(value)


def _comparison_hint(e: ast.Expr) -> str:
    """E0202's hint: a comparison, with the expression's own name when it is one."""
    name = e.name if isinstance(e, ast.Name) else "m"
    return f"write a comparison, e.g. `{name} >= 0.5`"
