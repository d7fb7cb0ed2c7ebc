"""Hypothesis strategies for rspdsl: random ASTs and random *checked* policies.

Two families, both public and meant for reuse by other test modules:

Syntax (well-formed, not necessarily meaningful):
    exprs()               any expression form: numbers, booleans, names, `tier`, `allowed(A)`,
                          max/min, `not`, unary minus, and/or/implies, + - * /, chains `a < b <= c`
    declarations()        any declaration form, including tiers with requirements
    modules(comments=False)
                          an ast.Module; with comments=True every item also carries comments,
                          blank lines (also between consecutive comments) and (for tiers)
                          closing comments and a comment after the `}`, positioned where the
                          parser can attach them back

Semantics (policies that pass the checker: names declared, types and units consistent,
arithmetic linear, thresholds acyclic, a proper tier ladder):
    well_typed_modules(max_vars=4)
                          an ast.Module that `rspdsl.frontend.load_text(format_module(m))` accepts
                          without an error (warnings such as W0301 may remain)
    well_typed_policy_text(max_vars=4)
                          the same, as policy text in the canonical layout: what the evaluator's
                          differential test and the differ's tests feed to `load_text`

Numbers are exact finite decimals (a Num must be writable as one literal). Names come from a
small pool that avoids the keywords and includes hyphenated names (`ASL-3`, `cbrn-4`).
"""
from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from rspdsl.syntax import ast
from rspdsl.syntax.format import canonical_number, format_module

# ---------------------------------------------------------------- atoms

NAME_POOL = ("a", "b", "x1", "_p", "risk", "deploy_now", "ASL-3", "CBRN-4", "asl3-security",
             "t-2-b", "Tier_X", "notable", "orbit", "tiers", "maximum", "in_scope")
"""Plain and hyphenated names; some start with a keyword (`notable`, `orbit`) to test lexing."""

names = st.sampled_from(NAME_POOL)
idents = names.map(ast.Ident)

_DESC_ALPHABET = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r")
descriptions = st.one_of(
    st.sampled_from(["", "Share of tasks", 'say "hi"', "back\\slash", 'both \\" and \\\\', "# not a comment",
                     "ünïcödé — ✓"]),
    st.text(_DESC_ALPHABET, max_size=20),
)
optional_descriptions = st.none() | descriptions


@st.composite
def decimals(draw, min_value: Fraction = Fraction(0), max_value: Fraction = Fraction(10**6)) -> Fraction:
    """An exact finite decimal (at most 3 places) in [min_value, max_value]."""
    places = draw(st.integers(0, 3))
    scale = 10 ** places
    lo = -((-min_value * scale) // 1)  # ceil
    hi = (max_value * scale) // 1
    if lo > hi:
        return min_value
    return Fraction(draw(st.integers(int(lo), int(hi))), scale)


@st.composite
def spelled(draw, value: Fraction) -> str:
    """A spelling of a non-negative finite decimal: canonical, with an exponent, or with `_`."""
    canonical = canonical_number(value)
    choices = [canonical]
    if value.denominator == 1 and value >= 1000:
        digits = str(value.numerator)
        groups = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        choices.append("_".join(groups))
    if value.denominator == 1 and value % 10 == 0 and value > 0:
        n, k = value.numerator, 0
        while n % 10 == 0:
            n, k = n // 10, k + 1
        choices.append(f"{n}e{k}")
    if value.denominator != 1:
        num, k = value, 0
        while num.denominator != 1:
            num, k = num * 10, k + 1
        choices.append(f"{num.numerator}e-{k}")
    choices.append("")  # no text: the formatter derives one
    return draw(st.sampled_from(choices))


@st.composite
def nums(draw, max_value: Fraction = Fraction(10**6)) -> ast.Num:
    value = draw(decimals(Fraction(0), max_value))
    return ast.Num(value, draw(spelled(value)))


# ---------------------------------------------------------------- syntax: expressions

_leaves = st.one_of(
    nums(),
    st.booleans().map(ast.BoolLit),
    names.map(ast.Name),
    st.just(ast.TierRef()),
    idents.map(ast.Allowed),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(["not", "-"]), children).map(lambda t: ast.Unary(*t)),
        st.tuples(st.sampled_from(ast.BOOL_OPS + ast.ARITH_OPS), children, children).map(
            lambda t: ast.Binary(*t)),
        st.integers(1, 3).flatmap(lambda n: st.tuples(
            st.lists(children, min_size=n + 1, max_size=n + 1),
            st.lists(st.sampled_from(ast.COMPARE_OPS), min_size=n, max_size=n))).map(
            lambda t: ast.Compare(tuple(t[0]), tuple(t[1]))),
        st.tuples(st.sampled_from(["max", "min"]), st.lists(children, min_size=1, max_size=3)).map(
            lambda t: ast.Call(t[0], tuple(t[1]))),
    )


def exprs(max_leaves: int = 12):
    """Any expression form, nested a few levels (the formatter must parenthesise them right)."""
    return st.recursive(_leaves, _extend, max_leaves=max_leaves)


# ---------------------------------------------------------------- syntax: declarations

@st.composite
def _bounds(draw) -> tuple[ast.Num, ast.Num]:
    out = []
    for _ in range(2):
        value = draw(decimals(Fraction(0), Fraction(10**4)))
        text = draw(spelled(value))
        if draw(st.booleans()) and value != 0:
            out.append(ast.Num(-value, f"-{text}" if text else ""))
        else:
            out.append(ast.Num(value, text))
    return out[0], out[1]


@st.composite
def _quantity(draw) -> ast.QuantityDecl:
    kind = draw(st.sampled_from(["metric", "control"]))
    on_scale = draw(st.booleans())
    return ast.QuantityDecl(
        kind, draw(idents),
        bounds=None if on_scale else draw(_bounds()),
        unit=None if on_scale else draw(st.none() | idents),
        scale=draw(idents) if on_scale else None,
        reassuring=draw(st.booleans()),
        description=draw(optional_descriptions))


def _requires(expressions):
    return st.builds(
        ast.RequireDecl,
        st.lists(expressions, min_size=1, max_size=3).map(tuple),
        st.none() | st.lists(idents, min_size=1, max_size=3).map(tuple),
        st.none() | expressions,
        optional_descriptions)


def declarations(expressions=None):
    """Any declaration form except `policy` (modules() puts the header first)."""
    e = expressions if expressions is not None else exprs(max_leaves=6)
    return st.one_of(
        st.builds(ast.ScaleDecl, idents, st.lists(idents, min_size=1, max_size=4).map(tuple),
                  optional_descriptions),
        _quantity(),
        st.builds(ast.FlagDecl, st.sampled_from(["judgement", "safeguard"]), idents, st.booleans(),
                  optional_descriptions),
        st.builds(ast.ActionDecl, idents, st.sampled_from([None, "permit", "deny"]), optional_descriptions),
        st.builds(ast.ThresholdDecl, idents, e, optional_descriptions),
        st.builds(ast.TierDecl, idents, st.none() | e, st.lists(_requires(e), max_size=3).map(tuple),
                  optional_descriptions),
        st.builds(ast.RuleDecl, st.sampled_from(["permit", "forbid"]), idents, st.none() | e,
                  optional_descriptions),
        _requires(e),
        st.builds(ast.AssertDecl, idents, e, optional_descriptions),
    )


policy_headers = st.builds(ast.PolicyDecl, descriptions, st.none() | descriptions)

_COMMENT_ALPHABET = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r")
comment_texts = st.one_of(
    st.sampled_from(["# scale", "# policy", "# require", "# see tier {", '# "quoted" # twice']),
    st.text(_COMMENT_ALPHABET, max_size=15).map(lambda s: ("# " + s).rstrip()))


def _gaps(lines: range):
    """Which lines of a run of comments (indices in `lines`) have a blank line above them."""
    return st.frozensets(st.sampled_from(lines)) if len(lines) else st.just(frozenset())


@st.composite
def _commented(draw, item, first: bool):
    """`item` with random comments and blank lines, shaped as the parser attaches them: no blank
    line above a first item, nor at the top of a tier body."""
    import dataclasses

    leading = tuple(draw(st.lists(comment_texts, max_size=2)))
    comments = ast.Comments(
        leading=leading,
        trailing=draw(st.none() | comment_texts),
        blank_before=(not first) and draw(st.booleans()),
        gaps=draw(_gaps(range(1, len(leading) + 1))))  # line len(leading) is the code
    if isinstance(item, ast.TierDecl):
        reqs = tuple(draw(_commented(r, k == 0)) for k, r in enumerate(item.requirements))
        closing = tuple(draw(st.lists(comment_texts, max_size=2)))
        return dataclasses.replace(item, comments=comments, requirements=reqs, closing_comments=closing,
                                   closing_gaps=draw(_gaps(range(0 if reqs else 1, len(closing)))),
                                   closing_trailing=draw(st.none() | comment_texts))
    return dataclasses.replace(item, comments=comments)


@st.composite
def modules(draw, comments: bool = False, max_decls: int = 8) -> ast.Module:
    decls = []
    if draw(st.booleans()) or comments:
        decls.append(draw(policy_headers))
    decls.extend(draw(st.lists(declarations(), max_size=max_decls)))
    if not comments:
        return ast.Module(tuple(decls))
    decls = [draw(_commented(d, n == 0)) for n, d in enumerate(decls)]
    trailing = tuple(draw(st.lists(comment_texts, max_size=2)))
    return ast.Module(tuple(decls), trailing,
                      trailing_gaps=draw(_gaps(range(0 if decls else 1, len(trailing)))))


# ---------------------------------------------------------------- semantics: checked policies

UNITS = (None, "FLOP", "months")


class _Scope:
    """What a well-typed expression may mention at the point where it is drawn."""

    def __init__(self):
        self.reals: dict[str, str | None] = {}     # metric/control name -> unit
        self.bounds: dict[str, tuple[Fraction, Fraction]] = {}
        self.scaled: dict[str, str] = {}           # metric/control name -> scale name
        self.scales: dict[str, tuple[str, ...]] = {}
        self.flags: list[str] = []                 # judgements and safeguards
        self.thresholds: list[str] = []
        self.tiers: list[str] = []
        self.actions: list[str] = []


def _fresh(pool: list[str]) -> str:
    """The next unused name (v0, v1, ...): unique, so no declaration is a duplicate."""
    return pool.pop(0)


@st.composite
def _real_expr(draw, scope: _Scope, unit: str | None, depth: int) -> ast.Expr:
    """A linear number expression in `unit` (None: dimensionless or a bare literal)."""
    candidates = [n for n, u in scope.reals.items() if u == unit]
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        if candidates and draw(st.integers(0, 3)):
            return ast.Name(draw(st.sampled_from(candidates)))
        return draw(nums(Fraction(100)))
    kind = draw(st.sampled_from(["add", "sub", "scale", "div", "neg", "minmax"]))
    sub = _real_expr(scope, unit, depth - 1)
    if kind in ("add", "sub"):
        return ast.Binary("+" if kind == "add" else "-", draw(sub), draw(sub))
    if kind == "scale":
        k = draw(nums(Fraction(10)))
        e = draw(sub)
        return ast.Binary("*", k, e) if draw(st.booleans()) else ast.Binary("*", e, k)
    if kind == "div":
        divisor = draw(nums(Fraction(10)).filter(lambda n: n.value != 0))
        return ast.Binary("/", draw(sub), divisor)
    if kind == "neg":
        return ast.Unary("-", draw(sub))
    return ast.Call(draw(st.sampled_from(["max", "min"])), tuple(draw(st.lists(sub, min_size=1, max_size=3))))


@st.composite
def _bool_atom(draw, scope: _Scope, where: str) -> ast.Expr:
    options = ["lit", "cmp"]
    if scope.flags:
        options += ["flag", "flag"]
    if scope.thresholds:
        options.append("threshold")
    if scope.scaled:
        options.append("scale")
    if where in ("rule", "require", "assert") and scope.tiers:
        options.append("tier")
    if where == "assert" and scope.actions:
        options.append("allowed")
    choice = draw(st.sampled_from(options))
    if choice == "lit":
        return ast.BoolLit(draw(st.booleans()))
    if choice == "flag":
        return ast.Name(draw(st.sampled_from(scope.flags)))
    if choice == "threshold":
        return ast.Name(draw(st.sampled_from(scope.thresholds)))
    if choice == "allowed":
        return ast.Allowed(ast.Ident(draw(st.sampled_from(scope.actions))))
    if choice == "tier":
        op = draw(st.sampled_from(ast.COMPARE_OPS))
        other = ast.Name(draw(st.sampled_from(scope.tiers)))
        shape = draw(st.integers(0, 2))
        if shape == 2:  # a band of the ladder: `ASL-1 <= tier < ASL-3`
            upper = ast.Name(draw(st.sampled_from(scope.tiers)))
            return ast.Compare((other, ast.TierRef(), upper), (op, draw(st.sampled_from(ast.COMPARE_OPS))))
        return ast.Compare((ast.TierRef(), other), (op,)) if shape else ast.Compare((other, ast.TierRef()), (op,))
    if choice == "scale":
        var = draw(st.sampled_from(sorted(scope.scaled)))
        scale = scope.scaled[var]
        peers = [n for n, s in scope.scaled.items() if s == scale]
        same_scale = st.sampled_from([ast.Name(v) for v in scope.scales[scale]] + [ast.Name(p) for p in peers])
        n = draw(st.integers(1, 2))
        operands = [ast.Name(var)] + [draw(same_scale) for _ in range(n)]
        draw(st.randoms()).shuffle(operands)
        return ast.Compare(tuple(operands), tuple(draw(st.sampled_from(ast.COMPARE_OPS)) for _ in range(n)))
    unit = draw(st.sampled_from(sorted({u for u in scope.reals.values()}, key=str) or [None]))
    n = draw(st.integers(1, 2))
    operands = tuple(draw(_real_expr(scope, unit, 2)) for _ in range(n + 1))
    ops = tuple(draw(st.sampled_from(ast.COMPARE_OPS)) for _ in range(n))
    return ast.Compare(operands, ops)


@st.composite
def _bool_expr(draw, scope: _Scope, where: str, depth: int = 3) -> ast.Expr:
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(_bool_atom(scope, where))
    sub = _bool_expr(scope, where, depth - 1)
    kind = draw(st.sampled_from(["and", "or", "implies", "not", "eq"]))
    if kind == "not":
        return ast.Unary("not", draw(sub))
    if kind == "eq":
        return ast.Compare((draw(sub), draw(sub)), (draw(st.sampled_from(["==", "!="])),))
    return ast.Binary(kind, draw(sub), draw(sub))


@st.composite
def well_typed_modules(draw, max_vars: int = 4) -> ast.Module:
    """A policy module that passes the checker (no error diagnostics).

    It declares 1-3 actions, up to `max_vars` inputs and responses each (bounded reals with
    units, scale metrics, judgements, safeguards), thresholds that use only earlier ones, a
    tier ladder of 1-3 tiers with requirements, permit/forbid rules, top-level requirements
    and assertions (the only place `allowed(A)` appears).
    """
    pool = [f"v{i}" for i in range(40)]
    scope = _Scope()
    decls: list[ast.Decl] = [ast.PolicyDecl(draw(descriptions), draw(st.none() | descriptions))]

    if draw(st.booleans()):
        scale = f"level{draw(st.integers(0, 9))}"
        values = tuple(f"{scale}-{v}" for v in ("low", "mid", "high")[:draw(st.integers(1, 3))])
        scope.scales[scale] = values
        decls.append(ast.ScaleDecl(ast.Ident(scale), tuple(map(ast.Ident, values)), draw(optional_descriptions)))

    for kind in ("metric", "control"):
        for _ in range(draw(st.integers(0 if kind == "control" else 1, max_vars))):
            name = _fresh(pool)
            if scope.scales and draw(st.integers(0, 3)) == 0:
                scale = next(iter(scope.scales))
                scope.scaled[name] = scale
                decls.append(ast.QuantityDecl(kind, ast.Ident(name), scale=ast.Ident(scale),
                                              reassuring=draw(st.booleans()) and kind == "metric",
                                              description=draw(optional_descriptions)))
                continue
            lo = draw(decimals(Fraction(0), Fraction(50)))
            hi = draw(decimals(lo, Fraction(100)))
            negative = draw(st.booleans()) and lo > 0
            lo_num = ast.Num(-lo, "") if negative else ast.Num(lo, draw(spelled(lo)))
            unit = draw(st.sampled_from(UNITS))
            scope.reals[name] = unit
            scope.bounds[name] = (lo_num.value, hi)
            decls.append(ast.QuantityDecl(kind, ast.Ident(name), (lo_num, ast.Num(hi, draw(spelled(hi)))),
                                          ast.Ident(unit) if unit else None, None,
                                          draw(st.booleans()) and kind == "metric",
                                          draw(optional_descriptions)))
    for kind in ("judgement", "safeguard"):
        for _ in range(draw(st.integers(0, max_vars))):
            name = _fresh(pool)
            scope.flags.append(name)
            decls.append(ast.FlagDecl(kind, ast.Ident(name), draw(st.booleans()) and kind == "judgement",
                                      draw(optional_descriptions)))
    for i in range(draw(st.integers(1, 3))):
        name = f"act-{i}"
        scope.actions.append(name)
        decls.append(ast.ActionDecl(ast.Ident(name), draw(st.sampled_from([None, "permit", "deny"])),
                                    draw(optional_descriptions)))
    for i in range(draw(st.integers(0, 3))):
        name = f"TH-{i}"
        decls.append(ast.ThresholdDecl(ast.Ident(name), draw(_bool_expr(scope, "threshold")),
                                       draw(optional_descriptions)))
        scope.thresholds.append(name)  # after drawing: no self-reference, so never a cycle

    action_lists = st.none() | st.lists(st.sampled_from(scope.actions), min_size=1, max_size=2,
                                        unique=True).map(lambda xs: tuple(map(ast.Ident, xs)))

    def requirement():
        return st.builds(ast.RequireDecl,
                         st.lists(_bool_expr(scope, "require", 2), min_size=1, max_size=2).map(tuple),
                         action_lists,
                         st.none() | _bool_expr(scope, "require", 2),
                         optional_descriptions)

    tier_count = draw(st.integers(1, 3))
    tier_decls = []
    for i in range(tier_count):
        condition = None if i == 0 else draw(_bool_expr(scope, "tier", 2))
        reqs = tuple(draw(st.lists(requirement(), max_size=2)))
        tier_decls.append(ast.TierDecl(ast.Ident(f"ASL-{i + 1}"), condition, reqs, draw(optional_descriptions)))
    scope.tiers = [t.name.name for t in tier_decls]
    decls.extend(tier_decls)

    for _ in range(draw(st.integers(0, 3))):
        decls.append(ast.RuleDecl(draw(st.sampled_from(["permit", "forbid"])),
                                  ast.Ident(draw(st.sampled_from(scope.actions))),
                                  draw(st.none() | _bool_expr(scope, "rule", 2)),
                                  draw(optional_descriptions)))
    decls.extend(draw(st.lists(requirement(), max_size=2)))
    for i in range(draw(st.integers(0, 2))):
        decls.append(ast.AssertDecl(ast.Ident(f"prop-{i}"), draw(_bool_expr(scope, "assert", 3)),
                                    draw(optional_descriptions)))
    return ast.Module(tuple(decls))


def well_typed_policy_text(max_vars: int = 4):
    """Policy text (canonical layout) that `rspdsl.frontend.load_text` accepts without errors."""
    return well_typed_modules(max_vars=max_vars).map(format_module)


# ---------------------------------------------------------------- messy layouts of a module

_SPACE = st.sampled_from([" ", " ", "  ", "\t", "\n", "\n  ", " \n\n "])


@st.composite
def _messy_expr(draw, e: ast.Expr) -> str:
    """`e` with random redundant parentheses and whitespace (same AST when parsed)."""
    from rspdsl.syntax import format as fmt

    def child(sub: ast.Expr, at_least: int) -> str:
        text = draw(_messy_expr(sub))
        return text if fmt.binding_strength(sub) >= at_least else f"({text})"

    sp = lambda: draw(_SPACE)  # noqa: E731
    if isinstance(e, ast.Binary):
        lo, hi = fmt.operand_strengths(e.op)
        text = f"{child(e.left, lo)}{sp()}{e.op}{sp()}{child(e.right, hi)}"
    elif isinstance(e, ast.Unary):
        text = f"not{sp()}{child(e.operand, fmt.NOT)}" if e.op == "not" else f"-{child(e.operand, fmt.UNARY)}"
    elif isinstance(e, ast.Compare):
        text = child(e.operands[0], fmt.SUM)
        for op, operand in zip(e.ops, e.operands[1:]):
            text += f"{sp()}{op}{sp()}{child(operand, fmt.SUM)}"
    elif isinstance(e, ast.Call):
        text = f"{e.func}({sp()}" + f"{sp()},{sp()}".join(draw(_messy_expr(a)) for a in e.args) + ")"
    else:
        text = fmt.format_expr(e)
    return f"({sp()}{text}{sp()})" if draw(st.integers(0, 4)) == 0 else text


@st.composite
def messy_policy_texts(draw, max_vars: int = 3) -> tuple[str, ast.Module]:
    """A checked policy written untidily (random spaces, newlines, redundant parentheses and
    comments), with the module it must parse to. `rspdsl fmt` must turn the text into
    `format_module(module)` without changing the checked policy."""
    from rspdsl.syntax import format as fmt

    module = draw(well_typed_modules(max_vars=max_vars))
    chunks = []
    for d in module.declarations:
        canonical = fmt.format_module(ast.Module((d,))).rstrip("\n")
        if isinstance(d, (ast.ThresholdDecl, ast.AssertDecl)):
            body = d.condition if isinstance(d, ast.ThresholdDecl) else d.body
            head = canonical[:len(canonical) - len(fmt.format_expr(body))].rstrip()
            canonical = f"{head}{draw(_SPACE)}{draw(_messy_expr(body))}"
        elif isinstance(d, ast.RuleDecl) and d.condition is not None and d.description is None:
            canonical = f"{d.effect} {d.action.name}{draw(_SPACE)}when{draw(_SPACE)}{draw(_messy_expr(d.condition))}"
        chunks.append(canonical)
        if draw(st.integers(0, 3)) == 0:
            chunks.append(draw(comment_texts))
    text = "".join(chunk + draw(st.sampled_from(["\n", "\n\n", "\n\n\n", "   \n"])) for chunk in chunks)
    return text, module
