"""Each obligation as a standalone SMT-LIB2 file, so any SMT solver can re-check a verdict.

Every file asserts one formula that is satisfiable iff the obligation is VIOLATED (sat =
violated, unsat = proved), as its header says. Free constants are the state a model would give;
formulas that need quantifiers (consistency: ∃ inputs ∀ responses; reachability: "no state
reaches ...") carry them explicitly.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..render.escape import visible
from ..semantics.model import Policy
from .obligations import Obligation, ObligationSet, build_obligations

__all__ = ["SmtFile", "ForeignFileError", "SyncResult", "obligation_files", "obligation_smt2", "file_name",
           "write_files", "sync_directory"]


@dataclass(frozen=True)
class SmtFile:
    name: str           # e.g. 003-mitigations-deploy-asl3_security.smt2
    text: str
    obligation: Obligation


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "x"


# File systems refuse names over 255 bytes: a longer name keeps a readable head and ends with a
# short hash of the whole, so every valid policy exports and names stay stable and distinct.
MAX_NAME = 120


def file_name(number: int, ob: Obligation) -> str:
    name = f"{number:03d}-{_slug(ob.property)}-{_slug(ob.subject)}.smt2"
    if len(name.encode("utf-8")) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    head = name[:-len(".smt2")].encode("utf-8")[:MAX_NAME - 20].decode("utf-8", "ignore").rstrip("-.")
    return f"{head}-{digest}.smt2"


_WRITTEN_AS = "written by rspdsl smt as"


def _comment(text: str) -> str:
    return "\n".join(f"; {line}" if line else ";" for line in text.splitlines())


def _logic(formula) -> str:
    """The smallest standard logic naming the formula's theories (ALL when ints and reals mix)."""
    import z3
    seen: set[int] = set()
    stack = [formula]
    ints = reals = quantified = False
    while stack:
        e = stack.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_quantifier(e):
            quantified = True
            for i in range(e.num_vars()):
                ints |= e.var_sort(i) == z3.IntSort()
                reals |= e.var_sort(i) == z3.RealSort()
            stack.append(e.body())
            continue
        if z3.is_int(e):
            ints = True
        elif z3.is_real(e):
            reals = True
        if z3.is_app(e):
            stack.extend(e.children())
    if ints and reals:
        return "ALL"
    return ("" if quantified else "QF_") + ("LIA" if ints else "LRA")


def obligation_smt2(ob: Obligation, policy: Policy, number: int = 1) -> str:
    """The SMT-LIB2 text of one obligation, with a header naming what it checks and where."""
    path = policy.source.path
    formula, exported = _exported(ob.smt_formula())
    header = _identity(ob, policy, number, file_name(number, ob), ob.property)
    from ..render.messages import worded  # locations carry roles; the header shows them in words
    for loc in worded(ob.locations, ob.facts):
        header.append(f"source:   {path}:{loc.span.line}:{loc.span.column}"
                      + (f"  ({loc.message})" if loc.message else ""))
    header += [
        "",
        "sat   = VIOLATED (a model of the free constants is a counterexample state)",
        "unsat = PROVED",
        "",
        _kind_note(ob),
        "",
        "constants:",
    ]
    names = []
    for copy in ob.copies:
        for name, const in copy.vars.items():
            v = policy.variables[name]
            entry = (f"  {exported.get(str(const), const)}  = {v.kind} {name} ({path}:{v.span.line}:{v.span.column})")
            if entry not in names:
                names.append(entry)
    header += names
    return _file(header, formula)


def _identity(ob: Obligation, policy: Policy, number: int, name: str, prop: str) -> list[str]:
    """The first lines of a file's header: ours (see _origin), and what it checks."""
    return [
        f"rspdsl obligation {number:03d}",  # these two lines mark the file as ours: see _origin
        f"{_WRITTEN_AS} {name}: a later run into its directory rewrites or removes it",
        f"property: {prop}",
        f"subject:  {ob.subject}",
        f"severity: {ob.severity}",
        f"policy:   {visible(policy.title)}" + (f" (version {visible(policy.version)})" if policy.version else ""),
    ]


def _file(header: list[str], formula: Any) -> str:
    """The header as comments, the logic, and the formula as z3 writes it, less z3's banner and
    `(set-info :status unknown)` (the header says what sat and unsat mean)."""
    import z3
    solver = z3.Solver(ctx=formula.ctx)
    solver.add(formula)
    lines = [ln for ln in solver.to_smt2().splitlines()
             if not ln.startswith("; benchmark") and not ln.startswith("(set-info :status")]
    return _comment("\n".join(header)) + "\n" + f"(set-logic {_logic(formula)})\n" + "\n".join(lines).strip() + "\n"


def _exported(formula: Any) -> tuple[Any, dict[str, str]]:
    """The formula with every free constant renamed `rsp.NAME`, and the renaming. Policy names are
    free, so a bare one could be a reserved word or a theory symbol of some solver's logic
    (`sep` and `emp` of separation logic, `RNE` of floating point, `str.len`...), which another
    solver rejects or reads differently. Policy names never contain a dot: no clash is possible.
    Only the export is renamed; proofs in memory keep their own names."""
    import z3
    consts: dict[str, Any] = {}  # z3 terms (z3 ships no type stubs)
    seen: set[int] = set()
    stack = [formula]
    while stack:
        e = stack.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_quantifier(e):
            stack.append(e.body())
        elif z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            consts[str(e)] = e
        elif z3.is_app(e):
            stack.extend(e.children())
    renamed = {name: name if name.startswith("rsp.") else f"rsp.{name}" for name in consts}
    pairs = [(c, z3.Const(renamed[name], c.sort())) for name, c in consts.items() if renamed[name] != name]
    return (z3.substitute(formula, *pairs) if pairs else formula), renamed


def _kind_note(ob: Obligation) -> str:
    if ob.kind == "exists_forall":
        return ("The free constants are the inputs; the responses are universally quantified: sat\n"
                "means some inputs leave no responses meeting every active requirement.")
    if ob.kind == "reach":
        return ("The formula is closed (every state component is quantified): sat means some\n"
                "target is reached by no state. Targets: " + ", ".join(t.label for t in ob.targets) + ".")
    if len(ob.copies) == 2:
        return ("Two copies of the state: `lower.` and `higher.` inputs (lower <= higher), shared\n"
                "responses.")
    return "The free constants are one state of the policy."


def obligation_files(policy: Policy, properties: set[str] | None = None,
                     obligations: ObligationSet | None = None) -> list[SmtFile]:
    obligations = obligations or build_obligations(policy, properties)
    return [SmtFile(file_name(i, ob), obligation_smt2(ob, policy, i), ob)
            for i, ob in enumerate(obligations.obligations, start=1)]


def run_obligation_files(policy: Policy, properties: set[str] | None, depth: int, first: int) -> list[SmtFile]:
    """Language v2: for a policy about time, each `mitigations` and `assert:NAME` obligation as the
    bounded search asks it (rspdsl/logic/run_check.py): is there a compliant run of 1..depth steps
    violating it at its last step? One formula per obligation, a disjunction over the run lengths,
    each run with its own constants (`rN.sK.NAME`: run length N, step K)."""
    import z3

    from .history import unroll
    from .obligations import step_obligations

    if not policy.temporal:
        return []
    ctx = z3.Context()
    per_length = []
    for n in range(1, depth + 1):
        run = unroll(policy, n, ctx, prefix=f"r{n}.")
        bounds = [c for step in run.steps for c in step.bounds]
        per_length.append((bounds, {(ob.property, ob.subject): ob for ob in step_obligations(policy, run.steps[-1],
                                                                                             properties)}))
    out = []
    for number, (key, ob) in enumerate(per_length[0][1].items(), start=first):
        formula = z3.Or(*[z3.And(*bounds, obs[key].formula) for bounds, obs in per_length])
        name = f"{number:03d}-runs-{_slug(ob.property)}-{_slug(ob.subject)}.smt2"
        if len(name.encode("utf-8")) > MAX_NAME:
            name = file_name(number, ob).replace(f"{number:03d}-", f"{number:03d}-runs-", 1)
        out.append(SmtFile(name, _run_smt2(ob, policy, number, name, formula, depth), ob))
    if properties is None or "deadlines" in properties:
        out += _deadline_files(policy, depth, first + len(out))
    return out


def _deadline_files(policy: Policy, depth: int, first: int) -> list[SmtFile]:
    """Each `deadlines` question of a duty whose act is an action, as the bounded search asks it
    (run_check.deadline_search): a run of 1..depth steps where the duty is pending and its act is
    forbidden whatever the responses (an ∃∀ formula: the responses are quantified). A duty whose
    act is an event is never blocked, so it has no file."""
    import z3

    from ..source import Location
    from .facts import DeadlineFacts, Role
    from .run_check import deadline_search

    out: list[SmtFile] = []
    for duty in policy.duties.values():
        if duty.act not in policy.actions:
            continue
        ctx = z3.Context()
        runs = [deadline_search(policy, duty, n, ctx, prefix=f"r{n}.") for n in range(1, depth + 1)]
        formula = z3.Or(*[z3.And(*question) for _, question in runs])
        ob = Obligation("deadlines", duty.name, "error", "find", (runs[-1][0].steps[-1],), (),
                        DeadlineFacts(duty.name, duty.act), (Location(duty.span, Role.DUTY),))
        number = first + len(out)
        name = f"{number:03d}-runs-deadlines-{_slug(duty.name)}.smt2"
        if len(name.encode("utf-8")) > MAX_NAME:
            name = file_name(number, ob).replace(f"{number:03d}-", f"{number:03d}-runs-", 1)
        out.append(SmtFile(name, _run_smt2(ob, policy, number, name, formula, depth), ob))
    return out


def _run_smt2(ob: Obligation, policy: Policy, number: int, name: str, formula: Any, depth: int) -> str:
    formula, _ = _exported(formula)
    header = _identity(ob, policy, number, name, f"{ob.property} (over runs of 1..{depth} steps)") + [
        "",
        (f"sat   = VIOLATED: a run of at most {depth} steps, compliant before its last step, where the duty"
         " is pending and its act is forbidden whatever the responses (a model is the run)")
        if ob.property == "deadlines" else
        f"sat   = VIOLATED by a compliant run of at most {depth} steps (a model is the run)",
        f"unsat = no run of at most {depth} steps violates it (a bound, not a proof for every run:",
        "        rspdsl check proves that over extended states or by k-induction)",
        "",
        "constants: rsp.rN.sK.NAME is NAME at step K of the run of N steps; rsp.rN.sK.run.day its day,",
        "rsp.rN.sK.run.act.X whether X is done at that step; history terms are formulas over them.",
    ]
    return _file(header, formula)


# ---------------------------------------------------------------- the output directory

_GENERATED_NAME = re.compile(r"(\d{3,})-.+\.smt2")
OURS, OLDER, FOREIGN = "ours", "older", "foreign"


class ForeignFileError(Exception):
    """Files rspdsl did not write are in the way of files it must write; nothing was written."""

    def __init__(self, paths: list[Path]):
        super().__init__(", ".join(str(p) for p in paths))
        self.paths = paths


@dataclass(frozen=True)
class SyncResult:
    written: list[Path]
    removed: list[Path] = field(default_factory=list)  # stale files an earlier run wrote
    kept_older: list[Path] = field(default_factory=list)  # stale-looking, unmarked: see _origin


def _origin(path: Path) -> str:
    """Who wrote `path`: OURS when its first two lines are the header obligation_smt2 writes for
    this very name (so a user's renamed copy is not ours); OLDER when only the first line is
    (`rspdsl smt` before the second line existed, or a copy of such a file); else FOREIGN."""
    m = _GENERATED_NAME.fullmatch(path.name)
    if m is None or path.is_symlink() or not path.is_file():
        return FOREIGN
    try:
        with path.open("rb") as fh:
            first, second = fh.readline(400), fh.readline(400)  # a name is at most 255 bytes
    except OSError:
        return FOREIGN
    marker = f"; rspdsl obligation {m.group(1)}\n; {_WRITTEN_AS} {path.name}:".encode()
    if len(first + second) < len(marker) and marker.startswith(first + second):
        return OURS  # cut off inside our own marker: a write an older, non-atomic run never finished
    if first.rstrip(b"\r\n") != f"; rspdsl obligation {m.group(1)}".encode():
        return FOREIGN
    if second.startswith(f"; {_WRITTEN_AS} {path.name}:".encode()):
        return OURS
    return OLDER


def sync_directory(files: list[SmtFile], directory: str | Path) -> SyncResult:
    """Make `directory` hold exactly `files` among the files `rspdsl smt` wrote there.

    A file this command wrote earlier is rewritten, or removed when the new output has no file
    of its name. Nothing else is removed: a file rspdsl did not write with the name of a file to
    write raises ForeignFileError before anything is written; a file written by an older rspdsl
    (which did not mark its files) may be rewritten under its own name but is never removed.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    names = {f.name for f in files}
    foreign = sorted(out / n for n in names if os.path.lexists(out / n) and _origin(out / n) == FOREIGN)
    if foreign:
        raise ForeignFileError(foreign)
    others = sorted(p for p in out.iterdir() if p.name not in names)
    origin = {p: _origin(p) for p in others}
    written = []
    for f in files:
        _write_atomically(out / f.name, f.text)
        written.append(out / f.name)
    removed = [p for p in others if origin[p] == OURS]
    for path in removed:
        path.unlink()
    return SyncResult(written, removed, [p for p in others if origin[p] == OLDER])


def _write_atomically(path: Path, text: str) -> None:
    """Write beside `path`, then rename over it: an interrupted run (a full disk, a kill) leaves
    the old file or the new one, never a truncated one that a rerun would take as foreign."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def write_files(policy: Policy, directory: str | Path, properties: set[str] | None = None) -> list[Path]:
    """Write every obligation's file into `directory` (created if needed) and remove the files an
    earlier run wrote there that this one does not (see sync_directory); returns the paths written."""
    return sync_directory(obligation_files(policy, properties), directory).written
