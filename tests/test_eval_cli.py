"""`rspdsl eval` end to end, through a subprocess: outputs, batch streaming, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rspdsl.evaluator import compile_policy, decision_to_json
from rspdsl.frontend import load_text
from rspdsl.state import read_state

REPO = Path(__file__).resolve().parent.parent

POLICY = """policy "CLI test" version "1"
scale level { low, medium, high }
metric uplift in [0, 1]
metric bio : level
safeguard secure
safeguard deployment
action train default permit
action deploy
threshold CBRN-3 when uplift >= 0.5 or bio >= high
tier ASL-2 {
  require secure for train, deploy
}
tier ASL-3 when CBRN-3 {
  require deployment for deploy
}
permit deploy when secure
forbid train when tier >= ASL-3 and not secure "Stop condition"
"""


def rspdsl(*args: str, stdin: str | bytes | None = None) -> subprocess.CompletedProcess:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([sys.executable, "-m", "rspdsl", "eval", *args], cwd=REPO, input=data,
                          capture_output=True, timeout=60)
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())
    assert "Traceback" not in out.stderr, out.stderr
    return out


@pytest.fixture
def files(tmp_path):
    policy = tmp_path / "p.rsp"
    policy.write_text(POLICY)
    return tmp_path, str(policy)


def write_state(tmp_path, name, obj) -> str:
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return str(path)


HIGH = {"uplift": 0.5, "bio": "low", "secure": False, "deployment": True}
LOW = {"uplift": 0.1, "bio": "low", "secure": True, "deployment": False}


def test_text_output(files):
    tmp, policy = files
    res = rspdsl(policy, "--state", write_state(tmp, "s.json", HIGH))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "tier ASL-3" in out
    assert "CBRN-3  holds" in out
    assert f"train   denied by forbid at {policy}:17:1" in out and "Stop condition" in out
    assert f"unmet: {policy}:11:11 secure" in out
    assert "deploy  denied by default (default deny; no permit holds)" in out


def test_json_output_is_the_contract_shape(files):
    tmp, policy = files
    res = rspdsl(policy, "--state", write_state(tmp, "s.json", LOW), "--format", "json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    loaded = load_text(POLICY, policy).policy
    expected = decision_to_json(loaded, compile_policy(loaded).decide(read_state(loaded, LOW)))
    assert out == expected
    assert out["tier"] == "ASL-2"
    assert out["actions"]["deploy"]["allowed"] is True
    assert out["actions"]["deploy"]["decided_by"] == {"line": 16, "column": 1, "effect": "permit"}
    assert out["actions"]["train"] == {"allowed": True, "decided_by": None, "unmet": []}


def test_state_from_stdin(files):
    _, policy = files
    res = rspdsl(policy, "--state", "-", "--format", "json", stdin=json.dumps(HIGH))
    assert res.returncode == 0 and json.loads(res.stdout)["tier"] == "ASL-3"


def test_bad_policy_prints_diagnostics(tmp_path):
    bad = tmp_path / "bad.rsp"
    bad.write_text(POLICY.replace("permit deploy when secure", "permit deploy when secur"))
    res = rspdsl(str(bad), "--state", write_state(tmp_path, "s.json", LOW))
    assert res.returncode == 2
    assert f"{bad}:16:" in res.stderr and "E0103" in res.stderr and "secur" in res.stderr


def test_missing_policy_file(tmp_path):
    res = rspdsl(str(tmp_path / "none.rsp"), "--state", write_state(tmp_path, "s.json", LOW))
    assert res.returncode == 2 and "E0001" in res.stderr


@pytest.mark.parametrize("state,fragments", [
    ({**LOW, "uplfit": 0.2}, ["uplfit", "did you mean `uplift`"]),
    ({k: v for k, v in LOW.items() if k != "bio"}, ["missing", "`bio`"]),
    ({**LOW, "secure": 1}, ["`secure`", "true or false"]),
    ({**LOW, "uplift": 1.5}, ["`uplift`", "outside its bounds [0, 1]"]),
    ({**LOW, "bio": "extreme"}, ["`bio`", "scale `level`"]),
    ('{"uplift": 0.1,\n "bio": }', ["s.json:2:9", "invalid JSON"]),
])
def test_bad_state_names_the_culprit(files, state, fragments):
    tmp, policy = files
    res = rspdsl(policy, "--state", write_state(tmp, "s.json", state))
    assert res.returncode == 2 and res.stdout == ""
    for fragment in fragments:
        assert fragment in res.stderr


def test_unreadable_state_files(files):
    tmp, policy = files
    res = rspdsl(policy, "--state", str(tmp / "missing.json"))
    assert res.returncode == 2 and "no such state file" in res.stderr
    res = rspdsl(policy, "--state", str(tmp))
    assert res.returncode == 2 and "directory" in res.stderr
    (tmp / "latin1.json").write_bytes(b'{"uplift": "\xe9"}')
    res = rspdsl(policy, "--state", str(tmp / "latin1.json"))
    assert res.returncode == 2 and "UTF-8" in res.stderr


def test_a_state_file_is_required(files):
    _, policy = files
    assert rspdsl(policy).returncode == 2


# ---------------------------------------------------------------- batch

def test_batch_results_in_order(files):
    tmp, policy = files
    states = [{**LOW, "uplift": n / 100} for n in range(0, 101)]
    path = tmp / "states.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in states))
    res = rspdsl(policy, "--states", str(path))
    assert res.returncode == 0, res.stderr
    results = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["tier"] for r in results] == ["ASL-2"] * 50 + ["ASL-3"] * 51
    assert [r["thresholds"]["CBRN-3"] for r in results] == [s["uplift"] >= 0.5 for s in states]


def test_batch_bad_lines_are_reported_in_place(files):
    tmp, policy = files
    lines = [json.dumps(LOW), "", json.dumps({**LOW, "secure": "yes"}), "{not json", json.dumps(HIGH)]
    res = rspdsl(policy, "--states", write_state(tmp, "s.jsonl", "\n".join(lines) + "\n"))
    assert res.returncode == 2
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(out) == 4  # the blank line gets no result
    assert out[0]["tier"] == "ASL-2" and out[3]["tier"] == "ASL-3"
    assert out[1]["error"]["line"] == 3 and out[1]["error"]["name"] == "secure"
    assert out[2]["error"]["line"] == 4 and out[2]["error"]["name"] is None
    assert "s.jsonl:3: error: `secure`" in res.stderr
    assert "s.jsonl:4: error: invalid JSON" in res.stderr
    assert "2 bad state lines" in res.stderr


def test_batch_from_stdin_without_trailing_newline(files):
    _, policy = files
    res = rspdsl(policy, "--states", "-", stdin=json.dumps(LOW) + "\n" + json.dumps(HIGH))
    assert res.returncode == 0
    assert [json.loads(line)["tier"] for line in res.stdout.splitlines()] == ["ASL-2", "ASL-3"]


def test_batch_output_matches_single_state_json(files):
    tmp, policy = files
    line = json.dumps({"uplift": "1/3", "bio": "high", "secure": True, "deployment": False})
    batch = rspdsl(policy, "--states", "-", stdin=line)
    single = rspdsl(policy, "--state", "-", "--format", "json", stdin=line)
    assert batch.returncode == single.returncode == 0
    assert json.loads(batch.stdout) == json.loads(single.stdout)


def test_batch_rejects_text_format_and_bad_files(files):
    tmp, policy = files
    assert rspdsl(policy, "--states", "-", "--format", "text", stdin="").returncode == 2
    res = rspdsl(policy, "--states", str(tmp / "nope.jsonl"))
    assert res.returncode == 2 and "no such states file" in res.stderr
    (tmp / "bad.jsonl").write_bytes(json.dumps(LOW).encode() + b"\n\xff\xfe\n")
    res = rspdsl(policy, "--states", str(tmp / "bad.jsonl"))
    assert res.returncode == 2 and "UTF-8" in res.stderr


def test_state_and_states_are_exclusive(files):
    tmp, policy = files
    path = write_state(tmp, "s.json", LOW)
    assert rspdsl(policy, "--state", path, "--states", path).returncode == 2


# ---------------------------------------------------------------- --action

def test_action_projection_in_batch_is_the_full_result_without_the_others(files):
    tmp, policy = files
    states = [{**LOW, "uplift": n / 20, "secure": n % 3 > 0, "deployment": n % 2 == 0} for n in range(21)]
    path = write_state(tmp, "s.jsonl", "".join(json.dumps(s) + "\n" for s in states))
    full = rspdsl(policy, "--states", path)
    for asked in (["deploy"], ["deploy", "train"], ["train", "deploy", "train"]):
        flags = [arg for name in asked for arg in ("--action", name)]
        res = rspdsl(policy, "--states", path, *flags)
        assert res.returncode == 0, res.stderr
        names = list(dict.fromkeys(asked))
        want = []
        for line in full.stdout.splitlines():
            obj = json.loads(line)
            obj["actions"] = {name: obj["actions"][name] for name in names}
            want.append(json.dumps(obj, separators=(",", ":")))
        assert res.stdout.splitlines() == want  # byte for byte, keys in the order asked


def test_action_projection_for_one_state(files):
    tmp, policy = files
    path = write_state(tmp, "s.json", HIGH)
    res = rspdsl(policy, "--state", path, "--format", "json", "--action", "deploy")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert list(out) == ["tier", "thresholds", "actions", "assertions"] and list(out["actions"]) == ["deploy"]
    batch = rspdsl(policy, "--states", "-", "--action", "deploy", stdin=json.dumps(HIGH))
    assert json.loads(batch.stdout) == out
    text = rspdsl(policy, "--state", path, "--action", "deploy")
    assert "deploy  denied by default" in text.stdout and "train" not in text.stdout
    assert "tier ASL-3" in text.stdout and "CBRN-3  holds" in text.stdout


def test_action_projection_keeps_bad_lines_bad(files):
    tmp, policy = files
    lines = [json.dumps(LOW), json.dumps({**LOW, "secure": "yes"}), json.dumps({**LOW, "uplfit": 0.1})]
    res = rspdsl(policy, "--states", write_state(tmp, "s.jsonl", "\n".join(lines)), "--action", "deploy")
    assert res.returncode == 2
    out = [json.loads(line) for line in res.stdout.splitlines()]
    assert list(out[0]["actions"]) == ["deploy"]
    assert out[1]["error"]["name"] == "secure" and out[2]["error"]["name"] == "uplfit"
    assert "did you mean `uplift`" in out[2]["error"]["message"]


@pytest.mark.parametrize("source", ["--state", "--states"])
def test_unknown_action_is_a_usage_error(files, source):
    tmp, policy = files
    res = rspdsl(policy, source, write_state(tmp, "s.json", LOW), "--action", "deploy", "--action", "deplyo")
    assert res.returncode == 2 and res.stdout == ""
    assert "--action `deplyo` is not an action of this policy" in res.stderr
    assert "did you mean `deploy`?" in res.stderr
