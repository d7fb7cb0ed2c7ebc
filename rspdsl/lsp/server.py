"""`rspdsl lsp`: the pygls server. Handlers only translate between LSP and rspdsl.lsp's plain
features; the timing policy lives here:

- diagnostics (parse + check, no solver) after every change, debounced by `diagnosticDelayMs`
  (10 ms: a burst of keystrokes is analysed once);
- proofs after a save, or after `proofDelayMs` (750 ms) without a change, in the proof worker
  thread; a change cancels the proof of the older text (Z3 is interrupted) and drops its results;
- a `rspdsl/proofStatus` notification reports each proof's start and end (done, cancelled, failed).

Initialization options (all optional): diagnosticDelayMs, proofDelayMs, proofTimeoutMs.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from .. import __version__
from . import convert
from .adapter import Finding
from .documents import Change, Document, Documents
from .positions import UTF16, from_lsp
from .proofs import DEFAULT_TIMEOUT_MS, Outcome, ProofJob, ProofScheduler

SHOW_WITNESS = "rspdsl.showWitness"
PROOF_STATUS = "rspdsl/proofStatus"
PROOF_CACHE_SIZE = 8


@dataclass
class Settings:
    diagnostic_delay: float = 0.010
    proof_delay: float = 0.750
    proof_timeout_ms: int = DEFAULT_TIMEOUT_MS

    @classmethod
    def from_options(cls, options: Any) -> Settings:
        s = cls()
        if isinstance(options, dict):
            for key, attr, scale in (("diagnosticDelayMs", "diagnostic_delay", 1000), ("proofDelayMs", "proof_delay", 1000)):
                value = options.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 86_400_000:
                    setattr(s, attr, value / scale)
            value = options.get("proofTimeoutMs")
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                s.proof_timeout_ms = value
        return s


class _Ignored:
    """A message already answered while it was read: handle_message skips it (not JSON-RPC 2.0)."""
    jsonrpc = "answered"


class RspProtocol(LanguageServerProtocol):
    """pygls, except that a request whose params do not fit its method gets an error answer.

    pygls raises while reading such a message and drops it, so the client would wait forever;
    here the request is answered with InvalidParams and the server reads on."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data and isinstance(data["id"], (int, str)):
                self._send_response(data["id"], None, exc.to_response_error())
                return _Ignored()
            raise

    def _handle_notification(self, method_name: str, params: Any) -> None:
        """pygls files each notification's future (every keystroke's didChange) under a fresh id and
        never removes it: ~2 KB per edit that a long session never got back. Finished futures are
        dropped here; a request's own callback pops its entry (with a default), so none is lost."""
        super()._handle_notification(method_name, params)
        futures = self._request_futures
        for key in [k for k, f in futures.items() if f.done()]:
            del futures[key]


class RspServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("rspdsl", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=RspProtocol)
        self.docs = Documents()
        self.settings = Settings()
        self.scheduler = ProofScheduler()
        self.findings: dict[str, tuple[int, list[Finding]]] = {}        # uri -> (version, findings)
        self.proof_cache: OrderedDict[str, list[Finding]] = OrderedDict()  # text digest -> findings
        self._timers: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------ plumbing

    @property
    def encoding(self) -> str:
        chosen = self.protocol.workspace.position_encoding if self.protocol._workspace is not None else None
        return str(getattr(chosen, "value", chosen) or UTF16)

    def document(self, uri: str) -> Document | None:
        return self.docs.get(uri)

    def caret(self, doc: Document, position: lsp.Position) -> tuple[int, int]:
        return from_lsp(doc.line_text(position.line + 1), position.line, position.character, self.encoding)

    def later(self, uri: str, what: str, delay: float, action) -> None:
        key = (uri, what)
        if (timer := self._timers.pop(key, None)) is not None:
            timer.cancel()
        loop = self._loop or asyncio.get_running_loop()
        self._timers[key] = loop.call_later(delay, self._fire, key, action)

    def _fire(self, key: tuple[str, str], action) -> None:
        self._timers.pop(key, None)
        action()

    def forget(self, uri: str) -> None:
        for key in [k for k in self._timers if k[0] == uri]:
            self._timers.pop(key).cancel()

    # ------------------------------------------------------------ diagnostics

    def publish(self, uri: str) -> None:
        doc = self.document(uri)
        if doc is None:
            return
        analysis = doc.analyzed()
        enc = self.encoding
        diagnostics = [convert.problem_diagnostic(doc, p, enc) for p in analysis.problems]
        version, findings = self.findings.get(uri, (None, []))
        if version == doc.version:
            diagnostics += [convert.finding_diagnostic(doc, f, analysis.index, enc) for f in findings
                            if f.status != "proved" and f.span is not None]
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, diagnostics, version=doc.version))

    # ------------------------------------------------------------ proofs

    def prove(self, uri: str) -> None:
        doc = self.document(uri)
        if doc is None:
            return
        version, _ = self.findings.get(uri, (None, []))
        if version == doc.version:
            return  # this text is proved already
        analysis = doc.analyzed()
        if analysis.policy is None:
            return  # errors first: nothing to prove until the policy checks
        digest = hashlib.sha256(doc.text.encode("utf-8", "surrogatepass")).hexdigest()
        if digest in self.proof_cache:
            self.proof_cache.move_to_end(digest)
            self._proved(Outcome(uri, doc.version, self.proof_cache[digest]), digest)
            return
        loop = self._loop or asyncio.get_running_loop()
        job = ProofJob(analysis.policy, timeout_ms=self.settings.proof_timeout_ms)
        version = doc.version

        def started() -> None:
            loop.call_soon_threadsafe(self.status, uri, version, "started", None)

        def done(outcome: Outcome) -> None:
            loop.call_soon_threadsafe(self._proved, outcome, digest)

        self.scheduler.submit(uri, version, job, done, started)

    def status(self, uri: str, version: int, state: str, findings: list[Finding] | None) -> None:
        counts = {s: sum(1 for f in findings or () if f.status == s) for s in ("proved", "violated", "unknown")}
        self.protocol.notify(PROOF_STATUS, {"uri": uri, "version": version, "state": state, **counts})

    def _proved(self, outcome: Outcome, digest: str) -> None:
        doc = self.document(outcome.uri)
        if outcome.error is not None:
            self.window_log_message(lsp.LogMessageParams(
                lsp.MessageType.Error, f"rspdsl: E0900 internal error while proving: "
                f"{type(outcome.error).__name__}: {outcome.error}"))
            self.status(outcome.uri, outcome.version, "failed", None)
            return
        if outcome.findings is None or doc is None or doc.version != outcome.version:
            self.status(outcome.uri, outcome.version, "cancelled", None)
            return
        self.proof_cache[digest] = outcome.findings
        while len(self.proof_cache) > PROOF_CACHE_SIZE:
            self.proof_cache.popitem(last=False)
        self.findings[outcome.uri] = (outcome.version, outcome.findings)
        self.publish(outcome.uri)
        self.status(outcome.uri, outcome.version, "done", outcome.findings)
        workspace = self.client_capabilities.workspace
        if workspace is not None and workspace.code_lens is not None and workspace.code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    # ------------------------------------------------------------ document events

    def opened(self, uri: str, version: int, text: str) -> None:
        self._loop = asyncio.get_running_loop()
        self.docs.open(uri, version, text)
        self.publish(uri)
        self.later(uri, "prove", self.settings.proof_delay, lambda: self.prove(uri))

    def changed(self, uri: str, version: int, changes: list[Change]) -> None:
        doc = self.document(uri)
        if doc is None:
            return
        doc.apply(changes, version, self.encoding)
        self.findings.pop(uri, None)
        self.scheduler.cancel(uri)
        self.later(uri, "diagnose", self.settings.diagnostic_delay, lambda: self.publish(uri))
        self.later(uri, "prove", self.settings.proof_delay, lambda: self.prove(uri))

    def closed(self, uri: str) -> None:
        self.forget(uri)
        self.scheduler.cancel(uri)
        self.findings.pop(uri, None)
        self.docs.close(uri)
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))


def changes_of(params: lsp.DidChangeTextDocumentParams) -> list[Change]:
    out = []
    for c in params.content_changes:
        if isinstance(c, lsp.TextDocumentContentChangePartial):
            out.append(Change(c.text, ((c.range.start.line, c.range.start.character),
                                       (c.range.end.line, c.range.end.character))))
        else:
            out.append(Change(c.text))
    return out


def build_server() -> RspServer:
    server = RspServer()
    from . import features

    features.register(server)
    return server


def main() -> int:
    # pygls logs each failed request with its traceback; the client gets the error response
    # (and RSPDSL_DEBUG=1 shows rspdsl's own tracebacks), so its log stays quiet
    logging.getLogger("pygls").setLevel(logging.DEBUG if os.environ.get("RSPDSL_DEBUG") else logging.CRITICAL)
    server = build_server()
    # pygls closes its output stream on `exit`: give it a duplicate of stdout, so the console
    # script can still flush sys.stdout on the way out
    output = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    try:
        server.start_io(stdout=output)
    finally:
        server.scheduler.shutdown()
        if not output.closed:
            output.close()
    return 0 if server.protocol._shutdown else 1   # LSP: `exit` without `shutdown` first exits 1
