"""The error messages of issue 14, one test each: an unclosed tier is reported once, naming
the tier and where to add `}`; a rule inside a tier says rules go at top level; E0201/E0202
hints; `diff` suggests `--rename old=new`; no empty `inputs:` line."""
from __future__ import annotations

from rspdsl.cli import main
from rspdsl.frontend import load_text

HEAD = 'policy "x" version "1"\nmetric m in [0, 1]\njudgement j\nsafeguard s\naction deploy\n'


def diags(text: str) -> list[tuple[int, int, str, str, str | None]]:
    loaded = load_text(HEAD + text, "p.rsp")
    return [(d.span.line, d.span.column, d.code, d.message, d.hint) for d in loaded.diagnostics if d.is_error]


def test_an_unclosed_tier_is_reported_once_naming_it():
    found = diags("tier A {\n  require s for deploy\ntier B when m > 0.5 {\n  require s for deploy\n}\n")
    assert found == [(8, 1, "E0011", "tier `A` (line 6) is not closed",
                      "add `}` to close tier `A` before line 8")]


def test_an_unclosed_tier_at_the_end_of_the_file():
    found = diags("tier A {\n  require s for deploy\n")
    assert len(found) == 1
    assert found[0][2:] == ("E0013", "tier `A` (line 6) is not closed at the end of the file",
                            "add `}` to close tier `A` at the end of the file")


def test_a_rule_inside_a_tier_says_rules_go_at_top_level():
    found = diags("tier A {\n  permit deploy when s\n}\n")
    assert len(found) == 1
    line, column, code, message, hint = found[0]
    assert (line, column, code) == (7, 3, "E0011")
    assert message == "`permit` inside tier `A`: a tier's body holds only `require` and `recommend`"
    assert hint is not None and hint.startswith("rules go at top level")


def test_a_judgement_compared_with_a_number():
    found = diags("tier A { }\ntier B when j >= 1 { }\n")
    assert found == [(7, 13, "E0201", "cannot compare a boolean with a number",
                      "`j` is a judgement (true/false): drop `>= 1`")]


def test_a_number_as_a_condition_hints_at_a_comparison():
    found = diags("tier A { }\ntier B when m { }\n")
    assert found[0][2] == "E0202" and found[0][4] == "write a comparison, e.g. `m >= 0.5`"


POLICY = """policy "x" version "1"
metric m in [0, 1]
safeguard s
action deploy
threshold T when m >= 0.5
tier A { }
tier B when T {
  require s for deploy
}
permit deploy when s
"""


def test_diff_suggests_a_rename(tmp_path, capsys):
    old, new = tmp_path / "old.rsp", tmp_path / "new.rsp"
    old.write_text(POLICY)
    new.write_text(POLICY.replace("safeguard s\n", "safeguard sec\n").replace("require s ", "require sec ")
                   .replace("when s\n", "when sec\n"))
    assert main(["diff", str(old), str(new)]) == 1
    assert ("hint: safeguard `s` was removed and `sec` added; if it was renamed, rerun with "
            "`--rename s=sec` to compare them as one") in capsys.readouterr().out
    assert main(["diff", str(old), str(new), "--rename", "s=sec"]) == 0
    assert "--rename" not in capsys.readouterr().out


def test_no_empty_inputs_line(tmp_path, capsys):
    path = tmp_path / "c.rsp"
    path.write_text('policy "x" version "1"\ncontrol c in [0, 10]\naction deploy default permit\n'
                    "tier A {\n  require c <= 2 for deploy\n  require c >= 5 for deploy\n}\n")
    assert main(["check", str(path), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "error[consistency]" in out and "core: c <= 2, c >= 5" in out
    assert "  inputs:" not in out
