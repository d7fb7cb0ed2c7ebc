"""The language server's incremental front end gives exactly what `rspdsl check`'s does: the same
module (spans included), the same diagnostics, on every shipped and golden policy and after
every one of a few hundred random edits; and documents follow ranged changes in UTF-16 units."""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from budget import size

from rspdsl.frontend import load_text, parse_text
from rspdsl.lsp.analysis import analyze
from rspdsl.lsp.documents import Change, Document
from rspdsl.lsp.incremental import IncrementalParser, cut
from rspdsl.source import Span

ROOT = Path(__file__).resolve().parent.parent
FILES = [p for p in sorted((ROOT / "policies").glob("*.rsp")) + sorted((ROOT / "tests" / "golden").glob("*/*.rsp"))
         + sorted((ROOT / "editors" / "vscode" / "samples").glob("*.rsp")) if p.name != "non-utf8.rsp"]


def spans(obj, out: list | None = None) -> list:
    """Every span in a tree, in walk order: module equality alone ignores them."""
    out = [] if out is None else out
    if isinstance(obj, Span):
        out.append((obj.line, obj.column, obj.end_line, obj.end_column, obj.start_pos, obj.end_pos))
    elif isinstance(obj, (tuple, list)):
        for x in obj:
            spans(x, out)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            spans(getattr(obj, f.name), out)
    return out


def _diagnostics(diags) -> list:
    return [(d.code, d.message, d.span, d.hint, d.related) for d in diags]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pieces_parse_to_the_full_parsers_module(path: Path):
    text = path.read_text(encoding="utf-8")
    full_source, full_module, full_diags = parse_text(text, str(path))
    parsed = IncrementalParser().parse(text, str(path))
    if parsed is None:   # the full parser's word is taken: only where a piece has a syntax error
        assert full_module is None or any(d.is_error for d in full_diags) or not cut(text)
        return
    _, module, diags = parsed
    assert module == full_module and spans(module) == spans(full_module)
    assert _diagnostics(diags) == _diagnostics(full_diags)
    for mine, theirs in zip(module.declarations, full_module.declarations):
        assert (mine.comments.leading, mine.comments.trailing) == (theirs.comments.leading, theirs.comments.trailing)
    assert "".join(p.text for p in cut(text)) == text


def _edit(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:at] + rng.choice(["x", "-", " ", "\n", "{", "}", '"', "#", "1", "(", "tier "]) + text[at:]
    if kind < 0.8:
        return text[:at] + text[at + rng.randint(1, 3):]
    return text[:at] + rng.choice(["a", "_", "0", "\n"]) + text[at + 1:]


def test_after_random_edits_the_analysis_is_the_full_front_ends():
    """Each step edits a clean policy once (as a keystroke does) and the next step starts from
    the clean text again, so pieces are reused, moved and reparsed in every combination."""
    rng = random.Random(15)
    steps = size(600, 160)
    policies = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").glob("*.rsp"))]
    doc = Document("file:///edits.rsp", 0, "")
    pieces_used = 0
    for n in range(steps):
        base = policies[n % len(policies)]
        for text in (_edit(rng, base), base):
            doc.apply([Change(text)], doc.version + 1)
            pieces_used += IncrementalParser().parse(text, doc.path) is not None
            mine = doc.analyzed()
            full = load_text(text, doc.path)
            assert _diagnostics([_as_diagnostic(p) for p in mine.problems]) == _diagnostics(full.diagnostics), n
            assert mine.module == full.module and spans(mine.module) == spans(full.module), n
            assert (mine.policy is None) == (not full.ok), n
    assert pieces_used > steps   # most edits went through the incremental path


def _as_diagnostic(p):
    from rspdsl.diagnostics import Diagnostic, Severity
    from rspdsl.source import Location

    return Diagnostic(p.code, Severity(p.severity), p.message, p.span, p.hint,
                      tuple(Location(n.span, n.message) for n in p.related))


def test_ranged_changes_are_counted_in_utf16_units():
    text = 'policy "p"\naction deploy "rocket \U0001f680 launch"\n'
    doc = Document("file:///u.rsp", 1, text)
    # replace `launch` (after the emoji, which is two UTF-16 units) with `lift`
    line = text.split("\n")[1]
    start = len(line[:line.index("launch")].encode("utf-16-le")) // 2
    doc.apply([Change("lift", ((1, start), (1, start + len("launch"))))], 2)
    assert doc.text == text.replace("launch", "lift") and doc.version == 2
    doc.apply([Change("#", ((9, 0), (9, 5)))], 3)   # past the end: clamped to it
    assert doc.text.endswith("\n#")


def test_an_analysis_from_pieces_checks_like_the_api():
    text = (ROOT / "policies" / "gdm-fsf-v3.rsp").read_text(encoding="utf-8")
    parser = IncrementalParser()
    analyze(text, "gdm.rsp", parser)
    again = analyze(text.replace("tier Alert", "tier Alerted"), "gdm.rsp", parser)
    full = load_text(text.replace("tier Alert", "tier Alerted"), "gdm.rsp")
    assert again.policy is not None and full.policy is not None
    assert [t.name for t in again.policy.tiers] == [t.name for t in full.policy.tiers]
    assert again.policy.requirements == full.policy.requirements
