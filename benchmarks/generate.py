"""The synthetic ladder: an N-tier policy of realistic shape, and random states for it.

    python benchmarks/generate.py 40 > ladder-40.rsp
    python benchmarks/generate.py 40 --states 1000 --seed 1 > states.jsonl

The shape follows published scaling policies. A few capability metrics (one on a scale) and,
per tier above the base, an expert-panel judgement and two safeguards. Per tier k >= 1:

    threshold CBRN-k  when cbrn_uplift >= a_k
    threshold CYBER-k when cyber_ctf + 0.5 * autonomy_score >= b_k        (linear arithmetic)
    threshold CAP-k   when CBRN-k or CYBER-k or panel_k [or bio_post >= high, k = 1]
    tier L-k when CAP-k { require security_k for train, deploy
                          require deployment_k for deploy
                          require reassessment_interval <= c_k for train, deploy }
    forbid train / deploy when tier >= L-k and not (...what that tier requires...)
    assert deploy-secure-k: allowed(deploy) and tier >= L-k implies security_k

plus a base tier, a default-deny `deploy` with one permit, a compute-growth requirement with
its own `when`, and a `release_weights` action forbidden from the middle of the ladder up.
Every generated policy is meant to check clean (exit 0): the forbids cover every requirement,
the thresholds rise with k, so the ladder is monotonic and every tier is reachable.

`LadderSpec` holds the numbers, so the hand-written baseline (baseline.py) decides from the
same spec without reading rspdsl at all.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from fractions import Fraction

SCALE = ("low", "medium", "high", "critical")
ACTIONS = ("train", "deploy", "release_weights")
GRID = 10_000  # state values are multiples of 1/GRID: exact in every engine's number format


def _dec(q: Fraction) -> str:
    """A finite-decimal Fraction as policy / JSON text (`0.5`, `3`)."""
    if q.denominator == 1:
        return str(q.numerator)
    text = f"{float(q):.6f}".rstrip("0")
    assert Fraction(text) == q, (q, text)
    return text


def _on_grid(q: Fraction) -> Fraction:
    return Fraction(round(q * GRID), GRID)


@dataclass(frozen=True)
class LadderSpec:
    tiers: int                      # N >= 2: the base tier L-0 and N - 1 tiers above it
    cbrn: tuple[Fraction, ...]      # a_k for k = 1..N-1 (index k-1)
    cyber: tuple[Fraction, ...]     # b_k
    interval: tuple[Fraction, ...]  # c_k: the longest reassessment interval allowed at tier k
    weights_tier: int               # release_weights is forbidden from tier L-h up
    bio_tier: int                   # CAP-bio_tier also fires on bio_post >= high (0: none)
    growth_limit: Fraction = Fraction(4)

    @property
    def levels(self) -> range:
        return range(1, self.tiers)


def ladder_spec(tiers: int) -> LadderSpec:
    if tiers < 2:
        raise ValueError("a ladder needs at least two tiers")
    n = tiers
    cbrn = tuple(_on_grid(Fraction(k, n)) for k in range(1, n))
    cyber = tuple(_on_grid(Fraction(3 * k, 2 * n)) for k in range(1, n))
    interval = tuple(Fraction(round((Fraction(12 * (n - k), n) + 1) * 100), 100) for k in range(1, n))
    return LadderSpec(tiers=n, cbrn=cbrn, cyber=cyber, interval=interval, weights_tier=max(1, n // 2), bio_tier=1)


@dataclass(frozen=True)
class Layout:
    """Where the generator put each rule and requirement (1-based lines and columns), so the
    hand-written baseline can name them in its output exactly as `rspdsl eval` does."""
    rules: dict        # key -> line: "permit_deploy", "forbid_train_basic", "forbid_train_growth",
                       # ("forbid_train", k), ("forbid_deploy", k), "forbid_release"
    requirements: dict  # key -> (line, column, text): "basic", "review", "assessment",
                        # ("security", k), ("deployment", k), ("interval", k)


def generate(tiers: int) -> str:
    """The policy text of an N-tier ladder."""
    return ladder(tiers)[0]


def ladder(tiers: int) -> tuple[str, Layout]:
    """The policy text of an N-tier ladder, and where its rules and requirements are."""
    spec = ladder_spec(tiers)
    out: list[str] = []
    rules: dict = {}
    reqs: dict = {}

    def emit(*lines: str) -> None:
        out.extend(lines)

    def rule(key, line: str) -> None:
        out.append(line)
        rules[key] = len(out)

    def require(key, indent: str, commitment: str, rest: str) -> None:
        out.append(f"{indent}require {commitment} {rest}")
        reqs[key] = (len(out), len(indent) + len("require ") + 1, commitment)

    emit(f'policy "Synthetic ladder, {tiers} tiers" version "1"',
         "",
         'scale level { low, medium, high, critical }',
         "",
         'metric cbrn_uplift in [0, 1] "Share of uplift-trial tasks the model completes"',
         'metric cyber_ctf in [0, 1] "Share of capture-the-flag challenges solved"',
         'metric autonomy_score in [0, 1] "Share of autonomous R&D tasks completed"',
         'metric bio_post : level "Post-mitigation biology risk"',
         'metric effective_compute_growth in [0, 1000] unit x "Growth in effective compute since the last assessment"',
         'safeguard basic_security "Baseline security controls"',
         'safeguard deploy_review "Pre-deployment review signed off"',
         'safeguard comprehensive_assessment "Full capability assessment done"',
         'control reassessment_interval in [0, 24] unit months "Months between capability assessments"')
    for k in spec.levels:
        emit(f'judgement panel_{k} "Expert panel finds level-{k} capabilities"',
             f"safeguard security_{k}", f"safeguard deployment_{k}")
    emit("",
         "action train default permit",
         'action deploy "External deployment"',
         "action release_weights default permit",
         "")
    for k in spec.levels:
        a, b = spec.cbrn[k - 1], spec.cyber[k - 1]
        cap = f"CBRN-{k} or CYBER-{k} or panel_{k}"
        if k == spec.bio_tier:
            cap += " or bio_post >= high"
        emit(f"threshold CBRN-{k} when cbrn_uplift >= {_dec(a)}",
             f"threshold CYBER-{k} when cyber_ctf + 0.5 * autonomy_score >= {_dec(b)}",
             f'threshold CAP-{k} "Level-{k} capabilities" when {cap}')
    emit("", 'tier L-0 "Baseline" {')
    require("basic", "  ", "basic_security", "for train, deploy")
    require("review", "  ", "deploy_review", "for deploy")
    emit("}")
    for k in spec.levels:
        c = _dec(spec.interval[k - 1])
        emit(f'tier L-{k} "Level {k}" when CAP-{k} {{')
        require(("security", k), "  ", f"security_{k}", "for train, deploy")
        require(("deployment", k), "  ", f"deployment_{k}", "for deploy")
        require(("interval", k), "  ", f"reassessment_interval <= {c}", "for train, deploy")
        emit("}")
    emit("")
    growth = _dec(spec.growth_limit)
    rule("permit_deploy", "permit deploy when basic_security and deploy_review")
    rule("forbid_train_basic", 'forbid train when not basic_security "No training without baseline security"')
    require("assessment", "", "comprehensive_assessment", f"for train when effective_compute_growth >= {growth}")
    rule("forbid_train_growth", f"forbid train when effective_compute_growth >= {growth} and not comprehensive_assessment")
    for k in spec.levels:
        c = _dec(spec.interval[k - 1])
        rule(("forbid_train", k), f'forbid train when tier >= L-{k} and not (security_{k} and '
             f'reassessment_interval <= {c}) "Pause scaling at level {k}"')
        rule(("forbid_deploy", k), f"forbid deploy when tier >= L-{k} and not (security_{k} and deployment_{k} "
             f"and reassessment_interval <= {c})")
    rule("forbid_release", f"forbid release_weights when tier >= L-{spec.weights_tier}")
    emit("",
         f'assert weights-stay-home "Weights never leave from L-{spec.weights_tier} up": '
         f"not (allowed(release_weights) and tier >= L-{spec.weights_tier})",
         "assert deploy-reviewed: allowed(deploy) implies deploy_review")
    for k in spec.levels:
        emit(f"assert deploy-secure-{k}: allowed(deploy) and tier >= L-{k} implies security_{k}")
    return "\n".join(out) + "\n", Layout(rules, reqs)


# ---------------------------------------------------------------- states

def variables(spec: LadderSpec) -> list[tuple[str, str]]:
    """(name, kind) for every input and response, in declaration order."""
    names = [("cbrn_uplift", "unit"), ("cyber_ctf", "unit"), ("autonomy_score", "unit"),
             ("bio_post", "scale"), ("effective_compute_growth", "growth"), ("basic_security", "bool"),
             ("deploy_review", "bool"), ("comprehensive_assessment", "bool"),
             ("reassessment_interval", "interval")]
    for k in spec.levels:
        names += [(f"panel_{k}", "judgement"), (f"security_{k}", "bool"), (f"deployment_{k}", "bool")]
    return names


def random_state(spec: LadderSpec, rng: random.Random) -> dict:
    """A state on the 1/GRID grid; boundary values (exactly a threshold) turn up on purpose."""
    s: dict = {}
    for name, kind in variables(spec):
        if kind == "unit":
            pool = spec.cbrn if name == "cbrn_uplift" else spec.cyber
            if pool and rng.random() < 0.1 and name != "autonomy_score":
                q = min(rng.choice(pool), Fraction(1))
            else:
                q = Fraction(rng.randrange(GRID + 1), GRID)
            s[name] = q
        elif kind == "scale":
            s[name] = rng.choice(SCALE)
        elif kind == "growth":
            s[name] = spec.growth_limit if rng.random() < 0.1 else Fraction(rng.randrange(8 * GRID), GRID)
        elif kind == "interval":
            s[name] = rng.choice(spec.interval) if spec.interval and rng.random() < 0.2 \
                else Fraction(rng.randrange(24 * 100 + 1), 100)
        elif kind == "judgement":
            s[name] = rng.random() < 0.02
        else:  # safeguards are mostly in place, so that deploy is sometimes allowed high up
            s[name] = rng.random() < 0.985
    return s


def state_json(state: dict) -> str:
    """One STATE.json line: exact decimals as JSON numbers."""
    parts = []
    for name, value in state.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, Fraction):
            text = _dec(value)
        else:
            text = json.dumps(value)
        parts.append(f'"{name}":{text}')
    return "{" + ",".join(parts) + "}"


def generate_states(tiers: int, count: int, seed: int = 0) -> list[str]:
    spec = ladder_spec(tiers)
    rng = random.Random(seed)
    return [state_json(random_state(spec, rng)) for _ in range(count)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("tiers", type=int, help="number of tiers (>= 2)")
    p.add_argument("--states", type=int, metavar="COUNT", help="print COUNT random states (JSONL) instead")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.tiers < 2:
        p.error("a ladder needs at least two tiers")
    if args.states is not None:
        sys.stdout.write("\n".join(generate_states(args.tiers, args.states, args.seed)) + "\n")
    else:
        sys.stdout.write(generate(args.tiers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
