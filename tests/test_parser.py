"""The parser and lowering: every syntax form of the contract, and every syntax diagnostic
(E0001-E0015) with its line and column."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest

from rspdsl.frontend import load_file, load_text, parse_text
from rspdsl.syntax import ast
from rspdsl.syntax.parser import KEYWORDS

A, B, C = ast.Name("a"), ast.Name("b"), ast.Name("c")


def decls(text: str) -> tuple[ast.Decl, ...]:
    _, module, diags = parse_text(text)
    assert module is not None and not diags, diags
    return module.declarations


def decl(text: str) -> ast.Decl:
    (only,) = decls(text)
    return only


def cond(expr_text: str) -> ast.Expr:
    return decl(f"threshold t when {expr_text}").condition


def syntax_errors(text: str) -> list[tuple[str, int, int]]:
    _, module, diags = parse_text(text)
    return [(d.code, d.span.line, d.span.column) for d in diags]


def num(value, text=None) -> ast.Num:
    return ast.Num(Fraction(value), text or str(value))


# ---------------------------------------------------------------- declarations

def test_policy_header_with_and_without_version():
    assert decl('policy "Anthropic RSP" version "2.2"') == ast.PolicyDecl("Anthropic RSP", "2.2")
    assert decl('policy "P"') == ast.PolicyDecl("P", None)


def test_scale_with_description_and_trailing_comma():
    d = decl('scale level "Levels" { low, medium, high, critical, }')
    assert d == ast.ScaleDecl(ast.Ident("level"), tuple(map(ast.Ident, ["low", "medium", "high", "critical"])),
                              "Levels")


@pytest.mark.parametrize("kind", ["metric", "control"])
def test_quantities_in_an_interval_with_unit_and_description(kind):
    d = decl(f'{kind} training_compute in [0, 1e30] unit FLOP "Compute"')
    assert d == ast.QuantityDecl(kind, ast.Ident("training_compute"), (num(0), num(10**30, "1e30")),
                                 ast.Ident("FLOP"), None, False, "Compute")


def test_quantity_on_a_scale_and_reassuring():
    assert decl("metric bio_post : level") == ast.QuantityDecl("metric", ast.Ident("bio_post"),
                                                               scale=ast.Ident("level"))
    d = decl('metric safety in [-1, -0.5] reassuring "Higher is safer"')
    assert d.bounds == (ast.Num(Fraction(-1)), ast.Num(Fraction(-1, 2))) and d.reassuring
    assert [b.text for b in d.bounds] == ["-1", "-0.5"]
    assert decl("metric r : level reassuring").reassuring


@pytest.mark.parametrize("kind", ["judgement", "safeguard"])
def test_flags(kind):
    assert decl(f'{kind} x "Desc"') == ast.FlagDecl(kind, ast.Ident("x"), False, "Desc")
    assert decl(f"{kind} x reassuring").reassuring


@pytest.mark.parametrize("text, default", [("action a", None), ("action a default permit", "permit"),
                                           ("action a default deny", "deny")])
def test_actions_and_their_defaults(text, default):
    assert decl(text) == ast.ActionDecl(ast.Ident("a"), default)
    assert decl(text + ' "A"').description == "A"


def test_threshold_with_description_over_two_lines():
    d = decl('threshold CBRN-3 "Significant uplift"\n  when cbrn_uplift >= 0.5 or cbrn_expert_panel')
    assert d.name == ast.Ident("CBRN-3") and d.description == "Significant uplift"
    assert d.condition == ast.Binary("or", ast.Compare((ast.Name("cbrn_uplift"), num("0.5", "0.5")), (">=",)),
                                     ast.Name("cbrn_expert_panel"))


def test_tiers_first_without_when_later_with_requirements():
    base, high, empty = decls('tier ASL-2 "Baseline" {\n  require asl2_security for train, deploy\n}\n'
                              "tier ASL-3 when CBRN-3 or AI-RD-4 { require a require b <= 6 }\n"
                              "tier top when c { }")
    assert base.condition is None and base.description == "Baseline"
    assert base.requirements == (ast.RequireDecl((ast.Name("asl2_security"),),
                                                 (ast.Ident("train"), ast.Ident("deploy"))),)
    assert high.condition == ast.Binary("or", ast.Name("CBRN-3"), ast.Name("AI-RD-4"))
    assert high.requirements[1] == ast.RequireDecl((ast.Compare((B, num(6)), ("<=",)),))
    assert empty.requirements == ()


@pytest.mark.parametrize("effect", ["permit", "forbid"])
def test_rules(effect):
    assert decl(f"{effect} deploy") == ast.RuleDecl(effect, ast.Ident("deploy"))
    d = decl(f'{effect} deploy when tier <= ASL-2 and a "Why"')
    assert d.condition == ast.Binary("and", ast.Compare((ast.TierRef(), ast.Name("ASL-2")), ("<=",)), A)
    assert d.description == "Why"


def test_require_every_part():
    d = decl('require a, b for train, deploy when c "Text"')
    assert d == ast.RequireDecl((A, B), (ast.Ident("train"), ast.Ident("deploy")), C, "Text")
    assert decl("require a").actions is None


def test_assert_with_and_without_description():
    d = decl('assert no-weights "Never":\n  not (allowed(release) and tier >= ASL-3)')
    assert d.name == ast.Ident("no-weights") and d.description == "Never"
    assert d.body == ast.Unary("not", ast.Binary("and", ast.Allowed(ast.Ident("release")),
                                                 ast.Compare((ast.TierRef(), ast.Name("ASL-3")), (">=",))))
    assert decl("assert p: true").description is None


def test_declarations_in_any_order_and_free_layout():
    text = "tier t { }   action a permit a\n\n\n    metric m in [0,1]"
    assert [type(d).__name__ for d in decls(text)] == ["TierDecl", "ActionDecl", "RuleDecl", "QuantityDecl"]


# ---------------------------------------------------------------- lexical

@pytest.mark.parametrize("text, value", [("4", 4), ("0.5", Fraction(1, 2)), ("1e25", 10**25),
                                         ("2.6e24", 26 * 10**23), ("1_000", 1000), ("1E-3", Fraction(1, 1000)),
                                         ("0.1", Fraction(1, 10))])
def test_numbers_are_exact_and_keep_their_spelling(text, value):
    n = cond(f"x > {text}").operands[1]
    assert n.value == value and isinstance(n.value, Fraction) and n.text == text


def test_hyphenated_names_are_single_names_and_subtraction_needs_spaces():
    assert cond("a-b > 0").operands[0] == ast.Name("a-b")
    assert cond("a - b > 0").operands[0] == ast.Binary("-", A, B)
    assert cond("asl3-security").name == "asl3-security"
    assert cond("x-1 > 0").operands[0] == ast.Name("x-1")


@pytest.mark.parametrize("name", ["notable", "orbit", "android", "tiers", "maximum", "in_scope", "_x", "tier-2",
                                  "policy_v2", "allowed-list"])
def test_names_that_start_with_a_keyword_are_names(name):
    assert cond(f"{name} > 0").operands[0] == ast.Name(name)


def test_comments_are_ignored_and_strings_unescape():
    d = decl('action a  # a comment with "quotes" and # more\n "say \\"hi\\" \\\\ # not a comment"')
    assert d.description == 'say "hi" \\ # not a comment'


def test_spans_are_one_based_and_end_exclusive():
    (_, d) = decls('policy "P"\n  forbid deploy when  x >= 1')
    assert (d.span.line, d.span.column) == (2, 3)
    assert (d.action.span.line, d.action.span.column, d.action.span.end_column) == (2, 10, 16)
    x = d.condition.operands[0]
    assert (x.span.line, x.span.column, x.span.end_line, x.span.end_column) == (2, 23, 2, 24)


# ---------------------------------------------------------------- expressions: precedence

@pytest.mark.parametrize("text, tree", [
    ("a implies b implies c", ast.Binary("implies", A, ast.Binary("implies", B, C))),
    ("a or b or c", ast.Binary("or", ast.Binary("or", A, B), C)),
    ("a and b and c", ast.Binary("and", ast.Binary("and", A, B), C)),
    ("a or b and c", ast.Binary("or", A, ast.Binary("and", B, C))),
    ("a implies b or c", ast.Binary("implies", A, ast.Binary("or", B, C))),
    ("not a and b", ast.Binary("and", ast.Unary("not", A), B)),
    ("not a < b", ast.Unary("not", ast.Compare((A, B), ("<",)))),
    ("not not a", ast.Unary("not", ast.Unary("not", A))),
    ("0.5 <= a < 0.8", ast.Compare((num("0.5", "0.5"), A, num("0.8", "0.8")), ("<=", "<"))),
    ("a == b != c", ast.Compare((A, B, C), ("==", "!="))),
    ("a + b * c > 0", ast.Compare((ast.Binary("+", A, ast.Binary("*", B, C)), num(0)), (">",))),
    ("a - b - c > 0", ast.Compare((ast.Binary("-", ast.Binary("-", A, B), C), num(0)), (">",))),
    ("a - (b - c) > 0", ast.Compare((ast.Binary("-", A, ast.Binary("-", B, C)), num(0)), (">",))),
    ("a / 2 * c > 0", ast.Compare((ast.Binary("*", ast.Binary("/", A, num(2)), C), num(0)), (">",))),
    ("-a * 2 > -1", ast.Compare((ast.Binary("*", ast.Unary("-", A), num(2)), ast.Unary("-", num(1))), (">",))),
    ("- -a > 0", ast.Compare((ast.Unary("-", ast.Unary("-", A)), num(0)), (">",))),
    ("max(a, 2) >= min(b)", ast.Compare((ast.Call("max", (A, num(2))), ast.Call("min", (B,))), (">=",))),
    ("(a or b) and c", ast.Binary("and", ast.Binary("or", A, B), C)),
    ("((a))", A),
    ("true or false", ast.Binary("or", ast.BoolLit(True), ast.BoolLit(False))),
    ("tier >= ASL-3", ast.Compare((ast.TierRef(), ast.Name("ASL-3")), (">=",))),
    ("(a < b) == c", ast.Compare((ast.Compare((A, B), ("<",)), C), ("==",))),
])
def test_precedence_and_associativity(text, tree):
    assert cond(text) == tree


def test_allowed_parses_anywhere_syntactically():
    assert cond("allowed(deploy)") == ast.Allowed(ast.Ident("deploy"))


def test_pure_parentheses_of_any_depth_add_no_nesting():
    n = 3000
    assert cond("(" * n + "a" + ")" * n) == A


# ---------------------------------------------------------------- syntax diagnostics

def test_E0001_missing_file_and_directory(tmp_path):
    (d,) = load_file(str(tmp_path / "missing.rsp")).diagnostics
    assert d.code == "E0001" and "no such file" in d.message
    (d,) = load_file(str(tmp_path)).diagnostics
    assert d.code == "E0001" and "directory" in d.message


def test_E0002_non_utf8_points_at_the_byte(tmp_path):
    path = tmp_path / "p.rsp"
    path.write_bytes(b'policy "P"\naction d "caf\xe9"\n')
    (d,) = load_file(str(path)).diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E0002", 2, 14)
    assert "0xe9" in d.message


def test_utf8_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "p.rsp"
    path.write_bytes('\ufeffpolicy "P"\naction a\ntier t { }\npermit a\n'.encode())
    assert load_file(str(path)).ok


@pytest.mark.parametrize("text", ["", "   \n\n", "# just a comment\n"])
def test_E0003_no_policy(text):
    (d,) = load_text(text).diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E0003", 1, 1)


@pytest.mark.parametrize("text, col, hint", [
    ("permit a when b && c", 17, "and"), ("permit a when b | c", 17, "or"), ("action a 'x'", 10, "double quotes"),
    ("permit a when x > .5", 19, "digit before the point"), ("action a $", 10, None)])
def test_E0010_unexpected_character(text, col, hint):
    (d,) = load_text(text).diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E0010", 1, col)
    if hint:
        assert hint in d.hint


def test_E0011_unexpected_token_with_expected_tokens():
    (d,) = load_text('policy "P"\nmetric m in [0 1]').diagnostics
    assert (d.code, d.span.line, d.span.column, d.span.end_column) == ("E0011", 2, 16, 17)
    assert d.message == "unexpected `1`" and "`,`" in d.hint


def test_E0011_reports_every_broken_declaration():
    text = 'policy "P"\naction 5\nmetric m in [0, 1]\nthreshold t when a b\ntier x { permit a }\n'
    assert syntax_errors(text) == [("E0011", 2, 8), ("E0011", 4, 20), ("E0011", 5, 10)]


def test_E0011_two_operands_without_an_operator():
    (d,) = load_text("permit a when a-b c").diagnostics
    assert (d.code, d.span.line, d.span.column, d.message) == ("E0011", 1, 19, "unexpected `c`")


@pytest.mark.parametrize("text, line, col", [('policy "P', 1, 8), ('policy "P"\naction a "one\ntwo"', 2, 10)])
def test_E0012_unterminated_string(text, line, col):
    d = load_text(text).diagnostics[0]
    assert (d.code, d.span.line, d.span.column) == ("E0012", line, col)


def test_E0013_end_of_file_inside_a_declaration():
    (d,) = load_text('policy "P"\nthreshold t when a >').diagnostics
    assert d.code == "E0013" and d.span.line == 2 and "expected" in d.hint


def test_E0014_deep_nesting_is_a_diagnostic_not_a_recursion_error():
    n = 3000
    (d,) = load_text("permit a when " + "not (" * n + "b" + ")" * n).diagnostics
    assert (d.code, d.span.line) == ("E0014", 1)
    (d,) = load_text("permit a when " + "-" * n + "x > 0").diagnostics
    assert d.code == "E0014"


def test_E0015_unknown_escape():
    (d,) = load_text('policy "P"\naction a "tab\\there"').diagnostics
    assert (d.code, d.span.line, d.span.column, d.span.end_column) == ("E0015", 2, 14, 16)


# ---------------------------------------------------------------- front-end bugs found by these tests, fixed

@pytest.mark.parametrize("text", ["action and", "metric tier in [0, 1]", "safeguard when", "judgement allowed"])
def test_keywords_are_reserved_everywhere(text):
    (d,) = load_text(text).diagnostics
    assert d.code == "E0011" and "reserved" in d.hint


def test_a_declaration_keyword_ends_a_broken_expression():
    errors = syntax_errors('policy "P"\npermit d when x >\naction a\n')
    assert errors == [("E0011", 3, 1)]


def test_E0013_points_at_the_end_of_the_text():
    (d,) = load_text('policy "P"\naction').diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E0013", 2, 7)


def test_a_long_flat_disjunction_is_not_deep_nesting():
    text = "judgement j\npermit a when " + " or ".join(["j"] * 250)
    assert not [d for d in parse_text(text)[2] if d.code == "E0014"]


def test_hash_in_tier_description_does_not_capture_comments():
    _, module, _ = parse_text('tier a "no. #1" { }\n# about s\nscale s { x }')
    tier, scale = module.declarations
    assert tier.comments.leading == () and scale.comments.leading == ("# about s",)


def test_huge_exponents_are_refused_quickly():
    code = "from rspdsl.frontend import load_text; r = load_text('metric m in [0, 1e100000000]'); print(r.ok)"
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        pytest.fail("the front end did not answer within 10 s")
    assert proc.stdout.strip() == "False"


def test_keyword_list_matches_the_contract():
    contract = set("policy version scale metric judgement safeguard control action threshold tier require for "
                   "when permit forbid assert and or not implies true false allowed max min in unit default "
                   "deny".split())
    assert contract <= KEYWORDS


def test_snippet_shows_the_line_the_span_counts():
    from rspdsl.render.text import render_diagnostic

    result = load_text('policy "a"\x0caction b\naction $')
    (d,) = result.diagnostics
    assert (d.span.line, d.span.column) == (2, 8)
    assert "action $" in render_diagnostic(d, result.source)


def test_a_keyword_at_the_end_of_a_comment_does_not_move_the_next_declaration():
    result = load_text('policy "P"  # the first policy\npolicy "Q"\naction a\ntier t { }\n')
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("E0107", 2, 1)]
    _, module, _ = parse_text('policy "P"  # a scale\n\nscale a { a }\n')
    scale = module.declarations[1]
    assert (scale.span.line, scale.span.column) == (3, 1) and scale.comments.blank_before


@pytest.mark.parametrize("literal", ["1e1001", "1e-1001", "1" * 1001, "0." + "1" * 1001])
def test_E0016_absurd_numbers_are_refused(literal):
    (d,) = load_text(f"metric m in [0, {literal}]").diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E0016", 1, 17)


def test_a_hyphenated_name_before_a_decimal_point_hints_at_subtraction():
    text = 'policy "p"\nmetric uplift in [0, 1]\naction a\ntier t { }\npermit a when uplift-0.5 > 0\n'
    (d,) = load_text(text).diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E0010", 5, 23)
    assert "`uplift - 0.5`" in d.hint
