"""Witnesses as tables, one shape for every kind, and the commands that replay them.

A witness is what the JSON documents carry: a state (`{"state": {...}}`), a pair of states
(`{"lower": ..., "higher": ...}` from `monotonic`; `old_state`/`new_state` from `diff`), or a run
(`{"run": [{"day", "state", "acts"}, ...]}`, language v2). Each becomes a `WitnessTable`: a header
row, then one row per name with one cell per state (a run: one column per step, oldest first).
Rows whose values differ between the columns are marked, in words as well as in style.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

from .values import state_json, value_text


@dataclass(frozen=True)
class WitnessRow:
    name: str
    cells: tuple[str, ...]
    differs: bool = False
    note: str = ""


@dataclass(frozen=True)
class WitnessTable:
    kind: str                       # "state" | "pair" | "run"
    caption: str
    headers: tuple[str, ...]        # the value columns (the name column is implied)
    rows: tuple[WitnessRow, ...]
    replay: tuple[str, ...] = field(default=())   # shell commands that feed it to `rspdsl eval`

    @property
    def marks_differences(self) -> bool:
        return any(r.differs for r in self.rows)


def _echo(state: dict[str, Any], name: str, policy: str) -> str:
    return (f"echo {shlex.quote(state_json(state))} > {name} && "
            f"rspdsl eval {shlex.quote(policy)} --state {name}")


def _names(states: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for state in states:
        for name in state:
            seen.setdefault(name, None)
    return list(seen)


def _columns(states: list[dict[str, Any]], notes: dict[str, str] | None = None) -> tuple[WitnessRow, ...]:
    rows = []
    for name in _names(states):
        cells = tuple(value_text(s[name]) if name in s else "—" for s in states)
        rows.append(WitnessRow(name, cells, differs=len(set(cells)) > 1, note=(notes or {}).get(name, "")))
    return tuple(rows)


def state_table(state: dict[str, Any], policy: str, caption: str = "the witness state") -> WitnessTable:
    return WitnessTable("state", caption, ("value",), _columns([state]), (_echo(state, "witness.json", policy),))


def pair_table(first: dict[str, Any], second: dict[str, Any], labels: tuple[str, str], replay: tuple[str, ...],
               caption: str, notes: dict[str, str] | None = None) -> WitnessTable:
    return WitnessTable("pair", caption, labels, _columns([first, second], notes), replay)


def run_table(steps: list[dict[str, Any]], policy: str) -> WitnessTable:
    """A run (language v2) as a timeline: one column per step, `day` and the acts first."""
    states: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for step in steps:  # a step may give only the names that changed (`rspdsl eval --run`'s form)
        current = {**current, **(step.get("state") or {})}
        states.append(current)
    headers = tuple(f"step {k}" for k in range(len(steps)))
    fixed = (WitnessRow("day", tuple(value_text(s.get("day")) for s in steps)),
             WitnessRow("acts", tuple(", ".join(str(a) for a in s.get("acts") or ()) or "—" for s in steps)))
    lines = " ".join(shlex.quote(state_json(s)) for s in steps)
    replay = (f"printf '%s\\n' {lines} > run.jsonl && rspdsl eval {shlex.quote(policy)} --run run.jsonl",)
    return WitnessTable("run", "the witness run, step by step", headers, fixed + _columns(states), replay)


def check_witness(witness: dict[str, Any] | None, policy: str) -> WitnessTable | None:
    """The table for a `check` or `baseline` result's witness (None when it has none)."""
    if not witness:
        return None
    if "state" in witness:
        return state_table(witness["state"], policy)
    if "run" in witness:
        return run_table(witness["run"], policy)
    if "lower" in witness or "higher" in witness:
        lower, higher = witness.get("lower") or {}, witness.get("higher") or {}
        replay = tuple(_echo(s, f"{k}.json", policy) for k, s in (("lower", lower), ("higher", higher)) if s)
        return pair_table(lower, higher, ("lower", "higher"), replay, "the witness pair, lower ≤ higher")
    return None


def diff_witness(change: dict[str, Any], old_policy: str, new_policy: str,
                 old_source: str | None = None) -> WitnessTable:
    """A `diff` change's witness: the state as each revision reads it, OLD beside NEW.

    `old_source` is the shell command that writes OLD to `old_policy` when OLD is a git revision
    (`git show REV:path > old.rsp`)."""
    witness = change.get("witness") or {}
    old_state = witness.get("old_state") or witness.get("state") or {}
    new_state = witness.get("new_state") or witness.get("state") or {}
    old_cmd = _echo(old_state, "old.json", old_policy)
    if old_source:
        old_cmd = f"{old_source} && {old_cmd}"
    notes = {name: "only in OLD" for name in old_state if name not in new_state}
    notes.update({name: "only in NEW" for name in new_state if name not in old_state})
    return pair_table(old_state, new_state, ("OLD", "NEW"), (old_cmd, _echo(new_state, "new.json", new_policy)),
                      "the witness state, as each revision reads it", notes)
