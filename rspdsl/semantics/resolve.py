"""Name resolution: the AST's declarations become a checked Policy, or diagnostics.

This module binds names (one namespace, duplicates, unknown names with did-you-mean) and
builds the model; rspdsl/semantics/typecheck.py types each expression. Every error in the file
is reported.
"""
from __future__ import annotations

import dataclasses
import re

from ..diagnostics import Diagnostic, did_you_mean, error, warning
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
from .scope import ACT_KINDS, KIND_WORDS, Context, Entity
from .typecheck import ExpressionChecker

# the property ids an `accept` may name besides assert:NAME (logic.results' PROPERTIES and
# RUN_PROPERTIES, restated so that the front end does not import the prover; a test pins them)
ACCEPTABLE_PROPERTIES = ("mitigations", "consistency", "monotonic", "reachability", "deadlines", "duties")




class Resolver:
    def __init__(self, source: SourceFile, module: ast.Module):
        self.types = ExpressionChecker(self)
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
                cond = self.types.condition(d.condition, ctx, "threshold condition")
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
            when = self.types.condition(t.condition, Context("tier"), "tier condition") if t.condition is not None else None
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
                cond = (self.types.condition(d.condition, Context("rule"), "rule condition")
                        if d.condition is not None else ir.BoolConst(True))
                rules.append(Rule(len(rules), d.effect, d.action.name, cond, d.description, d.span))
            elif isinstance(d, ast.AssertDecl) and self.owns(d):
                body = self.types.condition(d.body, Context("assert"), "assertion")
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
        cond = self.types.condition(d.condition, Context("duty"), "duty condition")
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
        cond = self.types.condition(d.condition, Context("require"), "waiver condition")
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
        cond = self.types.condition(r.condition, Context("require"), "requirement condition") if r.condition else None
        out: list[Requirement] = []
        for e in r.commitments:
            commitment = self.types.condition(e, Context("require"), "commitment")
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


def _expr_text(e: ast.Expr) -> str:
    from ..syntax.format import format_expr  # the formatter prints canonical text

    return format_expr(e)


def resolve(source: SourceFile, module: ast.Module) -> tuple[Policy | None, list[Diagnostic]]:
    resolver = Resolver(source, module)
    policy = resolver.run()
    diags = sorted(resolver.diagnostics, key=lambda d: (d.span.line, d.span.column, d.code))
    return policy, diags
