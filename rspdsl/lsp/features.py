"""The LSP requests and notifications, each a thin handler over rspdsl.lsp's plain features."""
from __future__ import annotations

import functools
import os
import sys
import traceback
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInternalError

from ..render.editor import fix_title, hover_markdown, lens_title
from . import completion, convert, navigation
from .documents import Document
from .hover import hover_at
from .lenses import fixes, lenses
from .server import PROOF_STATUS, SHOW_WITNESS, RspServer, Settings, changes_of

REQUEST_FAILED = -32803   # LSP's RequestFailed: a valid request the server cannot carry out


def _guarded(handler):
    """A request handler that never answers with a traceback: an unexpected exception becomes an
    E0900 error response (RSPDSL_DEBUG=1 prints the traceback on stderr), and the server goes on."""
    @functools.wraps(handler)
    def run(ls: RspServer, params: Any):
        try:
            return handler(ls, params)
        except JsonRpcException:
            raise
        except Exception as exc:
            if os.environ.get("RSPDSL_DEBUG"):
                traceback.print_exc(file=sys.stderr)
            raise JsonRpcInternalError(f"rspdsl: E0900 internal error: {type(exc).__name__}: {exc}") from None
    return run


def _doc(ls: RspServer, uri: str) -> Document | None:
    return ls.document(uri)


def register(server: RspServer) -> None:
    @server.feature(lsp.INITIALIZE)
    def initialize(ls: RspServer, params: lsp.InitializeParams) -> None:
        ls.settings = Settings.from_options(params.initialization_options)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RspServer, params: lsp.DidOpenTextDocumentParams) -> None:
        d = params.text_document
        ls.opened(d.uri, d.version, d.text)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RspServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri, params.text_document.version, changes_of(params))

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RspServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _doc(ls, uri) is None:
            return
        ls.forget(uri)      # any debounced update is made now, and the proof starts at once
        ls.publish(uri)
        ls.prove(uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RspServer, params: lsp.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    @_guarded
    def hover(ls: RspServer, params: lsp.HoverParams) -> lsp.Hover | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        found = hover_at(doc.analyzed(), *ls.caret(doc, params.position))
        if found is None:
            return None
        facts, span = found
        return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, hover_markdown(facts)),
                         convert.to_range(doc, span, ls.encoding))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    @_guarded
    def definition(ls: RspServer, params: lsp.DefinitionParams) -> lsp.Location | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        span = navigation.definition(doc.analyzed().index, *ls.caret(doc, params.position))
        return convert.location(doc, span, ls.encoding) if span is not None else None

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    @_guarded
    def references(ls: RspServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        spans = navigation.references(doc.analyzed().index, *ls.caret(doc, params.position),
                                      include_declaration=params.context.include_declaration)
        return [convert.location(doc, s, ls.encoding) for s in spans]

    @server.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
    @_guarded
    def prepare_rename(ls: RspServer, params: lsp.PrepareRenameParams) -> lsp.PrepareRenamePlaceholder | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        target = navigation.rename_target(doc.analyzed().index, *ls.caret(doc, params.position))
        if target is None:
            return None
        return lsp.PrepareRenamePlaceholder(convert.to_range(doc, target[1], ls.encoding), target[0])

    @server.feature(lsp.TEXT_DOCUMENT_RENAME)
    @_guarded
    def rename(ls: RspServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        try:
            spans = navigation.rename(doc.analyzed().index, *ls.caret(doc, params.position), params.new_name)
        except navigation.RenameRefused as exc:
            raise JsonRpcException(str(exc), REQUEST_FAILED) from None
        edits = [lsp.TextEdit(convert.to_range(doc, s, ls.encoding), params.new_name) for s in spans]
        return lsp.WorkspaceEdit(changes={doc.uri: edits})

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    @_guarded
    def document_symbols(ls: RspServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol] | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        return [convert.document_symbol(doc, s, ls.encoding) for s in navigation.outline(doc.analyzed())]

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" ", "(", ","]))
    @_guarded
    def complete(ls: RspServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        line, column = ls.caret(doc, params.position)
        analysis = doc.analyzed()
        index = analysis.index if analysis.index.declarations else (doc.last_clean or analysis).index
        offset = doc.line_starts[line - 1] + column - 1 if line <= len(doc.line_starts) else len(doc.text)
        prefix = doc.line_text(line)[:column - 1]
        items = completion.complete(index, prefix, in_tier=completion.in_tier_block(doc.text[:offset]))
        return lsp.CompletionList(is_incomplete=False, items=[convert.completion_item(i) for i in items])

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    @_guarded
    def formatting(ls: RspServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        from ..commands.fmt import format_text

        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        result = format_text(doc.text, doc.path)
        if result.text is None:
            first = result.diagnostics[0] if result.diagnostics else None
            reason = f"{first.code} {first.message}" if first else "the text does not parse"
            raise JsonRpcException(f"rspdsl fmt: cannot format: {reason}", REQUEST_FAILED)
        if not result.changed:
            return []
        end = lsp.Position(len(doc.line_starts), 0)
        return [lsp.TextEdit(lsp.Range(lsp.Position(0, 0), end), result.text)]

    @server.feature(lsp.TEXT_DOCUMENT_CODE_LENS)
    @_guarded
    def code_lens(ls: RspServer, params: lsp.CodeLensParams) -> list[lsp.CodeLens] | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        version, findings = ls.findings.get(doc.uri, (None, None))
        current = findings if version == doc.version else None
        out = []
        for lens in lenses(doc.analyzed(), current):
            witness = lens.witness
            command = lsp.Command(title=lens_title(list(lens.findings), lens.pending),
                                  command=SHOW_WITNESS if witness is not None else "",
                                  arguments=[doc.uri, witness.property, witness.subject] if witness is not None else None)
            out.append(lsp.CodeLens(convert.to_range(doc, lens.span, ls.encoding), command))
        return out

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
    @_guarded
    def code_action(ls: RspServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
        doc = _doc(ls, params.text_document.uri)
        if doc is None:
            return None
        r = params.range
        out = []
        for fix in fixes(doc.analyzed().problems, doc.text, r.start.line + 1, r.end.line + 1):
            rng = convert.to_range(doc, fix.span, ls.encoding)
            matching = [d for d in params.context.diagnostics if d.range == rng]
            out.append(lsp.CodeAction(fix_title(fix.title_old, fix.new_text), kind=lsp.CodeActionKind.QuickFix,
                                      diagnostics=matching or None, is_preferred=True,
                                      edit=lsp.WorkspaceEdit(changes={doc.uri: [lsp.TextEdit(rng, fix.new_text)]})))
        return out

    @server.command(SHOW_WITNESS)
    def show_witness(ls: RspServer, *args: Any) -> str | None:
        """Arguments: the document URI, a finding's property and subject. Returns the witness in
        STATE.json form (exact numbers), or null when the finding is gone (the text changed)."""
        if len(args) != 3 or not all(isinstance(a, str) for a in args):
            raise JsonRpcException(f"{SHOW_WITNESS} takes (uri, property, subject)", -32602)
        uri, prop, subject = args
        doc = _doc(ls, uri)
        version, findings = ls.findings.get(uri, (None, []))
        if doc is None or version != doc.version:
            return None
        return next((f.witness_text for f in findings if f.property == prop and f.subject == subject), None)


__all__ = ["register", "PROOF_STATUS"]
