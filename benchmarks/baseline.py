"""The hand-written baseline: the ladder's decisions coded directly in Python, no rspdsl.

    python benchmarks/baseline.py TIERS STATES.jsonl > decisions.jsonl

What a careful programmer would write for the generated ladder (generate.py) without a policy
language: read each JSON line with exact numbers (Decimal, as rspdsl does, so boundaries agree),
compute the tier and what each action may do, write one JSON line per state:

    {"tier":"L-3","allowed":{"train":true,"deploy":false,"release_weights":true}}

It validates nothing (no bounds, no missing or unknown names) and writes less than
`rspdsl eval --states` (no thresholds, reasons, unmet requirements or assertions), so it is
the practical lower bound on the work: the same reading, the same decisions.
"""
from __future__ import annotations

import json
import sys
from decimal import Decimal
from fractions import Fraction

if __package__ in (None, ""):
    sys.path.insert(0, __import__("os").path.dirname(__file__))
from generate import SCALE, LadderSpec, ladder_spec  # noqa: E402


def _d(q: Fraction) -> Decimal:
    return Decimal(q.numerator) / Decimal(q.denominator)  # exact: the spec's numbers are short decimals


def decider(spec: LadderSpec):
    """decide(state dict) -> (tier, train, deploy, release_weights), with the spec's numbers bound."""
    levels = list(spec.levels)
    cbrn = [_d(q) for q in spec.cbrn]
    cyber = [_d(q) for q in spec.cyber]
    interval = [_d(q) for q in spec.interval]
    half = Decimal("0.5")
    high = SCALE.index("high")
    growth = _d(spec.growth_limit)
    bio_tier, weights_tier = spec.bio_tier, spec.weights_tier

    def decide(s: dict) -> tuple[int, bool, bool, bool]:
        c, combined = s["cbrn_uplift"], s["cyber_ctf"] + half * s["autonomy_score"]
        tier = 0
        for k in reversed(levels):
            if (c >= cbrn[k - 1] or combined >= cyber[k - 1] or s[f"panel_{k}"]
                    or (k == bio_tier and SCALE.index(s["bio_post"]) >= high)):
                tier = k
                break
        basic, months = s["basic_security"], s["reassessment_interval"]
        train = basic and not (s["effective_compute_growth"] >= growth and not s["comprehensive_assessment"])
        deploy = basic and s["deploy_review"]
        for k in range(1, tier + 1):
            secure = s[f"security_{k}"] and months <= interval[k - 1]
            train = train and secure
            deploy = deploy and secure and s[f"deployment_{k}"]
        release = tier < weights_tier
        return tier, bool(train), bool(deploy), release

    return decide


def run(spec: LadderSpec, lines, write) -> None:
    decide = decider(spec)
    loads = json.JSONDecoder(parse_float=Decimal).decode
    tier_text = [f'{{"tier":"L-{k}","allowed":{{"train":' for k in range(spec.tiers)]
    flag = ("false", "true")
    out = []
    for line in lines:
        if not line.strip():
            continue
        tier, train, deploy, release = decide(loads(line))
        out.append(f'{tier_text[tier]}{flag[train]},"deploy":{flag[deploy]},"release_weights":{flag[release]}}}}}\n')
        if len(out) >= 256:
            write("".join(out))
            out.clear()
    write("".join(out))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: baseline.py TIERS STATES.jsonl", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        run(ladder_spec(int(argv[0])), handle, sys.stdout.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
