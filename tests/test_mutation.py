"""Mutation testing (tools/mutate.py): the operators, the kill/equivalence classification, and a
pinned kill-rate floor on a seeded sample of the shipped policies' mutants."""
from __future__ import annotations

import functools
import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest
from budget import size

from rspdsl.frontend import load_text, parse_text

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "policies").glob("*.rsp"))


@functools.lru_cache(maxsize=1)
def mutate():
    spec = importlib.util.spec_from_file_location("rspdsl_tools_mutate", ROOT / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


# A small policy whose assertions pin what it promises. Its `forbid deploy` is redundant (deploy is
# permitted only when secured; `rspdsl check` warns that it never changes a decision), so dropping
# that rule is an equivalent mutant.
CRAFTED = """\
policy "Mutation fixture"
scale level { low, mid, high }
metric compute in [0, 100] unit flop
judgement dangerous
safeguard secured
control security : level
action train default permit
action deploy default deny
threshold big when compute >= 10
tier Low { }
tier High when big or dangerous {
  require secured, security >= mid for train, deploy
}
permit deploy when secured and security >= mid
forbid train when tier >= High and not (secured and security >= mid)
forbid deploy when big and not secured
assert train-secured: allowed(train) and (compute >= 10 or dangerous) implies secured and security >= mid
assert deploy-secured: allowed(deploy) implies secured
"""


# Language v2's forms: how binding (require / recommend, waive), by when (duty), who decides
# (authority). `deploy` waits on the notice: a late notice closes it.
CRAFTED_V2 = """\
policy "Mutation fixture, v2"
authority regulator external
event incident
metric compute in [0, 100] unit flop
judgement designated by regulator
judgement peer_unsafe
safeguard secured
safeguard reported
action notify default permit
action deploy
threshold big when compute >= 10 or designated
tier Low { }
tier High when big {
  require secured for deploy
  require reported for deploy
}
duty tell "notify within 14 days of reaching High": notify within 14 days after big
waive secured for deploy when peer_unsafe
permit deploy when not overdue(tell)
assert secured-deploy: allowed(deploy) and tier >= High and not peer_unsafe implies secured
"""


def crafted():
    loaded = load_text(CRAFTED, "crafted.rsp")
    assert loaded.ok, loaded.diagnostics
    return loaded


@functools.lru_cache(maxsize=1)
def crafted_v2():
    loaded = load_text(CRAFTED_V2, "crafted-v2.rsp")
    assert loaded.ok, [(d.code, d.message) for d in loaded.diagnostics]
    return loaded, mutate().enumerate_mutants(loaded.module), \
        mutate().verdicts_of(loaded.policy, timeout_ms=10_000, seed=0)


def classify_v2(operator: str, fragment: str):
    loaded, mutants, verdicts = crafted_v2()
    return mutate().classify(find(mutants, operator, fragment), loaded.policy, verdicts)


@functools.lru_cache(maxsize=1)
def crafted_mutants():
    return mutate().enumerate_mutants(crafted().module)


def find(mutants, operator: str, fragment: str):
    hits = [m for m in mutants if m.operator == operator and fragment in m.description]
    assert len(hits) == 1, [(m.operator, m.description) for m in mutants if m.operator == operator]
    return hits[0]


# ------------------------------------------------------------------------ operators

def test_every_operator_applies_to_the_crafted_policies():
    v2 = {m.operator for m in crafted_v2()[1]}
    assert {m.operator for m in crafted_mutants()} | v2 == set(mutate().OPERATORS)
    assert {"soften-require", "drop-gate", "relax-duty", "drop-duty", "widen-waive", "authority-internal"} <= v2


def test_the_v2_operators_edit_what_they_say_and_check_notices_what_it_can():
    loaded, mutants, _ = crafted_v2()
    for m in mutants:   # every v2 mutant round-trips (some the front end refuses: see below)
        assert parse_text(m.text)[1] == m.module, m.description
    assert "notify within 28 days after big" in find(mutants, "relax-duty", "duty tell").text
    assert "recommend reported for deploy" in find(mutants, "soften-require", "`require reported`").text
    assert "authority regulator internal" in find(mutants, "authority-internal", "regulator").text
    assert "waive secured for deploy when true" in find(mutants, "widen-waive", "`when true`").text
    # the gate dropped: deploy no longer waits on the notice, and nothing but the gate said so
    gate = classify_v2("drop-gate", "overdue(tell)")
    assert gate.direction == "weaker"
    # the waiver widened to always: `secured` is never demanded of deploy, so its unenforced
    # obligation turns "proved" (and a requirement becomes unreachable): check's verdicts move
    widened = classify_v2("widen-waive", "`when true`")
    assert widened.verdict == "killed" and any(r.startswith("mitigations deploy") for r in widened.reasons)
    # an unenforced commitment turned advisory is reported anew, as advice
    softened = classify_v2("soften-require", "`require reported`")
    assert softened.verdict == "killed" and any(r.startswith("advice") for r in softened.reasons), softened
    # a longer deadline or a judge moved in-house: weaker, and only `rspdsl diff` can say so here
    assert classify_v2("relax-duty", "duty tell").direction == "weaker"
    assert classify_v2("authority-internal", "regulator").direction == "weaker"
    # the duty read by a rule cannot be dropped: the front end refuses the mutant
    assert classify_v2("drop-duty", "duty tell").verdict == "invalid"


def test_mutants_are_valid_distinct_and_round_trip():
    original = crafted().module
    texts = set()
    for m in crafted_mutants():
        assert m.module != original, m.description
        source, parsed, diags = parse_text(m.text, "mutant.rsp")
        assert parsed == m.module, m.description  # the formatter wrote exactly the mutated AST
        assert load_text(m.text).ok, (m.description, m.text)
        texts.add(m.text)
    assert len(texts) == len(crafted_mutants())


def test_enumeration_is_deterministic():
    again = mutate().enumerate_mutants(crafted().module)
    assert [(m.operator, m.location, m.description) for m in again] == \
           [(m.operator, m.location, m.description) for m in crafted_mutants()]


def test_specific_edits():
    ms = crafted_mutants()
    flip = find(ms, "flip-compare", "threshold big")
    assert "threshold big when compute < 10" in flip.text
    # a threshold flags risk: the weaker direction raises its bar
    relax = find(ms, "relax-constant", "threshold big")
    assert "compute >= 20" in relax.text and "towards weaker" in relax.description
    # a commitment: the weaker direction lowers the demanded level
    level = find(ms, "relax-constant", "commitment: `security >= mid` -> `security >= low`")
    assert level.line == 12
    # under `not` in a forbid condition the polarity flips: lowering the level also weakens
    find(ms, "relax-constant", "forbid train: `security >= mid` -> `security >= low`")
    dead = find(ms, "weaken-forbid", "forbid deploy: conjoin")
    assert "forbid deploy when big and not secured and false" in dead.text
    assert find(ms, "default-permit", "action deploy").text.count("action deploy default permit") == 1
    dropped = find(ms, "drop-action", "drop `train`")
    assert "for deploy\n" in dropped.text


def test_scale_and_tier_levels_stop_at_the_ends():
    ms = crafted_mutants()
    # `tier >= High` in a forbid condition: weaker means later, and there is no tier above High
    assert not [m for m in ms if m.operator == "relax-constant" and "tier >=" in m.description]


# ------------------------------------------------------------------------ classification

@functools.lru_cache(maxsize=1)
def crafted_baseline():
    loaded = crafted()
    return loaded.policy, mutate().verdicts_of(loaded.policy, timeout_ms=10_000, seed=0)


def classify(m):
    policy, verdicts = crafted_baseline()
    return mutate().classify(m, policy, verdicts)


def test_the_original_passes_its_assertions():
    _, verdicts = crafted_baseline()
    for (prop, _), statuses in verdicts.items():
        if prop.startswith("assert:"):
            assert statuses == Counter(proved=1)


def test_flipped_threshold_is_killed_by_an_assertion():
    out = classify(find(crafted_mutants(), "flip-compare", "threshold big"))
    assert out.verdict == "killed"
    assert any(r.startswith("assert:train-secured") for r in out.reasons), out.reasons
    assert out.direction in ("weaker", "incomparable")


def test_default_permit_is_killed():
    out = classify(find(crafted_mutants(), "default-permit", "action deploy"))
    assert out.verdict == "killed" and out.direction == "weaker"


def test_redundant_forbid_dropped_is_equivalent():
    out = classify(find(crafted_mutants(), "weaken-forbid", "forbid deploy: drop the rule"))
    assert out.verdict == "equivalent", out


def test_killing_a_redundant_forbid_is_equivalent():
    # the original's `forbid deploy` already has a reachability warning ("never changes a
    # decision"); made dead with `and false` it has one too ("never holds"): no verdict changes
    out = classify(find(crafted_mutants(), "weaken-forbid", "forbid deploy: conjoin"))
    assert out.verdict == "equivalent" and out.direction == "equivalent", out


def test_dropped_requirement_survives_with_its_obligation_vanished():
    # nothing observes requirements but their own `mitigations` obligations, which go with them
    out = classify(find(crafted_mutants(), "drop-action", "drop `train`"))
    assert out.verdict == "survived" and out.direction == "weaker"
    assert any(v.startswith("mitigations train") for v in out.vanished)


def test_invalid_mutant_is_not_a_kill():
    # a mutant whose text the front end rejects: an unknown name in a rule
    from dataclasses import replace

    from rspdsl.syntax import ast
    policy, verdicts = crafted_baseline()
    module = crafted().module
    decls = tuple(replace(d, condition=ast.Name("no_such_name")) if isinstance(d, ast.RuleDecl) else d
                  for d in module.declarations)
    bad = mutate().Mutant("flip-compare", 1, 1, "unknown name", replace(module, declarations=decls))
    out = mutate().classify(bad, policy, verdicts)
    assert out.verdict == "invalid" and out.reasons


def test_differences_ignore_renumbered_duplicates_and_vanished_results():
    mut = mutate()
    before = {("mitigations", "deploy"): Counter(violated=2, proved=1),
              ("reachability", "forbid deploy"): Counter(proved=1),
              ("assert:a", "a"): Counter(proved=1)}
    assert mut.group_of("reachability", "forbid deploy #2") == "forbid deploy"
    assert mut.group_of("reachability", "require c (tier High)") == "require"
    assert mut.group_of("mitigations", "deploy: x <= 12 (top level)") == "deploy"
    # only losing results is no difference
    assert mut.differences(before, {("mitigations", "deploy"): Counter(violated=1)}) == ([], [])
    # one more violation, a violation turned proof, a changed assertion verdict: each is a kill
    for after in ({("mitigations", "deploy"): Counter(violated=3)},
                  {("mitigations", "deploy"): Counter(violated=1, proved=2)},
                  {("assert:a", "a"): Counter(violated=1)}):
        decided, unknown = mut.differences(before, after)
        assert decided and not unknown, after
    decided, unknown = mut.differences(before, {("reachability", "forbid deploy"): Counter(unknown=1)})
    assert unknown and not decided


# ------------------------------------------------------------------------ shipped policies

def test_shipped_mutants_all_round_trip():
    for path in SHIPPED:
        loaded = load_text((ROOT / path).read_text(encoding="utf-8"), path)
        for m in mutate().enumerate_mutants(loaded.module):
            assert parse_text(m.text)[1] == m.module, (path, m.description)


# Measured with seed 0 (docs/mutation.md has the full run): 12 mutants per policy, overall 29/70;
# on the operators that change rules and expressions (not the ones that drop requirements, which
# nothing but their own obligations can observe, nor the v2 ones that mostly only diff sees),
# 21/39; 25 per policy (RSPDSL_FULL=1), 55/133 and 39/68. A checker that stops noticing anything
# falls far below these floors.
SAMPLE, FLOOR, FLOOR_EDITS = size(25, 12), 0.25, 0.45
# the operators that edit rules and expressions (the rest drop or soften requirements, or edit
# duties, waivers and authorities, which mostly only `rspdsl diff` can see)
EDITS = ("flip-compare", "relax-constant", "weaken-forbid", "drop-not", "swap-and-or", "default-permit")


@pytest.mark.slow
def test_kill_rate_floor_on_a_seeded_sample():
    mut = mutate()
    runs = [mut.run_policy(str(ROOT / p), limit=SAMPLE, seed=0) for p in SHIPPED]
    total: Counter = Counter()
    edits: Counter = Counter()
    for run in runs:
        assert not [o for o in run.outcomes if o.verdict == "error"], run.path
        # the one mutant the front end may refuse: a requirement a `waive` names, dropped (E0406)
        assert all(o.reasons and all(r.startswith("E0406") for r in o.reasons)
                   for o in run.outcomes if o.verdict == "invalid"), run.path
        total.update(run.counts())
        for op in EDITS:
            edits.update(run.counts(op))
    assert mut.kill_rate(total) >= FLOOR, total
    assert mut.kill_rate(edits) >= FLOOR_EDITS, edits
