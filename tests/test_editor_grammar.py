"""The VS Code extension's static files: the TextMate grammar gives every token of the shipped
policies and of editors/vscode/samples/ the scope its kind calls for, judged token by token
against rspdsl's own lexer; package.json and the language configuration fit together.

TextMate grammars use Oniguruma regexes; this grammar keeps to the part Python's `re` reads the
same way (\\b, classes, lookarounds), so a small TextMate-style tokenizer here runs it as is.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rspdsl.syntax.parser import get_parser

ROOT = Path(__file__).resolve().parent.parent
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = json.loads((VSCODE / "syntaxes" / "rsp.tmLanguage.json").read_text(encoding="utf-8"))
FILES = sorted((ROOT / "policies").glob("*.rsp")) + sorted((VSCODE / "samples").glob("*.rsp"))

DECLARATION = {"POLICY", "SCALE", "METRIC", "CONTROL", "JUDGEMENT", "SAFEGUARD", "ACTION", "THRESHOLD", "TIER",
               "PERMIT", "FORBID", "REQUIRE", "ASSERT",
               "EVENT", "AUTHORITY", "DUTY", "RECOMMEND", "WAIVE", "ACCEPT"}  # language v2 and `accept`
EXPECTED = {
    "COMMENT": "comment.line.number-sign.rsp", "STRING": "string.quoted.double.rsp",
    "NUMBER": "constant.numeric.rsp", "NAME": ("variable.other.rsp", "entity.name.rsp"),
    **{k: "keyword.declaration.rsp" for k in DECLARATION},
    **{k: "keyword.operator.logical.rsp" for k in ("AND", "OR", "NOT", "IMPLIES")},
    **{k: "constant.language.boolean.rsp" for k in ("TRUE", "FALSE")},
    **{k: "support.function.rsp" for k in ("ALLOWED", "MAX", "MIN", "DONE", "DAYS_SINCE", "OVERDUE")},
    **{k: "keyword.other.rsp" for k in ("VERSION", "FOR", "WHEN", "IN", "UNIT", "DEFAULT", "DENY", "REASSURING",
                                        "CUMULATIVE", "SET", "AT", "INTERNAL", "EXTERNAL", "BY", "WITHIN", "DAYS",
                                        "AFTER", "EVERY", "WHILE")},
    **{k: "keyword.operator.rsp" for k in ("CMP_OP", "PLUS", "MINUS", "MUL_OP")},
    **{k: "punctuation.rsp" for k in ("LBRACE", "RBRACE", "LSQB", "RSQB", "LPAR", "RPAR", "COMMA", "COLON")},
}


# ---------------------------------------------------------------- a small TextMate tokenizer

def _flatten(patterns: list[dict]) -> list[dict]:
    out = []
    for p in patterns:
        if "include" in p:
            out += _flatten([GRAMMAR["repository"][p["include"].lstrip("#")]])
        elif "patterns" in p and "begin" not in p and "match" not in p:
            out += _flatten(p["patterns"])
        else:
            out.append(p)
    return out


def scopes_of(text: str) -> list[list[tuple[str, ...]]]:
    """For each line, each character's scopes (outermost first), as a TextMate engine assigns
    them: at each position the rule matching earliest wins, ties going to the first listed."""
    top = _flatten(GRAMMAR["patterns"])
    result = []
    inside: dict | None = None   # the begin/end rule we are in, across lines
    for line in text.split("\n"):
        scopes: list[tuple[str, ...]] = [()] * len(line)
        pos = 0
        while pos <= len(line):
            if inside is not None:
                rules = _flatten(inside.get("patterns", []))
                end = re.compile(inside["end"]).search(line, pos)
                best = _earliest(rules, line, pos)
                outer = (inside["name"],)
                if best is not None and (end is None or best[1].start() < end.start()):
                    rule, m = best
                    _paint(scopes, pos, m.start(), outer)
                    _paint(scopes, m.start(), m.end(), outer + (rule["name"],))
                    pos = max(m.end(), m.start() + 1)
                    continue
                stop = end.end() if end is not None else len(line)
                _paint(scopes, pos, stop, outer)
                pos = stop
                if end is not None:
                    inside = None
                if pos >= len(line):
                    break
                continue
            best = _earliest(top, line, pos)
            if best is None:
                break
            rule, m = best
            if "begin" in rule:
                _paint(scopes, m.start(), m.end(), (rule["name"],))
                inside, pos = rule, m.end()
                continue
            if "captures" in rule:
                for group, capture in rule["captures"].items():
                    _paint(scopes, m.start(int(group)), m.end(int(group)), (capture["name"],))
            else:
                _paint(scopes, m.start(), m.end(), (rule["name"],))
            pos = max(m.end(), pos + 1)
        result.append(scopes)
    return result


def _earliest(rules: list[dict], line: str, pos: int):
    best = None
    for rule in rules:
        m = re.compile(rule.get("match") or rule["begin"]).search(line, pos)
        if m is not None and (best is None or m.start() < best[1].start()):
            best = (rule, m)
    return best


def _paint(scopes: list, start: int, end: int, scope: tuple[str, ...]) -> None:
    for i in range(start, min(end, len(scopes))):
        scopes[i] = scope


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_token_gets_the_scope_of_its_kind(path: Path):
    text = path.read_text(encoding="utf-8")
    scopes = scopes_of(text)
    lines = text.split("\n")
    checked = 0
    for token in get_parser().lex(text, dont_ignore=True):
        if token.type == "WS":
            continue
        want = EXPECTED[token.type]
        want = want if isinstance(want, tuple) else (want,)
        for offset in range(len(token.value)):
            line, column = token.line - 1, token.column - 1 + offset
            got = scopes[line][column]
            assert any(w in got for w in want), (
                f"{path.name}:{token.line}:{token.column + offset} {token.type} {token.value!r}: "
                f"got {got}, want {want} in {lines[line]!r}")
        checked += 1
    assert checked > 50


def test_declared_names_are_marked_as_such_and_hyphen_groups_are_one_name():
    line = "tier ASL-3 when CBRN-3 or AI-RD-4 {"
    [scopes] = scopes_of(line)
    assert scopes[line.index("ASL-3")] == ("entity.name.rsp",)
    for name in ("ASL-3", "CBRN-3", "AI-RD-4"):
        start = line.index(name)
        assert {scopes[i] for i in range(start, start + len(name))} in ({("entity.name.rsp",)},
                                                                        {("variable.other.rsp",)})
    assert scopes[line.index("when")] == ("keyword.other.rsp",)


def test_an_escaped_quote_does_not_end_a_string_and_an_open_string_ends_at_the_line():
    line = 'policy "a \\"b\\" c" version "1"'
    [scopes] = scopes_of(line)
    assert all("string.quoted.double.rsp" in scopes[i] for i in range(7, line.index(" version")))
    assert scopes[line.index("version")] == ("keyword.other.rsp",)
    first, second = scopes_of('metric m "open\nmetric n')
    assert first[-1] == ("string.quoted.double.rsp",) and second[0] == ("keyword.declaration.rsp",)


def test_the_word_pattern_selects_a_hyphenated_name_whole():
    config = json.loads((VSCODE / "language-configuration.json").read_text(encoding="utf-8"))
    word = re.compile(config["wordPattern"])
    assert word.match("AI-RD-4 or").group(0) == "AI-RD-4"
    assert word.match("1_000.5e3]").group(0) == "1_000.5e3"
    assert config["comments"]["lineComment"] == "#"


def test_the_manifest_wires_language_grammar_and_client_together():
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    [language] = manifest["contributes"]["languages"]
    [grammar] = manifest["contributes"]["grammars"]
    assert language["extensions"] == [".rsp"] and grammar["language"] == language["id"]
    assert grammar["scopeName"] == GRAMMAR["scopeName"]
    assert (VSCODE / grammar["path"]).is_file() and (VSCODE / language["configuration"]).is_file()
    assert (VSCODE / manifest["main"]).is_file()
    assert manifest["activationEvents"] == [f"onLanguage:{language['id']}"]
    default = manifest["contributes"]["configuration"]["properties"]["rspdsl.server.command"]["default"]
    assert default == ["rspdsl", "lsp"]
    client = (VSCODE / manifest["main"]).read_text(encoding="utf-8")
    assert '"rspdsl.showWitness"' in client and 'require("vscode-languageclient/node")' in client
