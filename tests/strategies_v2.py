"""Hypothesis strategies for language v2 (runs, duties, history terms): random policies over a
fixed small vocabulary, and random runs of them that respect §1 (days do not go back, cumulative
values do not fall, `set at` inputs change only at their act). Runs need not be compliant: the
differential tests compare what each step *means*, whatever was done."""
from __future__ import annotations

from hypothesis import strategies as st

ACTS = ("assess", "deploy", "notify", "incident")  # the last is an event
ACTIONS = ACTS[:3]

_ATOMS = ["big", "risky", "m >= 3", "c <= 5", "safe", "asl3", "tier >= T2"]
_HISTORY = ["done({a})", "days_since({a}) <= {k}", "days_since({a}) > {k}", "days_since({a}) != {k}",
            "days_since({a}) >= {k}", "(m at {a}) < m", "m <= 2 * (m at {a})", "(safe at {a})", "overdue(d1)", "overdue(d2)", "overdue(d3)"]


_INPUT_ATOMS = ["risky", "m >= 3", "c <= 5", "safe", "asl3"]  # what a threshold may read


@st.composite
def conditions(draw, history: bool = True, depth: int = 2, atoms: list[str] | None = None) -> str:
    pool = (atoms or _ATOMS) + (_HISTORY if history else [])
    if depth == 0 or draw(st.booleans()):
        text = draw(st.sampled_from(pool))
        text = text.format(a=draw(st.sampled_from(ACTS)), k=draw(st.integers(0, 20)))
        return f"not {text}" if text[0] != "(" and draw(st.booleans()) and " " not in text else text
    op = draw(st.sampled_from(["and", "or", "implies"]))
    return f"({draw(conditions(history, depth - 1, atoms))}) {op} ({draw(conditions(history, depth - 1, atoms))})"


@st.composite
def v2_policies(draw, waivers: bool = True) -> str:
    """A random v2 policy; without `waivers`, no recommendation or waiver."""
    lines = ['policy "random v2" version "1"',
             "event incident",
             f"metric m in [0, 10] unit x{' cumulative' if draw(st.booleans()) else ''}",
             "metric c in [0, 10] unit y",
             f"judgement safe{' set at assess' if draw(st.booleans()) else ''}",
             "judgement risky",
             "safeguard asl3",
             "action assess default permit",
             f"action deploy{' default permit' if draw(st.booleans()) else ''}",
             "action notify default permit",
             f"threshold big when {draw(conditions(history=False, depth=1, atoms=_INPUT_ATOMS))}",
             f"duty d1: notify within {draw(st.integers(0, 9))} days after "
             f"{draw(st.sampled_from(['incident', 'deploy', 'big']))}",
             f"duty d2: assess every {draw(st.integers(1, 30))} days while {draw(conditions(history=False, depth=1))}",
             f"duty d3: {draw(st.sampled_from(['deploy', 'notify']))} within {draw(st.integers(0, 5))} days after assess",
             "tier T1 { }",
             "tier T2 when big {",
             f"  require asl3 for deploy when {draw(conditions())}",
             *([f"  recommend safe for {draw(st.sampled_from(ACTIONS))} when {draw(conditions())}"] if waivers else []),
             "}",
             *([f"waive asl3 for deploy when {draw(conditions())}"] if waivers else [])]
    for _ in range(draw(st.integers(1, 3))):
        effect = draw(st.sampled_from(["permit", "forbid"]))
        lines.append(f"{effect} {draw(st.sampled_from(ACTIONS))} when {draw(conditions())}")
    lines.append(f"require {draw(conditions())} for {draw(st.sampled_from(ACTIONS))}")
    lines.append(f"assert a1: {draw(conditions())}")
    lines.append("assert a2: allowed(deploy) implies not overdue(d1)")
    return "\n".join(lines) + "\n"


@st.composite
def v2_runs(draw, policy) -> list[dict]:
    """JSON steps for `policy` (one of v2_policies)."""
    n = draw(st.integers(1, 5))
    day = 0
    steps = []
    state = None
    for _ in range(n):
        day += draw(st.sampled_from([0, 1, 2, 5, 15, 40]))
        acts = draw(st.lists(st.sampled_from(ACTS), unique=True, max_size=3))
        new = {"m": draw(st.integers(0, 10)), "c": draw(st.integers(0, 10)), "safe": draw(st.booleans()),
               "risky": draw(st.booleans()), "asl3": draw(st.booleans())}
        if state is not None:
            var = policy.variables
            if var["m"].cumulative:
                new["m"] = max(new["m"], state["m"])
            if var["safe"].set_at is not None and "assess" not in acts:
                new["safe"] = state["safe"]
        state = new
        steps.append({"day": day, "state": dict(state), "acts": acts})
    return steps


@st.composite
def force_policies(draw) -> str:
    """A random policy about one moment (no history) with recommendations and several waivers,
    each lifting one or two commitments for one or two actions: what the batch path compiles."""
    def cond() -> str:
        return draw(conditions(history=False, depth=2))

    def some(pool: tuple[str, ...]) -> list[str]:
        return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))

    required: list[tuple[list[str], list[str]]] = []  # each requirement's commitments and actions

    def require(indent: str = "", when: str = "") -> str:
        what, acts = some(commitments), some(ACTIONS)
        required.append((what, acts))
        return f"{indent}require {', '.join(what)} for {', '.join(acts)}{when}"

    def recommend(indent: str = "", when: str = "") -> str:
        return f"{indent}recommend {', '.join(some(commitments))} for {', '.join(some(ACTIONS))}{when}"

    commitments = ("asl3", "safe", "m >= 3", "c <= 5")
    lines = ['policy "random force" version "1"',
             "metric m in [0, 10] unit x", "metric c in [0, 10] unit y",
             "judgement safe", "judgement risky", "safeguard asl3",
             "action assess default permit",
             f"action deploy{' default permit' if draw(st.booleans()) else ''}",
             "action notify default permit",
             f"threshold big when {draw(conditions(history=False, depth=1, atoms=_INPUT_ATOMS))}",
             "tier T1 {", require("  "), "}",
             "tier T2 when big {", require("  ", f" when {cond()}"),
             *([recommend("  ")] if draw(st.booleans()) else []),
             "}"]
    for _ in range(draw(st.integers(0, 2))):
        lines.append(require(when=f" when {cond()}" if draw(st.booleans()) else ""))
    for _ in range(draw(st.integers(0, 2))):
        lines.append(recommend(when=f" when {cond()}"))
    for _ in range(draw(st.integers(0, 3))):  # each lifts commitments of one requirement, for some of its actions
        what, acts = draw(st.sampled_from(required))
        lifted = draw(st.lists(st.sampled_from(what), min_size=1, unique=True))
        for_ = draw(st.lists(st.sampled_from(acts), min_size=1, unique=True))
        lines.append(f"waive {', '.join(lifted)} for {', '.join(for_)} when {cond()}")
    for _ in range(draw(st.integers(1, 3))):
        lines.append(f"{draw(st.sampled_from(['permit', 'forbid']))} {draw(st.sampled_from(ACTIONS))} when {cond()}")
    lines.append(f"assert a1: {cond()}")
    lines.append("assert a2: allowed(deploy) implies asl3")
    return "\n".join(lines) + "\n"


@st.composite
def force_states(draw) -> dict:
    return {"m": draw(st.integers(0, 10)), "c": draw(st.integers(0, 10)), "safe": draw(st.booleans()),
            "risky": draw(st.booleans()), "asl3": draw(st.booleans())}
