"""The language server under stress, end to end over stdio: a stale proof is cancelled when the
text changes, malformed requests get error answers while the server keeps serving, and without
pygls `rspdsl lsp` explains how to install it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    CONFIG,
    change,
    diagnostics_for,
    open_text,
    position_of,
    proof_status,
    replace,
    send_raw,
    start,
)
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from rspdsl import cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import generate  # noqa: E402

LADDER = generate.generate(40)   # its proof takes seconds: long enough to be caught in progress


@pytest_lsp.fixture(config=CONFIG)
async def eager(lsp_client: LanguageClient):
    """A server that starts proving as soon as a text stops changing (no idle pause)."""
    await start(lsp_client, proofDelayMs=0, diagnosticDelayMs=0)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_change_cancels_the_proof_of_the_older_text(eager: LanguageClient):
    uri = "file:///work/ladder-40.rsp"
    await open_text(eager, uri, LADDER)
    await proof_status(eager, uri, 1, "started")
    change(eager, uri, 2, replace(0, 0, 0, "# edited\n"))
    cancelled = await proof_status(eager, uri, 1, "cancelled")
    assert cancelled["proved"] == cancelled["violated"] == 0
    done = await proof_status(eager, uri, 2, "done")         # the new text is proved in its place
    assert done["proved"] > 0
    states = [(s["version"], s["state"]) for s in eager.proof_statuses]  # type: ignore[attr-defined]
    assert (1, "done") not in states
    assert states.index((1, "cancelled")) < states.index((2, "done"))


@pytest.mark.asyncio
async def test_proofs_start_after_an_idle_pause_and_a_closed_file_is_forgotten(eager: LanguageClient):
    uri = "file:///work/idle.rsp"
    text = (Path(__file__).resolve().parent.parent / "policies" / "openai-preparedness-v2.rsp").read_text("utf-8")
    await open_text(eager, uri, text)
    done = await proof_status(eager, uri, 1, "done")
    diagnostics = await diagnostics_for(eager, uri, 1, prover=done["violated"] + done["unknown"] > 0)
    assert len([d for d in diagnostics if d.source == "rspdsl prover"]) == done["violated"] + done["unknown"]
    eager.text_document_did_close(lsp.DidCloseTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
    await eager.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert not eager.diagnostics[uri]
    hover = await eager.text_document_hover_async(lsp.HoverParams(
        lsp.TextDocumentIdentifier(uri), position_of(text, "deploy", "action deploy")))
    assert hover is None


@pytest.mark.asyncio
async def test_malformed_requests_are_answered_with_errors_and_the_server_keeps_running(eager: LanguageClient):
    uri = "file:///work/alive.rsp"
    text = (Path(__file__).resolve().parent.parent / "policies" / "gdm-fsf-v3.rsp").read_text("utf-8")
    await open_text(eager, uri, text)
    bad = await send_raw(eager, json.dumps({"jsonrpc": "2.0", "id": "bad-1", "method": "textDocument/hover",
                                            "params": {"textDocument": 5, "position": "top"}}), "bad-1")
    assert isinstance(bad, JsonRpcException) and bad.code == -32602       # invalid params
    await send_raw(eager, "{this is not json")                             # no id to answer: ignored
    with pytest.raises(JsonRpcException) as unknown:
        await eager.protocol.send_request_async("rspdsl/noSuchMethod", {})
    assert unknown.value.code == -32601          # method not found
    with pytest.raises(JsonRpcException, match="takes \\(uri, property, subject\\)"):
        await eager.workspace_execute_command_async(lsp.ExecuteCommandParams("rspdsl.showWitness", [1]))
    far = lsp.Position(10_000, 10_000)           # past the end of the file: no answer, no error
    assert await eager.text_document_hover_async(lsp.HoverParams(lsp.TextDocumentIdentifier(uri), far)) is None
    hover = await eager.text_document_hover_async(lsp.HoverParams(
        lsp.TextDocumentIdentifier(uri), position_of(text, "security_level", "control security_level")))
    assert hover is not None and "security_level" in hover.contents.value


def test_without_pygls_the_command_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pygls", None)
    from rspdsl.commands import lsp as command

    monkeypatch.setattr(command.importlib.util, "find_spec", lambda name: None if name == "pygls" else object())
    assert cli.main(["lsp"]) == 2
    err = capsys.readouterr().err
    assert "needs the optional package `pygls`" in err and 'pip install "rspdsl[lsp]"' in err
    assert "Traceback" not in err
