"""Shared by the pytest-lsp suites: how to start `rspdsl lsp`, open a policy, and wait for what
the server sends (diagnostics, proof status) without sleeping for fixed times."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
SERVER = [sys.executable, "-m", "rspdsl", "lsp"]


def make_client() -> LanguageClient:
    """pytest-lsp's test client, which also records each publishDiagnostics' document version and
    every rspdsl/proofStatus notification."""
    from pygls.protocol import default_converter

    client = LanguageClient(converter_factory=default_converter)
    client.published_versions = {}  # type: ignore[attr-defined]
    client.proof_statuses = []  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published_versions[params.uri] = params.version  # type: ignore[attr-defined]

    def status(client: LanguageClient, params) -> None:
        client.proof_statuses.append(_plain(params))  # type: ignore[attr-defined]

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                                   "rspdsl/proofStatus": status})
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=make_client)
WAIT = 60.0   # generous: the machine may be busy; every wait ends as soon as its message arrives


def capabilities() -> lsp.ClientCapabilities:
    return lsp.ClientCapabilities(
        text_document=lsp.TextDocumentClientCapabilities(
            hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
            document_symbol=lsp.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True),
            publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(related_information=True)),
        general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf16]))


async def start(client: LanguageClient, **options: int) -> None:
    await client.initialize_session(lsp.InitializeParams(capabilities=capabilities(),
                                                         initialization_options=dict(options)))


def _plain(params) -> dict:
    """A custom notification's params: pygls gives an object with the JSON keys as attributes."""
    if isinstance(params, dict):
        return params
    return {k: getattr(params, k) for k in ("uri", "version", "state", "proved", "violated", "unknown")
            if hasattr(params, k)}


def uri_of(name: str) -> str:
    return (POLICIES / name).as_uri()


async def open_text(client: LanguageClient, uri: str, text: str, version: int = 1) -> list[lsp.Diagnostic]:
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(lsp.TextDocumentItem(uri, "rsp", version, text)))
    return await diagnostics_for(client, uri, version)


async def diagnostics_for(client: LanguageClient, uri: str, version: int, *,
                          prover: bool | None = None) -> list[lsp.Diagnostic]:
    """The diagnostics published for `version` of the document (with prover results, when
    `prover` is True; without, when False)."""
    async def arrived() -> list[lsp.Diagnostic]:
        while True:
            got = client.diagnostics.get(uri)
            published = getattr(client, "published_versions", {}).get(uri)
            if got is not None and published == version:
                has_proofs = any(d.source == "rspdsl prover" for d in got)
                if prover is None or prover == has_proofs:
                    return list(got)
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return await asyncio.wait_for(arrived(), WAIT)


async def proof_status(client: LanguageClient, uri: str, version: int, state: str) -> dict:
    async def arrived() -> dict:
        while True:
            for s in client.proof_statuses:  # type: ignore[attr-defined]
                if s.get("uri") == uri and s.get("version") == version and s.get("state") == state:
                    return s
            await client.wait_for_notification("rspdsl/proofStatus")
    return await asyncio.wait_for(arrived(), WAIT)


def replace(line: int, start: int, end: int, text: str) -> lsp.TextDocumentContentChangePartial:
    """A ranged change on one line (0-based line and characters)."""
    return lsp.TextDocumentContentChangePartial(
        range=lsp.Range(lsp.Position(line, start), lsp.Position(line, end)), text=text)


def change(client: LanguageClient, uri: str, version: int, *changes) -> None:
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=uri, version=version), list(changes)))


def position_of(text: str, needle: str, line_hint: str | None = None, offset: int = 0) -> lsp.Position:
    """The LSP position of `needle` (on the first line containing `line_hint`, if given)."""
    for number, line in enumerate(text.splitlines()):
        if (line_hint is None or line_hint in line) and needle in line:
            return lsp.Position(number, line.index(needle) + offset)
    raise AssertionError(f"{needle!r} not found")


async def send_raw(client: LanguageClient, body: str, msg_id: str | None = None):
    """Write one framed message exactly as given (the typed client cannot send malformed params);
    with `msg_id`, wait for the answer to it and return its error (a JsonRpcException) or result."""
    from concurrent.futures import Future

    future: Future | None = None
    if msg_id is not None:
        future = Future()
        client.protocol._request_futures[msg_id] = future
    data = f"Content-Length: {len(body.encode('utf-8'))}\r\n\r\n{body}".encode()
    written = client.protocol.writer.write(data)
    if asyncio.iscoroutine(written) or isinstance(written, asyncio.Future):
        await written
    if future is None:
        return None
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), WAIT)
    except Exception as exc:  # noqa: BLE001 - the error answer is what the caller checks
        return exc
