"""The front end as one call: bytes on disk -> checked Policy, or every diagnostic found."""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, error
from .source import SourceFile, Span

if TYPE_CHECKING:  # annotations only: importing the AST and model costs start-up time
    from .semantics.model import Policy
    from .syntax import ast

MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class LoadResult:
    source: SourceFile
    module: ast.Module | None
    policy: Policy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.policy is not None and not any(d.is_error for d in self.diagnostics)


@contextmanager
def _tree_work():
    """The conditions for walking parse trees: GC paused, and recursion headroom for long chains."""
    from .syntax.parser import recursion_headroom

    with _gc_paused(), recursion_headroom():
        yield


@contextmanager
def _gc_paused():
    """Pause the cyclic GC while building trees: the parser allocates millions of objects and no
    cycles, and repeated full collections over them made a 5 MB policy take minutes, not seconds."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_text(text: str, path: str = "<string>") -> tuple[SourceFile, ast.Module | None, list[Diagnostic]]:
    """Syntax only: the AST (with comments attached) or syntax diagnostics."""
    from .syntax.lower import lower
    from .syntax.parser import parse_tree

    source = SourceFile(path, text)
    with _tree_work():
        tree, diags = parse_tree(source)
        if tree is None:
            return source, None, diags
        module, lower_diags = lower(source, tree)
    return source, module, lower_diags


def load_text(text: str, path: str = "<string>") -> LoadResult:
    from .semantics.resolve import resolve

    source, module, diags = parse_text(text, path)
    # a repeated modifier (E0017) leaves a sound AST, so names and types are still checked
    if module is None or any(d.is_error and d.code != "E0017" for d in diags):
        return LoadResult(source, module, None, diags)
    with _tree_work():
        policy, more = resolve(source, module)
    return LoadResult(source, module, policy, diags + more)


def read_source(path: str) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or an E0001/E0002 diagnostic explaining why it cannot be used."""
    here = Span(1, 1, 1, 1)
    if os.path.isdir(path):
        return None, error("E0001", f"`{path}` is a directory, not a policy file", here,
                           hint=f"pass the files, e.g. `{os.path.join(path, '*.rsp')}`")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, error("E0001", f"no such file `{path}`", here)
    except OSError as exc:
        return None, error("E0001", f"cannot read `{path}`: {exc.strerror or exc}", here)
    if len(data) > MAX_FILE_BYTES:
        return None, error("E0001", f"`{path}` is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", here)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, error("E0002", f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                           Span(line, column, line, column + 1, exc.start, exc.start + 1),
                           hint="save the policy as UTF-8")
    if text.startswith("\ufeff"):
        text = text[1:]  # a UTF-8 byte-order mark carries no meaning
    return text, None


def load_file(path: str) -> LoadResult:
    text, problem = read_source(path)
    if text is None:  # read_source gives the text or the problem, never both
        assert problem is not None
        return LoadResult(SourceFile(path, ""), None, None, [problem])
    return load_text(text, path)
