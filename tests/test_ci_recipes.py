"""The CI recipes: the pre-commit hook definitions run in a temporary git repository, and the GitHub
Actions workflow parses, calls valid rspdsl commands, and its shell steps do what docs/ci.md says
when run locally against a temporary repository with a base branch."""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")  # PyYAML comes with pre-commit (the `test` extra)

from render_samples import CLEAN_RULES  # noqa: E402

from rspdsl.cli import COMMANDS, build_parser  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW = ROOT / "examples" / "github-actions" / "rspdsl.yml"
CI_DOC = ROOT / "docs" / "ci.md"
BIN = Path(sys.executable).parent
RSPDSL = BIN / "rspdsl"

GOOD = CLEAN_RULES
WEAKER = GOOD.replace("permit deploy when tier <= ASL-2 or asl3_security", "permit deploy")
VIOLATED = GOOD.replace("  require asl3_security for deploy\n", "  require asl3_security for deploy\n"
                        "  require cbrn_uplift <= 0.2 for deploy\n")
MESSY = GOOD.replace("tier ASL-2 { }", "tier   ASL-2   {  }")


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=check)


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "commit.gpgsign", "false")
    return path


def hooks() -> list[dict]:
    return yaml.safe_load(HOOKS.read_text(encoding="utf-8"))


def needs_command(name: str) -> None:
    if name not in COMMANDS:
        pytest.skip(f"`rspdsl {name}` is not registered in rspdsl/cli.py COMMANDS")


# ---------------------------------------------------------------- the hook definitions

def test_hook_definitions():
    defs = {h["id"]: h for h in hooks()}
    assert {"rspdsl-check", "rspdsl-fmt-check"} <= set(defs)
    assert defs["rspdsl-check"]["entry"] == "rspdsl check"
    assert defs["rspdsl-fmt-check"]["entry"] == "rspdsl fmt --check"
    for hook in defs.values():
        assert hook["language"] == "python"   # pre-commit installs this repository (pip) for it
        words = hook["entry"].split()
        assert words[0] == "rspdsl" and words[1] in COMMANDS | {"baseline": None}
        pattern = re.compile(hook["files"])
        assert pattern.search("policies/anthropic-rsp-v2.2.rsp") and not pattern.search("rspdsl/cli.py")


def local_config(repo: Path, extra: dict[str, dict] | None = None) -> None:
    """The definitions as a `repo: local` config: same entry, args and files, `language: system` with
    the installed rspdsl (installing hook environments from the network is not a test's business)."""
    local = []
    for hook in hooks():
        if hook["entry"].split()[1] not in COMMANDS:
            continue
        if hook["id"] == "rspdsl-baseline" and hook["id"] not in (extra or {}):
            continue  # needs the baseline file in its args: only configured where a test gives them
        entry = " ".join([shlex.quote(str(RSPDSL))] + hook["entry"].split()[1:])
        local.append({"id": hook["id"], "name": hook["name"], "entry": entry, "language": "system",
                      "files": hook["files"], "types": hook.get("types", ["file"]),
                      **(extra or {}).get(hook["id"], {})})
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


@pytest.fixture
def pre_commit(tmp_path):
    pytest.importorskip("pre_commit")
    exe = BIN / "pre-commit"
    if not exe.exists():
        pytest.skip("pre-commit is not installed next to this Python")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}

    def run(repo: Path, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(exe), *args], cwd=repo, env=env, capture_output=True, text=True)

    run.env = env
    return run


def test_pre_commit_hooks_guard_commits_in_a_temporary_repo(tmp_path, pre_commit):
    repo = new_repo(tmp_path / "repo")
    local_config(repo)
    (repo / "good.rsp").write_text(GOOD, encoding="utf-8")
    (repo / "notes.txt").write_text("not a policy\n", encoding="utf-8")
    assert pre_commit(repo, "install").returncode == 0
    git(repo, "add", ".")
    first = subprocess.run(["git", "commit", "-q", "-m", "good policy"], cwd=repo, env=pre_commit.env,
                           capture_output=True, text=True)
    assert first.returncode == 0, first.stdout + first.stderr

    # a policy with a violated property: the commit is refused, and the output says why
    (repo / "violated.rsp").write_text(VIOLATED, encoding="utf-8")
    git(repo, "add", "violated.rsp")
    refused = subprocess.run(["git", "commit", "-q", "-m", "violated"], cwd=repo, env=pre_commit.env,
                             capture_output=True, text=True)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert "rspdsl check" in output and "Failed" in output and "violated" in output
    git(repo, "rm", "-q", "--cached", "violated.rsp")
    (repo / "violated.rsp").unlink()

    # a policy out of the canonical layout: fmt --check refuses it, changing nothing; fmt fixes it
    (repo / "messy.rsp").write_text(MESSY, encoding="utf-8")
    git(repo, "add", "messy.rsp")
    checked = pre_commit(repo, "run", "rspdsl-fmt-check", "--files", "messy.rsp")
    assert checked.returncode != 0 and (repo / "messy.rsp").read_text(encoding="utf-8") == MESSY
    fixed = pre_commit(repo, "run", "rspdsl-fmt", "--files", "messy.rsp")
    assert fixed.returncode != 0   # pre-commit fails a hook that modified files
    assert (repo / "messy.rsp").read_text(encoding="utf-8") != MESSY
    assert pre_commit(repo, "run", "rspdsl-fmt-check", "--files", "messy.rsp").returncode == 0
    git(repo, "add", "messy.rsp")
    final = pre_commit(repo, "run", "--all-files", "--hook-stage", "pre-commit")
    ids = [h["id"] for h in hooks() if h["entry"].split()[1] in COMMANDS and h["id"] != "rspdsl-baseline"]
    for hook_id in ids:
        assert hook_id in final.stdout or hooks_name(hook_id) in final.stdout
    assert "rspdsl check" in final.stdout


def hooks_name(hook_id: str) -> str:
    return next(h["name"] for h in hooks() if h["id"] == hook_id)


COMPLIANT_PROVIDER = """policy "A provider that gates market placement on every EU baseline requirement"
metric training_compute in [0, 1e30] unit FLOP
judgement high_impact_capabilities
judgement commission_designation
judgement rebuttal_accepted reassuring
judgement systemic_risk_acceptable reassuring
control days_to_notify_commission in [0, 3650] unit days
control months_since_framework_assessment in [0, 120] unit months
safeguard adversarial_evaluation
safeguard systemic_risk_assessment
safeguard systemic_risk_mitigation
safeguard incident_tracking
safeguard cybersecurity_protection
safeguard safety_security_framework
safeguard model_report
action deploy
action release_weights
threshold ready when days_to_notify_commission <= 14 and months_since_framework_assessment <= 12 and systemic_risk_acceptable and adversarial_evaluation and systemic_risk_assessment and systemic_risk_mitigation and incident_tracking and cybersecurity_protection and safety_security_framework and model_report
tier base { }
permit deploy when ready
permit release_weights when ready
"""


def test_baseline_hook_with_args(tmp_path, pre_commit):
    needs_command("baseline")
    repo = new_repo(tmp_path / "repo")
    (repo / "baselines").mkdir()
    shutil.copy(ROOT / "policies" / "baselines" / "eu-gpai-baseline.rsp", repo / "baselines" / "eu.rsp")
    # a policy in the baseline's own terms that meets it (the shipped EU encoding no longer does on its
    # own: it states Art. 52(1) as a duty over runs and needs its map, docs/findings.md section 4)
    (repo / "provider.rsp").write_text(COMPLIANT_PROVIDER, encoding="utf-8")
    local_config(repo, {"rspdsl-baseline": {"args": ["baselines/eu.rsp"], "exclude": "^baselines/"}})
    git(repo, "add", ".")
    ran = pre_commit(repo, "run", "rspdsl-baseline", "--all-files")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Passed" in ran.stdout


# ---------------------------------------------------------------- the GitHub Actions workflow

def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps() -> list[dict]:
    return workflow()["jobs"]["policies"]["steps"]


def step(name: str) -> dict:
    return next(s for s in steps() if s.get("name") == name)


def test_workflow_shape():
    wf = workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert wf["permissions"]["security-events"] == "write"
    upload = next(s for s in steps() if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["if"] == "always()"
    assert upload["with"]["sarif_file"] in step("Prove the policies")["run"]
    checkout = steps()[0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    for s in steps():  # untrusted expressions never reach a shell script directly
        assert "${{" not in s.get("run", "")


def rspdsl_invocations(script: str) -> list[list[str]]:
    """Every `rspdsl ...` command of a step's script, with xargs' file arguments appended."""
    script = script.replace("\\\n", " ")
    found = []
    for line in script.splitlines():
        for segment in re.split(r"\|\||&&|\||;|<|\$\(", line):
            words = shlex.split(segment.replace(">>", " > "), comments=True) if segment.strip() else []
            if "rspdsl" not in words:
                continue
            words = words[words.index("rspdsl"):]
            if ">" in words:
                words = words[:words.index(">")]
            words = [w.replace("$policy", "p.rsp").replace("$BASE_REF", "main")
                     .replace("${policies[@]}", "p.rsp") for w in words]
            found.append(words)
    return found


def test_every_rspdsl_command_in_the_workflow_is_valid():
    commands = [words for s in steps() for words in rspdsl_invocations(s.get("run", ""))]
    used = {words[1] for words in commands}
    assert {"fmt", "check", "diff"} <= used
    for words in commands:
        if words[1] in COMMANDS:
            args = build_parser(words[1]).parse_args(words[1:])   # SystemExit (exit 2) on a bad flag
            assert args.command == words[1]
        else:  # not registered in cli.py yet: its own flags, exactly as cli.py would build them
            assert words[1] == "baseline", words
            from rspdsl.commands import baseline

            parser = argparse.ArgumentParser()
            baseline.add_arguments(parser)
            parser.parse_args(words[2:])
    formats = {words[words.index("--format") + 1] for words in commands if "--format" in words}
    assert {"sarif", "markdown"} <= formats


def test_ci_doc_ships_the_workflow_verbatim():
    doc = CI_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    assert WORKFLOW.read_text(encoding="utf-8") in blocks
    assert "examples/github-actions/rspdsl.yml" in doc
    assert ".pre-commit-hooks.yaml" in doc or "rspdsl-check" in doc


def run_step(name: str, repo: Path, env: dict) -> subprocess.CompletedProcess:
    # GitHub runs `run:` with `bash --noprofile --norc -eo pipefail`
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step(name)["run"]],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def pull_request(tmp_path):
    """origin (bare) with `main` holding policies/p.rsp; a clone on a PR branch; the step environment."""
    needs_command("diff")
    upstream = new_repo(tmp_path / "upstream")
    (upstream / "policies").mkdir()
    (upstream / "policies" / "p.rsp").write_text(GOOD, encoding="utf-8")
    git(upstream, "add", ".")
    git(upstream, "commit", "-q", "-m", "base")
    origin = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(upstream), str(origin))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "-b", "pr")
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "BASE_REF": "main",
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return work, env, summary, output


def commit(repo: Path, text: str) -> None:
    (repo / "policies" / "p.rsp").write_text(text, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "change")


def test_workflow_blocks_a_weakening_pull_request(pull_request):
    work, env, summary, _ = pull_request
    commit(work, WEAKER)
    blocked = run_step("Block weakening revisions", work, env)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    text = summary.read_text(encoding="utf-8")
    assert "policies/p.rsp" in text and "weak" in text.lower()


def test_workflow_lets_a_harmless_pull_request_through(pull_request):
    work, env, summary, _ = pull_request
    commit(work, GOOD.replace("action deploy", "action deploy  # a comment only"))
    passed = run_step("Block weakening revisions", work, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_workflow_check_steps_write_sarif_summary_and_status(pull_request):
    work, env, summary, output = pull_request
    assert run_step("Check the canonical layout", work, env).returncode == 0
    commit(work, MESSY)
    assert run_step("Check the canonical layout", work, env).returncode != 0
    commit(work, VIOLATED)
    proved = run_step("Prove the policies", work, env)
    assert proved.returncode == 0, proved.stderr   # the step records the status; the last step fails
    log = json.loads((work / "rspdsl.sarif").read_text(encoding="utf-8"))
    assert log["version"] == "2.1.0"
    assert any(r["kind"] == "fail" for r in log["runs"][0]["results"])
    assert "## rspdsl check" in summary.read_text(encoding="utf-8")
    assert "status=1" in output.read_text(encoding="utf-8").splitlines()
    fail = subprocess.run(["bash", "-c", step("Fail on violations")["run"]], env={**env, "CHECK_STATUS": "1"})
    assert fail.returncode == 1
