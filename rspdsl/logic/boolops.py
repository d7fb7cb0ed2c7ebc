"""The Boolean connectives the encoder builds, made with Z3's C API directly.

`z3.And`, `z3.Or`, `z3.Not` and `z3.Implies` look for probes and contexts and cast every argument
to the Boolean sort, several Python calls per argument: on the corpus that was a third of an
editor proof's time. The encoder only ever joins Z3 Booleans of one context; for those these
functions make the very same Z3 term (`Z3_mk_and`, ...) after one isinstance check per argument.
Anything else (a Python bool, a probe, mixed contexts) goes to z3's own function, which converts
it or raises as it always did.
"""
from __future__ import annotations

from typing import Any

import z3
from z3 import z3core

_BOOL = z3.BoolRef


def _context(args: tuple[Any, ...]) -> Any:
    """The one context of `args` when every one is a Z3 Boolean term of it, else None."""
    if not args:
        return None
    ctx = None
    for a in args:
        if not isinstance(a, _BOOL):
            return None
        if ctx is None:
            ctx = a.ctx
        elif a.ctx is not ctx:
            return None
    return ctx


def _array(args: tuple[Any, ...]) -> Any:
    out = (z3.Ast * len(args))()
    for i, a in enumerate(args):
        out[i] = a.as_ast()
    return out


def And(*args: Any) -> Any:  # noqa: N802 - the name z3 gives it
    ctx = _context(args)
    if ctx is None:
        return z3.And(*args)
    return _BOOL(z3core.Z3_mk_and(ctx.ref(), len(args), _array(args)), ctx)


def Or(*args: Any) -> Any:  # noqa: N802
    ctx = _context(args)
    if ctx is None:
        return z3.Or(*args)
    return _BOOL(z3core.Z3_mk_or(ctx.ref(), len(args), _array(args)), ctx)


def Not(a: Any) -> Any:  # noqa: N802
    if not isinstance(a, _BOOL):
        return z3.Not(a)
    return _BOOL(z3core.Z3_mk_not(a.ctx.ref(), a.as_ast()), a.ctx)


def Implies(a: Any, b: Any) -> Any:  # noqa: N802
    ctx = _context((a, b))
    if ctx is None:
        return z3.Implies(a, b)
    return _BOOL(z3core.Z3_mk_implies(ctx.ref(), a.as_ast(), b.as_ast()), ctx)
