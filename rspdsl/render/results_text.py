"""`rspdsl check` for people: findings like a compiler's, a witness table, a summary line.

Per file, in this order: front-end diagnostics; each violated or unknown result as
`file:line:col: error[PROPERTY] message` with the source line and a caret, the related
declarations, the witness as an aligned table and a command that replays it; a compact
count of proved obligations per property (every obligation with --verbose); and a summary
line in the style of ruff and mypy: `p.rsp: 12 proved, 1 violated, 0 unknown (0.42 s)`.
"""
from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import IO, Any

from ..analyses.checked import CheckedFile
from ..logic.results import PROPERTIES, Result, Witness, property_family
from ..source import NO_SPAN, SourceFile, Span
from ..state import dumps_exact, number_text
from .escape import visible
from .messages import result_details, result_locations, result_message
from .text import render_diagnostic

# A replay command longer than this is not worth printing inline; the JSON output holds the witness.
MAX_INLINE_REPLAY = 400
MAX_TABLE_ROWS = 12   # a single-state witness with more names is laid out in columns
TABLE_WIDTH = 100
MAX_RELATED = 3       # related declarations shown per finding (all with --verbose)

_ANSI = {"error": "1;31", "warning": "1;33", "unknown": "1;35", "proved": "32", "accepted": "36", "bold": "1",
         "dim": "2", "hint": "36"}


def use_color(stream: IO[str]) -> bool:
    """Color only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# Painting marks text with private-use characters, turned into ANSI codes only after the whole
# output has had its untrusted text escaped (render/escape.py): an ESC written in a policy is
# shown as `\u001b`, never obeyed. A file holding a marker character itself is shown uncoloured.
_STYLES = tuple(_ANSI)
_OPEN, _CLOSE, _FIRST_STYLE = "\ue000", "\ue001", 0xE100
_MARKERS = _OPEN + _CLOSE + "".join(chr(_FIRST_STYLE + i) for i in range(len(_STYLES)))
_PAINTED = re.compile(f"{_OPEN}(.){_CLOSE}(.*?){_OPEN}{_CLOSE}", re.S)


class _Paint:
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        if not self.enabled or not text:
            return text
        return f"{_OPEN}{chr(_FIRST_STYLE + _STYLES.index(style))}{_CLOSE}{text}{_OPEN}{_CLOSE}"


def _finish(text: str, color: bool) -> str:
    """Escape what the policy wrote, then turn our own paint marks into ANSI codes."""
    if not color:
        return visible(text)
    shown = visible(text, keep="\n\t" + _MARKERS)
    return _PAINTED.sub(lambda m: f"\x1b[{_ANSI[_STYLES[ord(m.group(1)) - _FIRST_STYLE]]}m{m.group(2)}\x1b[0m", shown)


# ---------------------------------------------------------------- values and witnesses

def value_text(value: Any) -> str:
    """A witness value as a drafter writes it: `true`, `0.5`, `1/3`, `high`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Fraction)):
        return number_text(value)
    if value is None:
        return "null"
    return str(value)


def _table(header: list[str], rows: list[list[str]], marks: list[bool]) -> list[str]:
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]

    def line(cells: list[str], mark: str) -> str:
        body = "   ".join(c.ljust(w) for c, w in zip(cells, widths))
        return f"    {mark} {body}".rstrip()

    out = [line(header, " ")]
    out += [line(r, "*" if m else " ") for r, m in zip(rows, marks)]
    return out


def _columns(rows: list[list[str]]) -> list[str]:
    """Many `name = value` cells laid out column by column, to keep a long witness short."""
    nw = max(len(r[0]) for r in rows)
    vw = max(len(r[1]) for r in rows)
    cells = [f"{name.ljust(nw)} = {value.ljust(vw)}" for name, value in rows]
    ncols = max(1, (TABLE_WIDTH - 6) // (nw + vw + 6))
    height = -(-len(cells) // ncols)
    return ["      " + "   ".join(cells[c * height + r] for c in range(ncols) if c * height + r < len(cells)).rstrip()
            for r in range(height)]


def witness_table(witness: Witness, *, verbose: bool = False) -> list[str]:
    """`name | value`, or `name | lower | higher` with differing rows marked `*`.

    Long witnesses stay readable: a single state with many names is laid out in columns, and
    a pair shows only the names whose values differ (--verbose shows everything as a table).
    """
    if witness.run is not None:
        return run_table(witness.run)
    if witness.state is not None:
        rows = [[name, value_text(v)] for name, v in witness.state.items()]
        if not rows:
            return ["    (the policy has no inputs or responses)"]
        if verbose or len(rows) <= MAX_TABLE_ROWS:
            return _table(["name", "value"], rows, [False] * len(rows))
        return _columns(rows)
    lower, higher = witness.lower or {}, witness.higher or {}
    names = list(lower) + [n for n in higher if n not in lower]
    if not names:
        return []
    rows, marks = [], []
    for name in names:
        lo, hi = lower.get(name), higher.get(name)
        rows.append([name, "" if name not in lower else value_text(lo),
                     "" if name not in higher else value_text(hi)])
        marks.append(name not in lower or name not in higher or lo != hi)
    hidden = 0
    if not verbose and any(marks) and len(rows) > MAX_TABLE_ROWS:
        hidden = marks.count(False)
        rows = [r for r, m in zip(rows, marks) if m]
        marks = [True] * len(rows)
    lines = _table(["name", "lower", "higher"], rows, marks)
    if hidden:
        lines.append(f"    (* the states differ here; {_plural(hidden, 'other name')} equal in both, "
                     "--verbose shows them)")
    elif any(marks):
        lines.append("    (* the states differ here)")
    return lines


def run_table(run: list, *, constants: bool = True) -> list[str]:
    """A run as a timeline: one column per step (day, acts, then each name whose value changes;
    every name when none does, unless `constants` is False)."""
    names = list(run[0]["state"]) if run else []
    shown = [n for n in names if len({json.dumps(str(step["state"][n])) for step in run}) > 1]
    shown = shown or (names if constants else [])
    header = ["step"] + [str(k) for k in range(len(run))]
    rows = [["day"] + [value_text(step["day"]) for step in run],
            ["acts"] + [", ".join(step["acts"]) or "-" for step in run]]
    rows += [[n] + [value_text(step["state"][n]) for step in run] for n in shown]
    lines = _table(header, rows, [False] * len(rows))
    if len(shown) < len(names):
        same = len(names) - len(shown)
        lines.append(f"    ({_plural(same, 'other name')} {'keeps its' if same == 1 else 'keep their'} value throughout)")
    return lines


def history_lines(history: dict | None) -> list[str]:
    """What an extended-state witness's history terms saw (language v2): `eval --state` judges a
    state as the first step of a run, so a replay of such a witness needs a run with this history."""
    if history is None:
        return []
    done = ", ".join(f"{act} {value_text(days)} days before" for act, days in history["done"].items())
    out = ["    history (free in this check): " + (f"done: {done}" if done else "nothing done before")]
    if history["overdue"]:
        out.append("      overdue: " + ", ".join(history["overdue"]))
    for act, state in history["at"].items():
        out.append(f"      at {act}: " + ", ".join(f"{n} = {value_text(v)}" for n, v in state.items()))
    return out


@dataclass(frozen=True)
class ReplayFrom:
    """Where a replay hint that cannot inline its witness takes it from: `command` prints the
    results as JSON (`--format json` is added), `results` is the jq path to this file's results in
    that output, and `step_filter` is jq applied to each step of a run witness (e.g. to keep only
    the names the policy's `eval --run` knows)."""
    command: tuple[str, ...]
    results: str
    step_filter: str = ""


def check_replay(path: str) -> ReplayFrom:
    """`rspdsl check FILE`: the file's results are the output's only ones."""
    return ReplayFrom(("rspdsl", "check", path), ".files[0].results[]")


def replay_hint(path: str, result: Result, source: ReplayFrom | None = None) -> list[str]:
    """Shell commands that feed the witness back to the concrete evaluator; a witness too long to
    inline is selected from `source`'s JSON output (default: `rspdsl check`'s)."""
    source = source or check_replay(path)
    producer = f"{shlex.join(source.command)} --format json"
    # this result's witness in the producer's JSON output
    select = (f"{source.results} | select(.property == {json.dumps(result.property)} and "
              f".subject == {json.dumps(result.subject)}) | .witness")
    witness = result.witness
    if witness is None:
        return []
    if witness.history is not None:  # language v2: an extended state; a state file cannot hold history
        return ["  replay: none yet for a state with a history: `rspdsl eval --state` judges a state as the "
                "first step of a run (the check replayed it with this history itself)"]
    if witness.run is not None:  # several lines: taken from the JSON output, one step per line
        steps = f"{select}.run[]{source.step_filter}"
        return [f"  replay: {producer} | jq -c {shlex.quote(steps)} > run.jsonl"
                f" && rspdsl eval {shlex.quote(path)} --run run.jsonl"]
    states = ([("witness.json", "state", witness.state)] if witness.state is not None else
              [(f"{k}.json", k, s) for k, s in (("lower", witness.lower), ("higher", witness.higher))
               if s is not None])
    file_arg = shlex.quote(path)
    inline = [f"echo {shlex.quote(dumps_exact(state))} > {name} && rspdsl eval {file_arg} --state {name}"
              for name, _, state in states]
    if all(len(cmd) <= MAX_INLINE_REPLAY for cmd in inline):
        return [f"  replay: {cmd}" for cmd in inline]
    # too long to echo: select this result's witness from the JSON output instead
    return [f"  replay: {producer} | jq {shlex.quote(f'{select}.{key}')} > {name}"
            f" && rspdsl eval {file_arg} --state {name}" for name, key, _ in states]


# ---------------------------------------------------------------- one result

def _where(path: str, span: Span) -> str:
    return f"{path}:{span.line}:{span.column}"


def _snippet(source: SourceFile, span: Span, label: str = "") -> list[str]:
    if not source.text:
        return []
    snippet = source.snippet(span)
    if label:
        snippet += f" {label}"
    return snippet.split("\n")


def _label(result: Result) -> str:
    if result.status in ("unknown", "accepted"):
        return result.status
    return "error" if result.severity == "error" else "warning"


def _details_lines(result: Result) -> list[str]:
    out = []
    for key, value in result_details(result).items():
        if key == "accepted":  # an accepted finding (rspdsl/analyses/acceptance.py)
            out.append(f"  accepted at line {value['line']} by {value['owner']}: {value['reason']}")
            continue
        if isinstance(value, (list, tuple, set, frozenset, dict)) and not value:
            continue  # e.g. `inputs` of a policy without inputs: an empty field says nothing
        if isinstance(value, (list, tuple, set, frozenset)):
            shown = ", ".join(value_text(v) for v in value)
        elif isinstance(value, dict):
            shown = ", ".join(f"{k}={value_text(v)}" for k, v in value.items())
        else:
            shown = value_text(value)
        out.append(f"  {str(key).replace('_', ' ')}: {shown}")
    return out


def render_result(result: Result, source: SourceFile, paint: _Paint | None = None, *,
                  verbose: bool = False, replay: ReplayFrom | None = None) -> str:
    """A violated or unknown result: header, snippets, details, witness, replay command."""
    paint = paint or _Paint(False)
    path = source.path
    label = _label(result)
    locations = result_locations(result)
    head_where = f"{_where(path, locations[0].span)}: " if locations else f"{path}: "
    lines = [paint("bold", head_where) + paint(label, f"{label}[{result.property}]") + f" {result_message(result)}"]
    shown = locations if verbose else locations[:1 + MAX_RELATED]
    for i, loc in enumerate(shown):
        if i:  # related declarations: named on their own line, as render_diagnostic does
            lines.append(f"  note: {paint('dim', _where(path, loc.span) + ':')} {loc.message or 'related'}")
            lines += _snippet(source, loc.span)
        else:  # the primary location: its label goes under the caret
            lines += _snippet(source, loc.span, loc.message)
    if len(shown) < len(locations):
        more = len(locations) - len(shown)
        lines.append(f"  note: {_plural(more, 'more related declaration')} (--verbose shows them)")
    lines += _details_lines(result)
    if result.witness is not None:
        table = witness_table(result.witness, verbose=verbose)
        if table:
            kind = ("a run, each act allowed where it is taken" if result.witness.run is not None else
                    "a pair of states, lower <= higher" if result.witness.state is None else "a state")
            lines.append(f"  witness ({kind}):")
            lines += table
            lines += history_lines(result.witness.history)
            lines += [paint("hint", h) for h in replay_hint(path, result, replay)]
    return "\n".join(lines)


# ---------------------------------------------------------------- one file

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _family_order(results: Iterable[Result]) -> list[str]:
    present = {property_family(r.property) for r in results}
    known = [p for p in (*PROPERTIES, "assert") if p in present]
    return known + sorted(present - set(known))


def property_counts(results: tuple[Result, ...]) -> list[str]:
    """One line per property: `  mitigations   3 proved, 1 violated`."""
    families = _family_order(results)
    if not families:
        return []
    width = max(len(f) for f in families)
    out = []
    for family in families:
        mine = [r for r in results if property_family(r.property) == family]
        parts = [f"{sum(r.status == 'proved' for r in mine)} proved"]
        violated = sum(r.status == "violated" and r.severity == "error" for r in mine)
        warned = sum(r.status == "violated" and r.severity != "error" for r in mine)
        unknown = sum(r.status == "unknown" for r in mine)
        accepted = sum(r.status == "accepted" for r in mine)
        if violated:
            parts.append(f"{violated} violated")
        if accepted:
            parts.append(f"{accepted} accepted")
        if warned:
            parts.append(_plural(warned, "warning"))
        if unknown:
            parts.append(f"{unknown} unknown")
        out.append(f"  {family.ljust(width)}  {', '.join(parts)}")
    return out


def verbose_listing(results: tuple[Result, ...]) -> list[str]:
    """Every obligation: status, property, subject, time."""
    if not results:
        return []
    pw = max(len(r.property) for r in results)
    out = []
    for r in results:
        status = r.status if r.status != "violated" or r.severity == "error" else "warning"
        out.append(f"  {status:<8}  {r.property.ljust(pw)}  {r.subject}  ({r.seconds:.2f} s)")
    return out


def summary_line(checked: CheckedFile) -> str:
    if not checked.usable:
        errors = sum(d.is_error for d in checked.diagnostics)
        return f"{checked.path}: not checked ({_plural(errors, 'error')})"
    c = checked.counts()
    text = f"{checked.path}: {c['proved']} proved, {c['violated']} violated"
    if c.get("accepted"):
        text += f", {c['accepted']} accepted"
    if c["warnings"]:
        text += f", {_plural(c['warnings'], 'warning')}"
    cached = ", cached" if checked.cached else ""
    return f"{text}, {c['unknown']} unknown ({checked.seconds:.2f} s{cached})"


def _snippet_source(span: Span, source: SourceFile) -> SourceFile:
    """An empty span (a file-level problem, an internal error) points at no text: show no snippet."""
    return SourceFile(source.path, "") if span == NO_SPAN else source


def render_file(checked: CheckedFile, *, verbose: bool = False, color: bool = False,
                replay_from: Callable[[str], ReplayFrom] | None = None) -> str:
    color = color and not any(m in checked.source.text or m in (checked.title or "") for m in _MARKERS)
    paint = _Paint(color)
    blocks = [render_diagnostic(d, _snippet_source(d.span, checked.source)) for d in checked.diagnostics]
    replay = replay_from(checked.path) if replay_from else None
    blocks += [render_result(r, checked.source, paint, verbose=verbose, replay=replay)
               for r in checked.results if r.status != "proved"]
    listing = verbose_listing(checked.results) if verbose else property_counts(checked.results)
    summary = summary_line(checked)
    style = {0: "proved", 1: "error", 2: "error", 3: "unknown"}[checked.exit_code()]
    tail = "\n".join(listing + [paint(style, summary)])
    return _finish("\n\n".join(blocks + [tail]) + "\n", color)


def render_text(files: list[CheckedFile], *, verbose: bool = False, color: bool = False,
                replay_from: Callable[[str], ReplayFrom] | None = None) -> str:
    """The whole `check` output; with several files, a total line at the end. `replay_from`: where
    a file's long replay hints take their witnesses from (default: `rspdsl check` of the file)."""
    out = "\n".join(render_file(f, verbose=verbose, color=color, replay_from=replay_from) for f in files)
    if len(files) > 1:
        total = {"proved": 0, "violated": 0, "warnings": 0, "unknown": 0, "accepted": 0}
        for f in files:
            for k, v in f.counts().items():
                total[k] = total.get(k, 0) + v
        unusable = sum(not f.usable for f in files)
        # the same field order as each file's summary line: proved, violated[, warnings], unknown
        text = f"{_plural(len(files), 'file')}: {total['proved']} proved, {total['violated']} violated"
        if total.get("accepted"):
            text += f", {total['accepted']} accepted"
        if total["warnings"]:
            text += f", {_plural(total['warnings'], 'warning')}"
        text += f", {total['unknown']} unknown"
        if unusable:
            text += f", {unusable} not checked"
        cached = sum(f.cached for f in files)
        note = "" if not cached else ", all cached" if cached == len(files) else f", {cached} cached"
        out += f"\n{text} ({sum(f.seconds for f in files):.2f} s{note})\n"
    return out
