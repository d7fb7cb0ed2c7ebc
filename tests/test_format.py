"""The formatter: parse ∘ format = id on ASTs, idempotence, comments, golden layouts, `rspdsl fmt`."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import exprs, messy_policy_texts, modules, well_typed_policy_text

from rspdsl.cli import main
from rspdsl.commands.fmt import format_text
from rspdsl.frontend import load_text, parse_text
from rspdsl.syntax import ast
from rspdsl.syntax.format import MAX_WIDTH, canonical_number, format_expr, format_module

SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse(text: str) -> ast.Module:
    _, module, diags = parse_text(text)
    assert module is not None and not [d for d in diags if d.is_error], diags
    return module


def fmt(text: str) -> str:
    return format_module(parse(text))


def all_comments(module: ast.Module):
    """Every comment the AST carries, in document order, with where it is attached."""
    out = []
    for d in module.declarations:
        out.append(("decl", d.comments))
        if isinstance(d, ast.TierDecl):
            out.extend(("req", r.comments) for r in d.requirements)
            out.append(("closing", d.closing_comments, d.closing_gaps, d.closing_trailing))
    out.append(("end", module.trailing_comments, module.trailing_gaps))
    return out


def comment_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, depth) of every comment in document order; depth: how many `{` are open."""
    out, depth, i = [], 0, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':  # a string: skip to its closing quote (strings never span lines)
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif ch == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out.append((i, end, depth))
            i = end
        elif ch in "{}":
            depth += 1 if ch == "{" else -1
        i += 1
    return out


def comments_with_depth(text: str) -> list[tuple[str, int]]:
    """Every comment in document order, with how many `{` are open where it starts."""
    return [(text[start:end].rstrip(), depth) for start, end, depth in comment_spans(text)]


def blank_lines_between_comments(text: str) -> list[bool | None]:
    """For every comment in document order: whether a blank line separates it from the comment
    before it, or None unless both sit on lines of their own with only blank lines between."""
    out: list[bool | None] = []
    prev_end, prev_own_line = 0, False
    for start, end, _ in comment_spans(text):
        own_line = not text[text.rfind("\n", 0, start) + 1:start].strip()
        between = text[prev_end:start]
        adjacent = prev_own_line and own_line and not between.strip()
        out.append(between.count("\n") >= 2 if adjacent else None)
        prev_end, prev_own_line = end, own_line
    return out


@st.composite
def texts_with_extra_comments(draw) -> str:
    """A canonical text with comments added at line ends and on lines of their own, anywhere:
    after a `}`, in a tier body, between declarations, inside a declaration split over lines;
    blank lines (one, or a run) follow some of the comments on lines of their own."""
    lines = format_module(draw(modules(comments=True))).splitlines()
    out = []
    for n, line in enumerate(lines):
        if draw(st.integers(0, 2)) == 0:
            line += f"  # extra {n}"
        out.append(line)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(["", "  "])) + f"# own line {n}")
            out.extend(draw(st.sampled_from([[], [], [""], ["", "  "]])))  # no, one or a run of blank lines
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- properties

@SETTINGS
@given(modules())
def test_parse_of_format_is_identity(module):
    assert parse(format_module(module)) == module


@SETTINGS
@given(modules(comments=True))
def test_comments_and_blank_lines_survive(module):
    text = format_module(module)
    again = parse(text)
    assert again == module
    assert all_comments(again) == all_comments(module)


@SETTINGS
@given(modules(comments=True))
def test_format_is_idempotent(module):
    once = format_module(module)
    assert format_module(parse(once)) == once


@SETTINGS
@given(texts_with_extra_comments())
def test_every_comment_stays_once_in_order_and_on_its_side_of_each_brace(text):
    out = fmt(text)
    assert parse(out) == parse(text)
    assert comments_with_depth(out) == comments_with_depth(text)


@SETTINGS
@given(texts_with_extra_comments())
def test_a_blank_line_between_two_comments_stays_one(text):
    before, after = blank_lines_between_comments(text), blank_lines_between_comments(fmt(text))
    assert len(after) == len(before)
    for k, blank in enumerate(before):
        if blank is not None:  # two comments on lines of their own, only blank lines between
            assert after[k] == blank, (k, text)


@SETTINGS
@given(exprs(max_leaves=20))
def test_expressions_round_trip_with_minimal_parentheses(expr):
    text = format_expr(expr)
    module = parse(f"threshold t when {text}")
    assert module.declarations[0].condition == expr
    # minimal: removing any one pair of parentheses changes the tree or breaks the parse
    for i, ch in enumerate(text):
        if ch != "(" or (i > 0 and text[i - 1].isalpha()):
            continue  # a call's parentheses are syntax, not grouping
        depth, j = 0, i
        for j in range(i, len(text)):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                break
        stripped = text[:i] + " " + text[i + 1:j] + " " + text[j + 1:]
        _, m, diags = parse_text(f"threshold t when {stripped}")
        assert m is None or diags or m.declarations[0].condition != expr, (text, stripped)


@SETTINGS
@given(well_typed_policy_text())
def test_formatting_a_checked_policy_keeps_its_meaning(text):
    before = load_text(text)
    assert before.ok
    out = format_module(before.module)
    after = load_text(out)
    assert after.ok and after.module == before.module
    assert format_module(after.module) == out
    assert [t.name for t in after.policy.tiers] == [t.name for t in before.policy.tiers]


def test_every_line_fits_or_is_split_at_when():
    long_name = "x" * 40
    text = (f'policy "p"\nthreshold {long_name} "a description long enough to overflow" '
            f"when {long_name} >= 0.5 or {long_name} <= 0.25\n")
    out = fmt(text)
    head, when = out.splitlines()[1:3]
    assert head == f'threshold {long_name} "a description long enough to overflow"'
    assert when.startswith("  when ") and len(head) <= MAX_WIDTH
    assert fmt(out) == out


# ---------------------------------------------------------------- golden layouts

GOLDEN = [
    # spacing, one declaration per line, one trailing newline
    ('policy   "P"    version "1"\naction a   default   permit', 'policy "P" version "1"\naction a default permit\n'),
    # blank lines: kept, never more than one; none at the start or end
    ('\n\npolicy "P"\n\n\n\naction a\naction b\n\n\n', 'policy "P"\n\naction a\naction b\n'),
    # numbers keep their spelling
    ("metric m in [-1_000, 1e25] unit FLOP", "metric m in [-1_000, 1e25] unit FLOP\n"),
    ("threshold t when m >= 2.50", "threshold t when m >= 2.50\n"),
    # strings are re-escaped
    (r'action a "say \"hi\" \\ ok"', 'action a "say \\"hi\\" \\\\ ok"\n'),
    # precedence: redundant parentheses go, needed ones stay
    ("threshold t when ((a and b)) or (c)", "threshold t when a and b or c\n"),
    ("threshold t when (a or b) and c", "threshold t when (a or b) and c\n"),
    ("threshold t when a implies (b implies c)", "threshold t when a implies b implies c\n"),
    ("threshold t when (a implies b) implies c", "threshold t when (a implies b) implies c\n"),
    ("threshold t when (x - y) - z > 0", "threshold t when x - y - z > 0\n"),
    ("threshold t when x - (y - z) > 0", "threshold t when x - (y - z) > 0\n"),
    ("threshold t when x / (y * 2) > 0", "threshold t when x / (y * 2) > 0\n"),
    ("threshold t when -(x + y) > -2", "threshold t when -(x + y) > -2\n"),
    ("threshold t when - - x > 0", "threshold t when - -x > 0\n"),
    ("threshold t when not (a < b)", "threshold t when not a < b\n"),
    ("threshold t when (not a) == b", "threshold t when (not a) == b\n"),
    ("threshold t when (a < b) == c", "threshold t when (a < b) == c\n"),
    ("threshold t when 0.5 <= x < 0.8", "threshold t when 0.5 <= x < 0.8\n"),
    ("threshold t when not not a", "threshold t when not not a\n"),
    ("threshold t when max( a,b ,min(c) ) > 1", "threshold t when max(a, b, min(c)) > 1\n"),
    ("assert p : not(allowed( d ))", "assert p: not allowed(d)\n"),
    # descriptions where the grammar puts them
    ('scale  s "S"{a,b,}', 'scale s "S" { a, b }\n'),
    ('metric m:s reassuring "M"', 'metric m : s reassuring "M"\n'),
    ('judgement j reassuring "J"', 'judgement j reassuring "J"\n'),
    ('permit a when b "why"', 'permit a when b "why"\n'),
    ('require x,y for a,b when c "why"', 'require x, y for a, b when c "why"\n'),
    ('assert p "P": q', 'assert p "P": q\n'),
    # tiers
    ("tier T{}", "tier T { }\n"),
    ('tier T "d" when x {require a require b for c}', 'tier T "d" when x {\n  require a\n  require b for c\n}\n'),
]


@pytest.mark.parametrize("source, expected", GOLDEN)
def test_golden_layout(source, expected):
    assert fmt(source) == expected
    assert fmt(expected) == expected


def test_comments_keep_their_places():
    source = """# header comment
policy "P"   # after the header

# before the tier
tier T {   # on the brace line
  # before a requirement
  require a    # after a requirement

  require b
  # at the end of the body
}   # after the brace
action x
  # a comment inside nothing
# the end
"""
    expected = """# header comment
policy "P"  # after the header

# before the tier
tier T {  # on the brace line
  # before a requirement
  require a  # after a requirement

  require b
  # at the end of the body
}  # after the brace
action x
# a comment inside nothing
# the end
"""
    assert fmt(source) == expected
    assert fmt(expected) == expected


@pytest.mark.parametrize("source, expected", [
    ("tier T {}  # after\n", "tier T { }  # after\n"),
    ("tier T {  # open\n}\n", "tier T {  # open\n}\n"),  # one line would make `# open` an after-`}` comment
    ("tier T {  # open\n}  # close\n", "tier T {  # open\n}  # close\n"),
    ("tier T { require a }  # after\n", "tier T {\n  require a\n}  # after\n"),
    ("tier T {\n  require a }  # after\n", "tier T {\n  require a\n}  # after\n"),
    ("tier T { } tier U { }  # after U\n", "tier T { }\ntier U { }  # after U\n"),
    ("tier T { } action a  # after a\n", "tier T { }\naction a  # after a\n"),
    ("tier T { }\n  # own line\naction a\n", "tier T { }\n# own line\naction a\n"),
])
def test_comments_around_a_tiers_closing_brace(source, expected):
    assert fmt(source) == expected
    assert fmt(expected) == expected


@pytest.mark.parametrize("source, expected", [
    # between two comments, and between a comment and a declaration: one for a run of blank lines
    ('policy "P"\n# a\n\n\n# b\naction x\n', 'policy "P"\n# a\n\n# b\naction x\n'),
    ('policy "P"\n# a\n  \n# b\n\naction x\n', 'policy "P"\n# a\n\n# b\n\naction x\n'),
    # in a tier body and at the end of the file; none at the top of a file or body, nor above `}`
    ("tier T {\n\n  # a\n\n  # b\n  require x\n\n  # c\n\n  # d\n\n}\n",
     "tier T {\n  # a\n\n  # b\n  require x\n\n  # c\n\n  # d\n}\n"),
    ("tier T {\n\n  # a\n\n  # b\n}\n", "tier T {\n  # a\n\n  # b\n}\n"),
    ("action x\n\n# a\n\n# b\n", "action x\n\n# a\n\n# b\n"),
    ("\n\n# a\n\n# b\n", "# a\n\n# b\n"),
    # comments inside a declaration move in front, into the code's place and its blank line
    ("action y\n\nthreshold t\n  # a\n\n  # b\n  when x\n", "action y\n\n# a\n\n# b\nthreshold t when x\n"),
    # a declaration that starts where another ends follows it, whatever lies above their line
    ('policy "P"\n\ntier B { require g }  action x\n', 'policy "P"\n\ntier B {\n  require g\n}\naction x\n'),
    ('policy "P"\n\naction a action b\n', 'policy "P"\n\naction a\naction b\n'),
    ("tier T {\n  require a\n\n  require b require c\n}\n", "tier T {\n  require a\n\n  require b\n  require c\n}\n"),
])
def test_blank_lines_around_comments_and_between_items_on_one_line(source, expected):
    assert fmt(source) == expected
    assert fmt(expected) == expected


def test_comment_inside_a_multiline_declaration_moves_in_front():
    source = 'threshold t\n  # why\n  when a or\n  b  # end\n'
    assert fmt(source) == "# why\nthreshold t when a or b  # end\n"


def test_long_lines_move_when_to_the_next_line():
    cond = " or ".join(f"cond_{i}" for i in range(12))
    out = fmt(f'policy "P"\ntier base {{ }}\ntier high when {cond} {{ require r for a when {cond} }}\n'
              f"forbid a when {cond}\nassert p: {cond}")
    assert out == (f'policy "P"\ntier base {{ }}\ntier high\n  when {cond} {{\n  require r for a\n'
                   f"    when {cond}\n}}\nforbid a\n  when {cond}\nassert p:\n  {cond}\n")
    assert fmt(out) == out


def test_crlf_and_tabs_become_canonical():
    assert fmt('policy "P"\r\n\taction a\r\n') == 'policy "P"\naction a\n'


def test_empty_module_formats_to_nothing_and_comments_only_stay():
    assert format_module(ast.Module(())) == ""
    assert fmt("# only a comment\n\n") == "# only a comment\n"


def test_numbers_without_text_get_a_canonical_exact_spelling():
    assert canonical_number(Fraction(3)) == "3"
    assert canonical_number(Fraction(1, 8)) == "0.125"
    assert canonical_number(Fraction(-5, 2)) == "-2.5"
    assert canonical_number(Fraction(10**30)) == "1" + "0" * 30
    assert canonical_number(Fraction(1, 3)) == "1 / 3"
    assert format_expr(ast.Num(Fraction(1, 20))) == "0.05"
    # a number whose text disagrees with its value is re-spelled from the value
    assert format_expr(ast.Num(Fraction(2), text="3")) == "2"
    # a non-decimal fraction is no single literal: it prints as a quotient, grouped as one
    assert format_expr(ast.Binary("/", ast.Name("x"), ast.Num(Fraction(1, 3)))) == "x / (1 / 3)"


def test_the_contract_example_keeps_its_layout():
    from test_golden import contract_example

    text = contract_example()
    out = fmt(text)
    assert parse(out) == parse(text)
    assert "threshold CBRN-3 \"Significant uplift to basic-STEM actors\"\n  when cbrn_uplift >= 0.5" in out
    assert 'assert no-weights-at-asl3 "Weights never leave at ASL-3":\n  not (allowed(release_weights)' in out


# ---------------------------------------------------------------- the command

def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


UGLY = 'policy   "P"\naction  a\n'
PRETTY = 'policy "P"\naction a\n'


def test_fmt_check_reports_without_writing(tmp_path, capsys):
    ugly, pretty = write(tmp_path, "u.rsp", UGLY), write(tmp_path, "p.rsp", PRETTY)
    assert main(["fmt", "--check", str(pretty)]) == 0
    assert main(["fmt", "--check", str(ugly), str(pretty)]) == 1
    err = capsys.readouterr().err
    assert str(ugly) in err and str(pretty) not in err.replace("would be reformatted", "")
    assert ugly.read_text() == UGLY


def test_fmt_rewrites_in_place_only_when_changed(tmp_path, capsys):
    ugly, pretty = write(tmp_path, "u.rsp", UGLY), write(tmp_path, "p.rsp", PRETTY)
    os.chmod(ugly, 0o640)
    stamp = pretty.stat().st_mtime_ns, pretty.stat().st_ino
    assert main(["fmt", str(ugly), str(pretty)]) == 0
    assert ugly.read_text() == PRETTY
    assert ugly.stat().st_mode & 0o777 == 0o640
    assert (pretty.stat().st_mtime_ns, pretty.stat().st_ino) == stamp
    assert main(["fmt", "--check", str(ugly)]) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rspdsl-fmt-")]


def test_fmt_diff_prints_a_unified_diff(tmp_path, capsys):
    ugly = write(tmp_path, "u.rsp", UGLY)
    assert main(["fmt", "--check", "--diff", str(ugly)]) == 1
    out = capsys.readouterr().out
    assert "\n-action  a\n" in out and "\n+action a\n" in out and out.startswith("---")
    assert ugly.read_text() == UGLY


def test_fmt_diff_alone_previews_and_writes_nothing(tmp_path, capsys):
    ugly, pretty = write(tmp_path, "u.rsp", UGLY), write(tmp_path, "p.rsp", PRETTY)
    assert main(["fmt", "--diff", str(ugly), str(pretty)]) == 1  # a file would change
    captured = capsys.readouterr()
    assert "\n+action a\n" in captured.out and "would reformat" in captured.err
    assert ugly.read_text() == UGLY
    assert main(["fmt", "--diff", str(pretty)]) == 0
    assert capsys.readouterr().out == ""


def test_fmt_bad_file_gives_diagnostics_exit_2_and_still_formats_the_others(tmp_path, capsys):
    bad = write(tmp_path, "bad.rsp", 'policy "P"\naction\n')
    ugly = write(tmp_path, "u.rsp", UGLY)
    assert main(["fmt", str(bad), str(ugly)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "E0013" in err
    assert ugly.read_text() == PRETTY
    assert bad.read_text() == 'policy "P"\naction\n'


@pytest.mark.parametrize("content, code", [(b'policy "\xff"', "E0002"), ('action a "\\n"', "E0015")])
def test_fmt_refuses_unusable_files(tmp_path, capsys, content, code):
    path = write(tmp_path, "x.rsp", content)
    assert main(["fmt", str(path)]) == 2
    assert code in capsys.readouterr().err


def test_fmt_missing_file(tmp_path, capsys):
    assert main(["fmt", str(tmp_path / "nope.rsp")]) == 2
    assert "E0001" in capsys.readouterr().err


def test_fmt_formats_policies_with_semantic_errors(tmp_path):
    path = write(tmp_path, "x.rsp", "require   undeclared_name")  # resolves badly, formats fine
    assert main(["fmt", str(path)]) == 0
    assert path.read_text() == "require undeclared_name\n"


def test_fmt_stdin_to_stdout(monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(UGLY))
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == PRETTY
    monkeypatch.setattr(sys, "stdin", io.StringIO(UGLY))
    assert main(["fmt", "--check", "-"]) == 1
    assert capsys.readouterr().out == ""


def test_fmt_safety_net_refuses_to_write_a_changed_meaning(tmp_path, capsys, monkeypatch):
    import rspdsl.commands.fmt as fmt_command

    def broken(module):  # a formatter bug: drops the last declaration
        return format_module(dataclasses.replace(module, declarations=module.declarations[:-1]))

    monkeypatch.setattr(fmt_command, "format_module", broken)
    path = write(tmp_path, "u.rsp", UGLY)
    assert main(["fmt", str(path)]) == 2
    assert "E0900" in capsys.readouterr().err
    assert path.read_text() == UGLY


def test_fmt_through_the_installed_entry_point(tmp_path):
    path = write(tmp_path, "u.rsp", UGLY)
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "fmt", "--check", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr


def checked_meaning(policy):
    """The checked policy without spans or source text (requirement texts follow the layout)."""
    return (policy.title, policy.version, {n: s.values for n, s in policy.scales.items()}, policy.variables,
            policy.actions, policy.thresholds, policy.tiers, policy.rules,
            [dataclasses.replace(r, text="") for r in policy.requirements], policy.assertions)


@SETTINGS
@given(messy_policy_texts())
def test_fmt_tidies_a_messy_policy_without_changing_what_it_means(case):
    text, module = case
    before = load_text(text)
    assert before.ok and before.module == module, text
    tidy = format_text(text)
    assert tidy.text is not None, tidy.diagnostics
    after = load_text(tidy.text)
    assert after.ok and checked_meaning(after.policy) == checked_meaning(before.policy)
    # the layout is the canonical one, comments aside
    assert format_module(dataclasses.replace(after.module, trailing_comments=())) is not None
    assert parse(tidy.text) == module and format_text(tidy.text).text == tidy.text


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "golden").glob("*/*.rsp")), ids=lambda p: p.name)
def test_formatting_a_golden_file_keeps_its_diagnostics(path):
    from rspdsl.frontend import read_source

    text, problem = read_source(str(path))
    if problem is not None or format_text(text).text is None:
        return  # unreadable or a syntax error: fmt refuses, as tested above
    before, after = load_text(text), load_text(format_text(text).text)
    assert [(d.code, d.message) for d in after.diagnostics] == [(d.code, d.message) for d in before.diagnostics]


@pytest.mark.parametrize("path", sorted((Path(__file__).parent / "golden" / "fmt").glob("*.rsp")), ids=lambda p: p.name)
def test_golden_fmt_files(path):
    """golden/fmt/NAME.rsp formats to NAME.formatted.rsp (`python tools/update_golden.py` regenerates)."""
    if path.name.endswith(".formatted.rsp"):
        assert fmt(path.read_text(encoding="utf-8")) == path.read_text(encoding="utf-8")
        return
    expected = path.with_name(path.name[:-4] + ".formatted.rsp")
    got = fmt(path.read_text(encoding="utf-8"))
    assert got == expected.read_text(encoding="utf-8")
    assert load_text(got).ok and load_text(path.read_text(encoding="utf-8")).ok


SHIPPED = sorted((Path(__file__).resolve().parents[1] / "policies").rglob("*.rsp"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_shipped_policies_are_in_the_canonical_layout(path):
    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)).text == text, f"run `rspdsl fmt {path}`"


@pytest.mark.parametrize("op", ["or", "and", "implies", "+", "-", "*", "/"])
def test_chains_of_thousands_of_operands_format_without_recursion_errors(op):
    n = 1900  # the front end accepts chains up to 2000 operands (E0014 beyond)
    if op in ("or", "and", "implies"):
        body = f" {op} ".join(["j"] * n)
    else:
        body = f" {op} ".join(["m"] + ["2"] * (n - 1)) + " > 0"
    text = f'policy "P"\njudgement j\nmetric m in [0, 1]\naction a\ntier t {{ }}\npermit a\n  when {body}\n'
    result = format_text(text)
    assert result.text == text, result.diagnostics


def test_runs_of_prefix_operators():
    assert fmt("threshold t when not not not a") == "threshold t when not not not a\n"
    assert fmt("threshold t when - - -x > -(-1)") == "threshold t when - - -x > - -1\n"
    assert fmt("threshold t when -(not a) == ((not -b))") == "threshold t when -(not a) == (not -b)\n"
