"""The parser rspdsl runs (rspdsl/syntax/_generated_parser.py, Lark's standalone tool applied to
grammar/rsp.lark by tools/gen_parser.py) against Lark itself built from the same grammar.

The generated tables must come from the grammar as it is now, and must parse every corpus file
and random texts exactly as Lark does: the same tree (rule names, token types and values,
positions) or the same error at the same place.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import modules, well_typed_policy_text

from rspdsl.syntax import _generated_parser as generated
from rspdsl.syntax import parser as rsp_parser
from rspdsl.syntax.format import format_module

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted({*ROOT.glob("policies/**/*.rsp"), *ROOT.glob("tests/**/*.rsp"), *ROOT.glob("examples/**/*.rsp")})


@functools.lru_cache(maxsize=1)
def gen_tool():
    spec = importlib.util.spec_from_file_location("rspdsl_tools_gen_parser", ROOT / "tools" / "gen_parser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=1)
def lark_parser():
    from lark import Lark

    return Lark((ROOT / "grammar" / "rsp.lark").read_text(encoding="utf-8"), **gen_tool().OPTIONS)


def shape(node):
    """A parse tree as plain tuples, comparable across the two runtimes' Tree and Token classes."""
    if hasattr(node, "children"):
        meta = node.meta
        where = None if getattr(meta, "empty", True) else (meta.line, meta.column, meta.end_line,
                                                              meta.end_column, meta.start_pos, meta.end_pos)
        return (node.data, where, tuple(shape(c) for c in node.children))
    return (node.type, str(node), node.line, node.column, node.end_line, node.end_column, node.start_pos)


def outcome(parse, text: str):
    """The tree's shape, or the error's kind and position."""
    try:
        return shape(parse(text))
    except Exception as exc:  # both runtimes raise their own copies of Lark's exception classes
        token = getattr(exc, "token", None)
        return ("error", type(exc).__name__, getattr(exc, "pos_in_stream", None),
                None if token is None else (token.type, str(token)))


def agree(text: str) -> None:
    ours = outcome(rsp_parser.get_parser().parse, text)
    theirs = outcome(lark_parser().parse, text)
    assert ours == theirs


def test_the_tables_come_from_the_grammar_as_it_is():
    assert gen_tool().stale_reason() is None, "run python tools/gen_parser.py"
    assert rsp_parser.get_parser() is not None  # the runtime check agrees


def test_a_changed_grammar_is_refused_not_parsed_with_old_tables(tmp_path, monkeypatch):
    grammar = tmp_path / "rsp.lark"
    grammar.write_text((ROOT / "grammar" / "rsp.lark").read_text(encoding="utf-8") + "\n// edited\n")
    monkeypatch.setattr(rsp_parser, "grammar_path", lambda: grammar)
    rsp_parser.get_parser.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="gen_parser.py"):
            rsp_parser.get_parser()
    finally:
        rsp_parser.get_parser.cache_clear()


def test_lark_is_not_imported_to_parse():
    import subprocess
    import sys

    code = ("import sys; from rspdsl.frontend import load_file; "
            f"r = load_file({str(ROOT / 'policies' / 'anthropic-rsp-v2.2.rsp')!r}); "
            "print('lark' in sys.modules, r.policy is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_corpus_file_parses_as_lark_parses_it(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    agree(text)
    for cut in range(0, len(text), max(1, len(text) // 40)):  # and its truncations: the errors agree too
        agree(text[:cut])


def test_the_corpus_is_not_empty():
    assert len(CORPUS) >= 20 and any("policies" in str(p) for p in CORPUS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(well_typed_policy_text(), modules(comments=True).map(format_module)))
def test_random_policies_parse_as_lark_parses_them(text):
    agree(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("policy metric tier when and or not ( ) [ ] { } < <= + - * / , : \"x\" 0.5 1e3 # \n")),
               max_size=200))
def test_random_token_text_errors_as_lark_errors(text):
    agree(text)


def test_generated_module_carries_lark_runtime_version():
    assert isinstance(generated.__version__, str) and generated.GRAMMAR_SHA256
