"""The hand-written baseline: the ladder's decisions coded directly in Python, no rspdsl.

    python benchmarks/baseline.py TIERS STATES.jsonl [--action NAME]... > results.jsonl

What a careful programmer would write for the generated ladder (generate.py) without a policy
language, doing the same I/O and the same decisions as `rspdsl eval --states`: read each JSON
line with exact numbers (Decimal, as rspdsl does, so boundaries agree), compute every threshold,
the tier, each action's verdict with the rule that decided it and the unmet requirements, and
every assertion, and write the same result line, byte for byte (the benchmark compares them).
With `--action NAME` (repeatable) it writes what `rspdsl eval --states --action NAME` writes:
only those actions, in that order, and it works out the unmet requirements only for them.

It validates nothing (no bounds, types, missing or unknown names): that and the generality are
what rspdsl adds. It is written plainly (JSONDecoder.decode, f-strings), not tuned the way
rspdsl's generated batch path is (C-built dicts, one pass per tier block, precomputed
fragments), so rspdsl can be faster than it: it is the yardstick of straightforward code, not
a lower bound on the work.
"""
from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from fractions import Fraction

if __package__ in (None, ""):
    sys.path.insert(0, __import__("os").path.dirname(__file__))
from generate import SCALE, LadderSpec, Layout, ladder, ladder_spec  # noqa: E402


def _d(q: Fraction) -> Decimal:
    return Decimal(q.numerator) / Decimal(q.denominator)  # exact: the spec's numbers are short decimals


ACTIONS = ("train", "deploy", "release_weights")


def writer(spec: LadderSpec, layout: Layout, actions: tuple[str, ...] = ACTIONS):
    """decide(state dict) -> the result line (no newline) listing `actions` in that order, with
    the spec's numbers bound. deploy's and release_weights' verdicts are always decided (the
    assertions ask for them); train only when listed."""
    levels = list(spec.levels)
    cbrn = [_d(q) for q in spec.cbrn]
    cyber = [_d(q) for q in spec.cyber]
    interval = [_d(q) for q in spec.interval]
    half = Decimal("0.5")
    high = SCALE.index("high")
    growth = _d(spec.growth_limit)
    weights = spec.weights_tier
    flag = ("false", "true")

    def rule(key, effect: str) -> str:
        return json.dumps({"line": layout.rules[key], "column": 1, "effect": effect}, separators=(",", ":"))

    def req(key) -> str:
        line, column, text = layout.requirements[key]
        return json.dumps({"line": line, "column": column, "text": text}, separators=(",", ":"))

    tier_head = [f'{{"tier":"L-{k}","thresholds":{{' for k in range(spec.tiers)]
    thr_names = [(f'"CBRN-{k}":', f',"CYBER-{k}":', f',"CAP-{k}":') for k in levels]
    forbid_train = {k: rule(("forbid_train", k), "forbid") for k in levels}
    forbid_deploy = {k: rule(("forbid_deploy", k), "forbid") for k in levels}
    forbid_basic, forbid_growth = rule("forbid_train_basic", "forbid"), rule("forbid_train_growth", "forbid")
    permit_deploy, forbid_release = rule("permit_deploy", "permit"), rule("forbid_release", "forbid")
    req_basic, req_review, req_assessment = req("basic"), req("review"), req("assessment")
    req_security = {k: req(("security", k)) for k in levels}
    req_deployment = {k: req(("deployment", k)) for k in levels}
    req_interval = {k: req(("interval", k)) for k in levels}

    unknown = [a for a in actions if a not in ACTIONS]
    if unknown:
        raise ValueError(f"the ladder has no action {unknown[0]!r}")
    want_train, want_deploy = "train" in actions, "deploy" in actions

    def decide(s: dict) -> str:
        c, combined, panel = s["cbrn_uplift"], s["cyber_ctf"] + half * s["autonomy_score"], s
        caps = [False]
        parts = []
        for k in levels:
            h_cbrn, h_cyber = c >= cbrn[k - 1], combined >= cyber[k - 1]
            cap = h_cbrn or h_cyber or panel[f"panel_{k}"] or (k == spec.bio_tier and
                                                                SCALE.index(s["bio_post"]) >= high)
            caps.append(cap)
            names = thr_names[k - 1]
            parts.append(f"{',' if k > 1 else ''}{names[0]}{flag[h_cbrn]}{names[1]}{flag[h_cyber]}"
                         f"{names[2]}{flag[bool(cap)]}")
        tier = next((k for k in reversed(levels) if caps[k]), 0)
        basic, review, months = s["basic_security"], s["deploy_review"], s["reassessment_interval"]
        assessed, growing = s["comprehensive_assessment"], s["effective_compute_growth"] >= growth

        # train: default permit; the first forbid that holds decides
        train_by = None
        if want_train:
            if not basic:
                train_by = forbid_basic
            elif growing and not assessed:
                train_by = forbid_growth
            else:
                for k in range(1, tier + 1):
                    if not (s[f"security_{k}"] and months <= interval[k - 1]):
                        train_by = forbid_train[k]
                        break
        # deploy: default deny; forbids first, then the permit
        deploy_by = None
        for k in range(1, tier + 1):
            if not (s[f"security_{k}"] and s[f"deployment_{k}"] and months <= interval[k - 1]):
                deploy_by = forbid_deploy[k]
                break
        deploy = deploy_by is None and basic and review
        if deploy_by is None and deploy:
            deploy_by = permit_deploy
        release_by = forbid_release if tier >= weights else None

        # unmet requirements, in one pass over the tiers for the actions listed
        unmet_train = [] if basic else [req_basic]
        unmet_deploy = [] if basic else [req_basic]
        if not review:
            unmet_deploy.append(req_review)
        if want_train and want_deploy:
            for k in range(1, tier + 1):
                secure, fits = s[f"security_{k}"], months <= interval[k - 1]
                if not secure:
                    unmet_train.append(req_security[k])
                    unmet_deploy.append(req_security[k])
                if not s[f"deployment_{k}"]:
                    unmet_deploy.append(req_deployment[k])
                if not fits:
                    unmet_train.append(req_interval[k])
                    unmet_deploy.append(req_interval[k])
        elif want_deploy:
            for k in range(1, tier + 1):
                if not s[f"security_{k}"]:
                    unmet_deploy.append(req_security[k])
                if not s[f"deployment_{k}"]:
                    unmet_deploy.append(req_deployment[k])
                if not months <= interval[k - 1]:
                    unmet_deploy.append(req_interval[k])
        elif want_train:
            for k in range(1, tier + 1):
                if not s[f"security_{k}"]:
                    unmet_train.append(req_security[k])
                if not months <= interval[k - 1]:
                    unmet_train.append(req_interval[k])
        if growing and not assessed:
            unmet_train.append(req_assessment)
        parts_by = {
            "train": f'"train":{{"allowed":{flag[train_by is None]},"decided_by":{train_by or "null"},'
                     f'"unmet":[{",".join(unmet_train)}]}}' if want_train else "",
            "deploy": f'"deploy":{{"allowed":{flag[bool(deploy)]},"decided_by":{deploy_by or "null"},'
                      f'"unmet":[{",".join(unmet_deploy)}]}}' if want_deploy else "",
            "release_weights": f'"release_weights":{{"allowed":{flag[release_by is None]},'
                               f'"decided_by":{release_by or "null"},"unmet":[]}}',
        }

        asserts = [f'"weights-stay-home":{flag[not (release_by is None and tier >= weights)]}',
                   f'"deploy-reviewed":{flag[bool(not deploy or review)]}']
        asserts += [f'"deploy-secure-{k}":{flag[bool(not (deploy and tier >= k) or s[f"security_{k}"])]}'
                    for k in levels]
        return (tier_head[tier] + "".join(parts) + '},"actions":{'
                + ",".join(parts_by[a] for a in actions) + '},"assertions":{' + ",".join(asserts) + "}}")

    return decide


def run(tiers: int, lines, write, actions: tuple[str, ...] = ACTIONS) -> None:
    decide = writer(ladder_spec(tiers), ladder(tiers)[1], tuple(dict.fromkeys(actions)))
    loads = json.JSONDecoder(parse_float=Decimal).decode
    out = []
    for line in lines:
        if not line.strip():
            continue
        out.append(decide(loads(line)))
        if len(out) >= 256:
            out.append("")
            write("\n".join(out))
            out.clear()
    if out:
        out.append("")
        write("\n".join(out))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="the hand-written baseline (see the module docstring)")
    p.add_argument("tiers", type=int)
    p.add_argument("states", metavar="STATES.jsonl")
    p.add_argument("--action", dest="actions", action="append", choices=ACTIONS,
                   help="list only this action (repeatable), as rspdsl eval --action does")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    with open(args.states, encoding="utf-8") as handle:
        run(args.tiers, handle, sys.stdout.write, tuple(args.actions or ACTIONS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
