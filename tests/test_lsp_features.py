"""The language server end to end over stdio (pytest-lsp): every feature on a shipped policy.

One server serves the whole module; each test opens its own document URI. Proofs wait for an
explicit save (proofDelayMs is an hour), so the front-end tests see no prover diagnostics.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    CONFIG,
    POLICIES,
    change,
    diagnostics_for,
    open_text,
    position_of,
    proof_status,
    replace,
    start,
    uri_of,
)
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

import rspdsl
from rspdsl.commands.fmt import format_text
from rspdsl.render.results_text import value_text
from rspdsl.state import dumps_exact

pytestmark = pytest.mark.asyncio(loop_scope="module")

ANTHROPIC = (POLICIES / "anthropic-rsp-v2.2.rsp").read_text(encoding="utf-8")
GDM = (POLICIES / "gdm-fsf-v3.rsp").read_text(encoding="utf-8")
# State witnesses: a language-v1 policy (the shipped Anthropic file reads history since issue 12, and
# the server's ProofJob proves over extended states, whose witnesses are not runs: reported).
V1_POLICY = (Path(__file__).parent / "lsp_fixtures" / "anthropic-rsp-v2.2-language-v1.rsp").read_text(encoding="utf-8")


@pytest_lsp.fixture(scope="module", config=CONFIG)
async def client(lsp_client: LanguageClient):
    await start(lsp_client, proofDelayMs=3_600_000)
    yield
    await lsp_client.shutdown_session()


def _doc(uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri)


async def test_a_shipped_policy_opens_without_errors(client: LanguageClient):
    diagnostics = await open_text(client, uri_of("anthropic-rsp-v2.2.rsp"), ANTHROPIC)
    assert not [d for d in diagnostics if d.severity == lsp.DiagnosticSeverity.Error]


async def test_an_edit_introduces_an_error_its_quick_fix_repairs(client: LanguageClient):
    uri = "file:///work/edit-then-fix.rsp"
    await open_text(client, uri, ANTHROPIC)
    at = position_of(ANTHROPIC, "CBRN-3", line_hint="tier ASL-3")
    change(client, uri, 2, replace(at.line, at.character, at.character + len("CBRN-3"), "CBRN3"))
    broken = await diagnostics_for(client, uri, 2)
    [error] = [d for d in broken if d.code == "E0103"]
    assert error.range == lsp.Range(at, lsp.Position(at.line, at.character + len("CBRN3")))
    assert "unknown name `CBRN3`" in error.message and "did you mean `CBRN-3`?" in error.message

    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        _doc(uri), error.range, lsp.CodeActionContext(diagnostics=[error])))
    [fix] = actions
    assert fix.kind == lsp.CodeActionKind.QuickFix and fix.title == "Replace `CBRN3` with `CBRN-3`"
    [edit] = fix.edit.changes[uri]
    change(client, uri, 3, lsp.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text))
    fixed = await diagnostics_for(client, uri, 3)
    assert not [d for d in fixed if d.severity == lsp.DiagnosticSeverity.Error]


async def test_a_syntax_error_is_reported_while_typing(client: LanguageClient):
    uri = "file:///work/typing.rsp"
    await open_text(client, uri, ANTHROPIC)
    at = position_of(ANTHROPIC, "tier ASL-4")
    change(client, uri, 2, replace(at.line, 0, 0, "tier {\n"))
    diagnostics = await diagnostics_for(client, uri, 2)
    assert any(d.code == "E0011" and d.range.start.line == at.line for d in diagnostics)


async def test_hover_shows_a_thresholds_declaration_condition_and_source_notes(client: LanguageClient):
    uri = uri_of("anthropic-rsp-v2.2.rsp")
    await open_text(client, uri, ANTHROPIC)
    at = position_of(ANTHROPIC, "CBRN-3", line_hint="tier ASL-3", offset=2)
    hover = await client.text_document_hover_async(lsp.HoverParams(_doc(uri), at))
    text = hover.contents.value
    assert text.startswith("**threshold** `CBRN-3`")
    assert "not cbrn3_ruled_out" in text                         # its `when`
    assert "Section 2 / Appendix C, CBRN-3" in text             # the citation above it
    assert hover.range.start == position_of(ANTHROPIC, "CBRN-3", line_hint="tier ASL-3")


async def test_hover_on_a_tier_lists_its_when_and_active_requirements(client: LanguageClient):
    uri = uri_of("anthropic-rsp-v2.2.rsp")
    await open_text(client, uri, ANTHROPIC)
    hover = await client.text_document_hover_async(lsp.HoverParams(_doc(uri), position_of(ANTHROPIC, "ASL-3", "tier ASL-3")))
    text = hover.contents.value
    assert "*Holds when:*\n```rsp\nCBRN-3 or AI-RD-4\n```" in text
    assert "- require asl3\\_security for train, deploy, deploy\\_internal (from ASL-3)" in text   # ASL-3's own
    assert "(from ASL-2)" in text                                            # inherited from below
    assert "(from ASL-4)" not in text


async def test_hover_on_a_metric_gives_bounds_unit_description_and_authority(client: LanguageClient):
    uri = uri_of("anthropic-rsp-v2.2.rsp")
    await open_text(client, uri, ANTHROPIC)
    metric = await client.text_document_hover_async(lsp.HoverParams(
        _doc(uri), position_of(ANTHROPIC, "effective_compute", "metric effective_compute")))
    assert "in \\[0, 1e9\\] unit x\\_effective\\_compute" in metric.contents.value
    assert "*Decided by:* anthropic" in metric.contents.value                # language v2: `by`
    judgement = await client.text_document_hover_async(lsp.HoverParams(
        _doc(uri), position_of(ANTHROPIC, "cbrn3_ruled_out", "judgement cbrn3_ruled_out")))
    assert "*Decided by:* ceo\\_rso" in judgement.contents.value


async def test_definition_references_and_rename(client: LanguageClient):
    uri = uri_of("anthropic-rsp-v2.2.rsp")
    await open_text(client, uri, ANTHROPIC)
    use = position_of(ANTHROPIC, "CBRN-3", line_hint="tier ASL-3")
    [where] = [await client.text_document_definition_async(lsp.DefinitionParams(_doc(uri), use))]
    assert where.range.start == position_of(ANTHROPIC, "CBRN-3", line_hint="threshold CBRN-3")

    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=_doc(uri), position=use, context=lsp.ReferenceContext(include_declaration=True)))
    lines = ANTHROPIC.splitlines()
    assert len(refs) == sum(1 for line in lines for _ in _words(line, "CBRN-3"))
    assert all(lines[r.range.start.line][r.range.start.character:r.range.end.character] == "CBRN-3" for r in refs)

    prepared = await client.text_document_prepare_rename_async(lsp.PrepareRenameParams(_doc(uri), use))
    assert prepared.placeholder == "CBRN-3"
    edit = await client.text_document_rename_async(lsp.RenameParams(_doc(uri), use, "CBRN-level-3"))
    renamed = _apply(ANTHROPIC, edit.changes[uri])
    assert rspdsl.loads(renamed).thresholds.keys() >= {"CBRN-level-3"}
    assert renamed.count("CBRN-level-3") == len(refs)


async def test_rename_to_a_taken_or_reserved_name_is_refused(client: LanguageClient):
    uri = uri_of("anthropic-rsp-v2.2.rsp")
    await open_text(client, uri, ANTHROPIC)
    use = position_of(ANTHROPIC, "CBRN-3", line_hint="tier ASL-3")
    for bad, why in (("CBRN-4", "already declared"), ("tier", "reserved word"), ("3x", "not a name")):
        with pytest.raises(Exception, match=why):
            await client.text_document_rename_async(lsp.RenameParams(_doc(uri), use, bad))


async def test_document_symbols_outline_the_ladder(client: LanguageClient):
    uri = uri_of("anthropic-rsp-v2.2.rsp")
    await open_text(client, uri, ANTHROPIC)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(_doc(uri)))
    tiers = [s for s in symbols if s.kind == lsp.SymbolKind.Namespace]
    assert [t.name for t in tiers] == ["ASL-2", "ASL-3", "ASL-4"]
    assert tiers[1].detail == "tier when CBRN-3 or AI-RD-4"
    assert [c.name for c in tiers[1].children] == ["require asl3_security"]
    assert symbols[0].kind == lsp.SymbolKind.File and symbols[0].name == "Anthropic Responsible Scaling Policy"


async def test_completion_offers_scale_values_after_a_comparison(client: LanguageClient):
    uri = uri_of("gdm-fsf-v3.rsp")
    await open_text(client, uri, GDM)
    after = position_of(GDM, "sl2", line_hint="recommend security_level >= sl2")
    items = await client.text_document_completion_async(lsp.CompletionParams(_doc(uri), after))
    assert [i.label for i in items.items] == ["sl0", "sl1", "sl2", "sl3", "sl4", "sl5"]


async def test_completion_offers_keywords_in_context_and_declared_names(client: LanguageClient):
    uri = "file:///work/completing.rsp"
    await open_text(client, uri, GDM)
    inside = position_of(GDM, "require risk_assessment", line_hint="require risk_assessment")
    in_tier = await client.text_document_completion_async(lsp.CompletionParams(_doc(uri), inside))
    assert [i.label for i in in_tier.items] == ["require"]
    top = lsp.Position(len(GDM.splitlines()), 0)   # a new line at the end of the file
    at_top = await client.text_document_completion_async(lsp.CompletionParams(_doc(uri), top))
    assert {"metric", "tier", "assert", "permit"} <= {i.label for i in at_top.items}
    when = position_of(GDM, "when alert", line_hint="tier Alert", offset=len("when "))
    names = await client.text_document_completion_async(lsp.CompletionParams(_doc(uri), when))
    labels = {i.label for i in names.items}
    assert {"alert", "cbrn_alert", "security_level", "and", "not"} <= labels and "deploy" not in labels
    action = position_of(GDM, "deploy", line_hint="recommend response_plan for train, deploy")
    actions = await client.text_document_completion_async(lsp.CompletionParams(_doc(uri), action))
    assert [i.label for i in actions.items] == ["train", "deploy", "deploy_internal", "release_weights", "update_framework"]


async def test_formatting_gives_the_canonical_text(client: LanguageClient):
    uri = "file:///work/messy.rsp"
    messy = GDM.replace("tier Alert ", "tier   Alert ").replace("{ sl0, sl1", "{sl0,sl1")
    assert format_text(messy).changed
    await open_text(client, uri, messy)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        _doc(uri), lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    formatted = _apply(messy, edits)
    assert formatted == format_text(messy).text and not format_text(formatted).changed


async def test_formatting_a_broken_file_is_refused_with_the_reason(client: LanguageClient):
    uri = "file:///work/broken-fmt.rsp"
    await open_text(client, uri, "policy \"x\"\nmetric m in [0, 1\n")
    with pytest.raises(Exception, match="cannot format: E0013"):
        await client.text_document_formatting_async(lsp.DocumentFormattingParams(
            _doc(uri), lsp.FormattingOptions(tab_size=2, insert_spaces=True)))


async def test_after_a_save_proofs_give_violations_with_witnesses_and_lenses(client: LanguageClient):
    uri = "file:///work/proved.rsp"
    await open_text(client, uri, V1_POLICY)
    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(_doc(uri)))
    assert {lens.command.title for lens in lenses} == {"proving…"}

    client.text_document_did_save(lsp.DidSaveTextDocumentParams(_doc(uri)))
    status = await proof_status(client, uri, 1, "done")
    expected = rspdsl.check(rspdsl.loads(V1_POLICY), timeout_ms=2_000)
    assert status["violated"] == sum(r.status == "violated" for r in expected.results)

    diagnostics = await diagnostics_for(client, uri, 1, prover=True)
    proofs = [d for d in diagnostics if d.source == "rspdsl prover"]
    assert len(proofs) == status["violated"] + status["unknown"]
    violated_assert = next(d for d in proofs if d.code == "assert:no-training-without-required-security")
    notes = [r.message for r in violated_assert.related_information if r.message.startswith("witness: ")]
    [same] = [r for r in expected.results if r.property == violated_assert.code]
    assert notes == [f"witness: {k} = {value_text(v)}" for k, v in same.witness.state.items()]

    lenses = await client.text_document_code_lens_async(lsp.CodeLensParams(_doc(uri)))
    titles = {V1_POLICY.splitlines()[lens.range.start.line].split()[1]: lens.command for lens in lenses}
    assert titles["no-training-without-required-security"].title == "violated (1 of 1) — show witness"
    assert titles["no-weights-at-asl3"].title == "proved"
    assert titles["ASL-3"].title.startswith("violated (")
    witness_lens = titles["no-training-without-required-security"]
    witness = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        witness_lens.command, witness_lens.arguments))
    assert witness == dumps_exact(same.witness.to_json(), indent=2)
    decision = rspdsl.evaluate(rspdsl.loads(V1_POLICY), json.loads(witness)["state"])   # it replays
    assert decision.assertions["no-training-without-required-security"] is False


def _words(line: str, word: str):
    """Occurrences of the name `word` in code (not in strings or comments)."""
    import re

    code = re.sub(r'"([^"\\\n]|\\.)*"', lambda m: " " * len(m.group(0)), line).split("#")[0]
    return re.finditer(rf"(?<![A-Za-z0-9_-]){re.escape(word)}(?![A-Za-z0-9_]|-[A-Za-z0-9_])", code)


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p: lsp.Position) -> int:
        return min(starts[p.line] + p.character, len(text)) if p.line < len(lines) else len(text)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[:offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text
