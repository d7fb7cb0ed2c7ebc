"""Plain records of rspdsl.lsp to lsprotocol types: spans to ranges in the negotiated position
units, problems and findings to diagnostics, outline symbols, completion items."""
from __future__ import annotations

from lsprotocol import types as lsp

from ..render.editor import finding_message, problem_message, witness_note
from ..source import Span
from .adapter import Finding, Problem
from .completion import Item
from .documents import Document
from .index import SymbolIndex
from .navigation import Symbol
from .positions import to_lsp

SOURCE = "rspdsl"


def to_range(doc: Document, span: Span, encoding: str) -> lsp.Range:
    line, char = to_lsp(doc.line_text(span.line), span.line, span.column, encoding)
    end_line, end_char = to_lsp(doc.line_text(span.end_line), span.end_line, span.end_column, encoding)
    return lsp.Range(lsp.Position(max(line, 0), char), lsp.Position(max(end_line, 0), end_char))


def location(doc: Document, span: Span, encoding: str) -> lsp.Location:
    return lsp.Location(doc.uri, to_range(doc, span, encoding))


_SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
             "note": lsp.DiagnosticSeverity.Information}


def problem_diagnostic(doc: Document, p: Problem, encoding: str) -> lsp.Diagnostic:
    related = [lsp.DiagnosticRelatedInformation(location(doc, n.span, encoding), n.message) for n in p.related]
    return lsp.Diagnostic(to_range(doc, p.span, encoding), problem_message(p),
                          severity=_SEVERITY.get(p.severity, lsp.DiagnosticSeverity.Error), code=p.code,
                          source=SOURCE, related_information=related or None,
                          data={"replacement": p.replacement} if p.replacement else None)


def finding_diagnostic(doc: Document, f: Finding, index: SymbolIndex, encoding: str) -> lsp.Diagnostic:
    """A violated or unknown proof result; its witness values are related information, each
    pointing at the variable's declaration."""
    assert f.span is not None
    related = [lsp.DiagnosticRelatedInformation(location(doc, n.span, encoding), n.message) for n in f.related]
    for w in f.witness_values:  # each at its variable's or act's declaration; a day at the finding
        decl = index.declarations.get(w.name) if w.name else None
        related.append(lsp.DiagnosticRelatedInformation(
            location(doc, decl.span if decl is not None else f.span, encoding), witness_note(w)))
    severity = (lsp.DiagnosticSeverity.Information if f.status == "unknown"
                else _SEVERITY.get(f.severity, lsp.DiagnosticSeverity.Error))
    return lsp.Diagnostic(to_range(doc, f.span, encoding), finding_message(f), severity=severity, code=f.property,
                          source=f"{SOURCE} prover", related_information=related or None)


_SYMBOL_KINDS = {
    "policy": lsp.SymbolKind.File, "scale": lsp.SymbolKind.Enum, "scale value": lsp.SymbolKind.EnumMember,
    "metric": lsp.SymbolKind.Variable, "control": lsp.SymbolKind.Variable, "judgement": lsp.SymbolKind.Boolean,
    "safeguard": lsp.SymbolKind.Boolean, "action": lsp.SymbolKind.Function, "threshold": lsp.SymbolKind.Constant,
    "tier": lsp.SymbolKind.Namespace, "requirement": lsp.SymbolKind.Property, "rule": lsp.SymbolKind.Operator,
    "assert": lsp.SymbolKind.Event,
}


def document_symbol(doc: Document, s: Symbol, encoding: str) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(s.name, _SYMBOL_KINDS.get(s.kind, lsp.SymbolKind.Key), to_range(doc, s.span, encoding),
                              to_range(doc, s.selection, encoding), detail=f"{s.kind} {s.detail}".strip(),
                              children=[document_symbol(doc, c, encoding) for c in s.children] or None)


_ITEM_KINDS = {
    "keyword": lsp.CompletionItemKind.Keyword, "scale value": lsp.CompletionItemKind.EnumMember,
    "scale": lsp.CompletionItemKind.Enum, "action": lsp.CompletionItemKind.Function,
    "threshold": lsp.CompletionItemKind.Constant, "tier": lsp.CompletionItemKind.EnumMember,
}


def completion_item(item: Item) -> lsp.CompletionItem:
    return lsp.CompletionItem(item.label, kind=_ITEM_KINDS.get(item.kind, lsp.CompletionItemKind.Variable),
                              detail=f"{item.kind} {item.detail}".strip())
