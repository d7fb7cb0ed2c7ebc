"""`rspdsl report` without a browser: the page is built from the very JSON documents the other
commands print, the committed example cannot drift, every example in docs/report.md runs, the
witness kinds share one table, hostile text is escaped, and bad input gets exit 2 with a reason.
The browser tests are in tests/test_report_browser.py."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from rspdsl.cli import build_parser, main
from rspdsl.commands import report as report_command
from rspdsl.render.html import render_report
from rspdsl.render.html.source_view import header, source_lines
from rspdsl.render.html.witness import check_witness, diff_witness

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "report.md"
EXAMPLE = ROOT / "docs" / "report" / "index.html"
PYTHON = sys.executable
SHIPPED = sorted((ROOT / "policies").glob("*.rsp"))

SMALL = '''policy "Small" version "1"
# cites https://example.org/rsp.pdf, and javascript:alert(1) is no link
metric uplift in [0, 1] "Share of tasks"
safeguard security
action deploy
threshold HIGH when uplift >= 0.5
tier LOW { }
tier TOP when HIGH {
  require security for deploy
}
permit deploy when uplift < 0.9
'''
STRICTER = SMALL + 'forbid deploy when uplift >= 0.5 and not security "the older draft stopped here"\n'


def _doc_commands() -> list[str]:
    return [line[2:] for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("$ rspdsl report")]


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """A documented command, with `rspdsl` run as this Python's module (the shell expands globs)."""
    argv = command.split(" ", 1)
    return subprocess.run(f"{shlex.quote(PYTHON)} -m rspdsl {argv[1]}", shell=True, cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def _args(argv: list[str]):
    return build_parser("report").parse_args(["report", *argv])


def _masked(html: str) -> str:
    """The page without the solver's and Python's versions, which CI's install may move."""
    html = re.sub(r'(<td id="z3-version">)[^<]*', r"\1Z3", html)
    return re.sub(r"(<th scope=\"row\">Python</th><td>)[^<]*", r"\1PY", html)


# ---------------------------------------------------------------- the committed example, the docs

def test_committed_example_equals_a_fresh_generation(tmp_path):
    corpus = next(c for c in _doc_commands() if "-o docs/report/index.html" in c)
    fresh = tmp_path / "index.html"
    done = _run(corpus.replace("-o docs/report/index.html", f"-o {shlex.quote(str(fresh))}"), ROOT)
    assert done.returncode == 1, done.stderr  # the shipped policies have violations
    committed = EXAMPLE.read_text(encoding="utf-8")
    assert _masked(fresh.read_text(encoding="utf-8")) == _masked(committed), (
        "docs/report/index.html is stale: rerun the command in docs/report.md")
    assert "date omitted (--deterministic)" in committed
    for policy in SHIPPED:
        assert f"<code>policies/{policy.name}</code>" in committed


def test_readme_links_the_example():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/report/index.html" in readme and "docs/report.md" in readme
    # the README's command is one docs/report.md shows, so test_every_documented_command_runs runs it
    shown = [line.strip()[2:].split("#")[0].strip() for line in readme.splitlines()
             if line.strip().startswith("$ rspdsl report")]
    assert shown and all(command in _doc_commands() for command in shown)


def test_documented_anchors_exist_in_the_example():
    text = DOC.read_text(encoding="utf-8")
    html = EXAMPLE.read_text(encoding="utf-8")
    anchors = re.findall(r"`#(p-[a-z0-9-]+)`", text)
    assert anchors
    for anchor in anchors:
        assert f'id="{anchor}"' in html


def test_every_documented_command_runs(tmp_path):
    """Each `$ rspdsl report` line of docs/report.md except the corpus one (run above), in a
    scratch git repository holding new.rsp (committed stricter, now weaker) and old.rsp."""
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    (tmp_path / "new.rsp").write_text(STRICTER, encoding="utf-8")
    (tmp_path / "old.rsp").write_text(STRICTER, encoding="utf-8")
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    for git in (["init", "-q"], ["add", "new.rsp"], ["commit", "-q", "-m", "stricter"]):
        subprocess.run(["git", *git], cwd=tmp_path, check=True, env=env, capture_output=True)
    (tmp_path / "new.rsp").write_text(SMALL, encoding="utf-8")
    commands = [c for c in _doc_commands() if "docs/report/index.html" not in c]
    assert len(commands) >= 3
    for command in commands:
        out = tmp_path / command.split(" -o ")[1].split()[0]
        out.unlink(missing_ok=True)
        done = _run(command, tmp_path)
        # the shipped corpus alone: every finding is accepted (exit 0); otherwise a violation or
        # a weakening since the old draft (exit 1)
        expected = 0 if command.split(" -o ")[0].endswith("policies/*.rsp") else 1
        assert done.returncode == expected, (command, done.stderr)
        page = out.read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
        if "new.rsp" in command:
            assert "Changes since the previous revision" in page and "weaker" in page


# ---------------------------------------------------------------- built from the published documents

def test_documents_are_the_json_the_commands_print(tmp_path):
    policy = tmp_path / "small.rsp"
    policy.write_text(SMALL, encoding="utf-8")
    old = tmp_path / "old.rsp"
    old.write_text(STRICTER, encoding="utf-8")
    args = _args([str(policy), "--against", str(old), "--baseline", str(ROOT / "policies/baselines/eu-gpai-baseline.rsp")])
    docs = report_command.collect(args)

    def printed(*argv: str) -> dict:
        done = subprocess.run([PYTHON, "-m", "rspdsl", *argv, "--format", "json"], capture_output=True, text=True,
                              timeout=300)
        return json.loads(done.stdout, parse_float=Decimal)

    assert docs["check"] == printed("check", str(policy))
    assert docs["diffs"][str(policy)]["report"] == printed("diff", str(old), str(policy))
    assert docs["baseline"]["result"] == printed("baseline", str(ROOT / "policies/baselines/eu-gpai-baseline.rsp"),
                                                 str(policy))
    assert report_command.exit_code(docs) == 2  # the small policy cannot bind the baseline's names (E0705)


def test_weakening_since_the_previous_revision(tmp_path):
    policy, old, out = tmp_path / "p.rsp", tmp_path / "old.rsp", tmp_path / "r.html"
    policy.write_text(SMALL, encoding="utf-8")
    old.write_text(STRICTER, encoding="utf-8")
    assert main(["report", str(policy), "--against", str(old), "-o", str(out)]) == 1
    html = out.read_text(encoding="utf-8")
    section = html[html.index("Changes since the previous revision"):]
    assert "weaker" in section and "▼ weakening" in section
    assert "<th scope=\"col\">OLD</th><th scope=\"col\">NEW</th>" in section
    assert f"rspdsl eval {old} --state old.json" in section and f"rspdsl eval {policy} --state new.json" in section


def test_deterministic_pages_are_byte_identical_and_dated_otherwise(tmp_path, capsys):
    policy = tmp_path / "p.rsp"
    policy.write_text(SMALL, encoding="utf-8")
    pages = []
    for _ in range(2):
        assert main(["report", str(policy), "--deterministic", "--no-cache"]) == 1
        pages.append(capsys.readouterr().out)
    assert pages[0] == pages[1] and "date omitted (--deterministic)" in pages[0]
    assert main(["report", str(policy)]) == 1
    assert re.search(r"<th scope=\"row\">generated</th><td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", capsys.readouterr().out)


def test_page_shows_hashes_versions_and_the_reproducing_command(tmp_path, capsys):
    import hashlib

    policy = tmp_path / "p.rsp"
    policy.write_text(SMALL, encoding="utf-8")
    main(["report", str(policy), "--seed", "3", "--timeout", "5", "--deterministic"])
    html = capsys.readouterr().out
    assert hashlib.sha256(SMALL.encode()).hexdigest() in html
    assert f"rspdsl report {policy} --timeout 5 --seed 3 --deterministic" in html
    assert '<td id="z3-version">' in html and ">Small</td><td>1</td>" in html


# ---------------------------------------------------------------- witnesses, source, escaping

def test_witness_kinds_share_one_table():
    state = check_witness({"state": {"uplift": Decimal("0.1"), "ok": False, "r": "1/3", "level": "high"}}, "p.rsp")
    assert state is not None and state.kind == "state" and state.headers == ("value",)
    assert [(r.name, r.cells) for r in state.rows] == [("uplift", ("0.1",)), ("ok", ("false",)), ("r", ("1/3",)),
                                                       ("level", ("high",))]
    assert state.replay == ("echo '{\"uplift\": 0.1, \"ok\": false, \"r\": \"1/3\", \"level\": \"high\"}' > witness.json"
                            " && rspdsl eval p.rsp --state witness.json",)
    pair = check_witness({"lower": {"x": 0, "y": True}, "higher": {"x": 1, "y": True}}, "p.rsp")
    assert pair is not None and pair.kind == "pair" and pair.headers == ("lower", "higher")
    assert [r.differs for r in pair.rows] == [True, False] and len(pair.replay) == 2
    change = {"witness": {"state": {"x": 1}, "old_state": {"x": 1, "gone": True}, "new_state": {"x": 1}}}
    diff = diff_witness(change, "old.rsp", "new.rsp", "git show 'HEAD:p.rsp' > old.rsp")
    assert diff.headers == ("OLD", "NEW") and diff.rows[1].note == "only in OLD"
    assert diff.replay[0].startswith("git show 'HEAD:p.rsp' > old.rsp && echo")


def test_a_run_is_a_timeline():
    """Language v2's run witness (language-v2.md §5): one column per step; a step may give only
    the names that changed (`eval --run`'s form). tests/test_report_browser.py checks a real one."""
    run = check_witness({"run": [{"day": 0, "state": {"x": 0, "ok": False}, "acts": ["train"]},
                                 {"day": Decimal("3.5"), "state": {"x": 1}, "acts": []}]}, "p.rsp")
    assert run is not None and run.kind == "run" and run.headers == ("step 0", "step 1")
    assert [(r.name, r.cells) for r in run.rows] == [("day", ("0", "3.5")), ("acts", ("train", "—")),
                                                     ("x", ("0", "1")), ("ok", ("false", "false"))]
    assert run.rows[2].differs and not run.rows[3].differs
    assert run.replay[0].endswith("> run.jsonl && rspdsl eval p.rsp --run run.jsonl")


def test_source_is_highlighted_with_the_lexer_and_cites_become_links():
    lines = source_lines(SMALL, "p")
    assert "".join(s.text for s in lines[0].segments) == 'policy "Small" version "1"'
    assert [(s.cls, s.text) for s in lines[0].segments if s.cls] == [("k", "policy"), ("s", '"Small"'), ("k", "version"),
                                                                      ("s", '"1"')]
    links = [s.href for line in lines for s in line.segments if s.href]
    assert links == ["https://example.org/rsp.pdf"]
    assert header(SMALL) == ("Small", "1")
    broken = source_lines("policy \"A\"\n @@ x\nmetric a\n", "q")
    assert [(s.cls, s.text) for s in broken[1].segments] == [("", " "), ("x", "@@ x")]
    assert [s.cls for s in broken[2].segments] == ["k", "", "v"]


def test_hostile_text_is_escaped_and_controls_made_visible(tmp_path):
    policy = tmp_path / "h.rsp"
    policy.write_text(SMALL.replace('"Small"', '"<script>alert(1)</script>\u202e"')
                      .replace('"Share of tasks"', '"<img src=x onerror=alert(2)>"'), encoding="utf-8")
    out = tmp_path / "h.html"
    main(["report", str(policy), "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    assert html.count("<script") == 1 and "<img" not in html and "\u202e" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;\\u202e" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp.group(1) and "script-src 'sha256-" in csp.group(1)


def test_unusable_policy_still_gets_a_page_with_the_error_at_its_line(tmp_path):
    policy = tmp_path / "broken.rsp"
    policy.write_text(SMALL.replace("permit deploy when uplift < 0.9", "permit deploy when uplfit < 0.9"),
                      encoding="utf-8")
    out = tmp_path / "b.html"
    assert main(["report", str(policy), "-o", str(out)]) == 2
    html = out.read_text(encoding="utf-8")
    assert "E0103" in html and 'href="#p-broken-L11"' in html and "Not checked: the file cannot be used" in html


@pytest.mark.parametrize("argv, message", [
    (["--map", "x.map"], "--map and --maps need --baseline"),
    (["--against", "a.rsp", "--against", "b.rsp"], "2 --against files for 1 policies"),
    (["-o", "/nonexistent-dir/r.html"], "cannot write /nonexistent-dir/r.html"),
])
def test_bad_flags_exit_2_with_a_reason(tmp_path, capsys, argv, message):
    policy = tmp_path / "p.rsp"
    policy.write_text(SMALL, encoding="utf-8")
    assert main(["report", str(policy), *argv]) == 2
    assert message in capsys.readouterr().err


def test_against_and_git_are_exclusive(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "p.rsp", "--against", "o.rsp", "--git", "HEAD"])
    assert exc.value.code == 2


def test_render_report_is_plain_data_in_html_out():
    docs = {"provenance": {"rspdsl": "0", "z3": "z", "python": "p", "generated": None, "command": "rspdsl report x",
                           "options": {}, "title": "T"},
            "inputs": [], "policies": [{"file": "x.rsp", "text": None}],
            "check": {"files": [{"file": "x.rsp", "policy": None, "results": [],
                                 "diagnostics": [{"severity": "error", "code": "E0001", "message": "gone", "line": 1,
                                                  "column": 1, "hint": None, "related": []}]}]},
            "baseline": None, "diffs": {}}
    html = render_report(docs)
    assert "The file could not be read" in html and "E0001" in html


def test_benchmark_rows_are_formed_from_measurements():
    """benchmarks/report.py (no timing here): its command is the documented corpus command, and
    its table reports each figure against its target."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import report as report_bench
    import run as bench

    corpus = next(c for c in _doc_commands() if "-o docs/report/index.html" in c)
    command = report_bench._command(["policies/a.rsp"], Path("out.html"))
    assert command[len(bench.rspdsl_command()):] == ["report", "policies/a.rsp", *corpus.split()[3:-2], "-o", "out.html"]
    warm, cold = bench.Stats("cache warm", [1.0, 1.2], [1000], [1], [0.9]), bench.Stats("--no-cache", [3.5], [1000], [1], [3])
    text = report_bench.table({"warm": warm, "cold": cold, "corpus_bytes": 900_000, "sizes": {"p.rsp": 1_200_000}})
    assert "| cache warm | 1.100 (1.000–1.200)" in text and "< 3 s: met" in text and "< 3 s: MISSED" in text
    assert "| p.rsp | 1,200,000 | < 1 MB: MISSED |" in text


def test_previous_revisions_from_a_directory_and_a_new_file(tmp_path):
    (tmp_path / "old").mkdir()
    a, b = tmp_path / "a.rsp", tmp_path / "b.rsp"
    a.write_text(SMALL, encoding="utf-8")
    b.write_text(SMALL, encoding="utf-8")
    (tmp_path / "old" / "a.rsp").write_text(SMALL, encoding="utf-8")  # b.rsp is new
    args = _args([str(a), str(b), "--against", str(tmp_path / "old")])
    docs = report_command.collect(args)
    assert docs["diffs"][str(a)]["report"]["verdict"] == "equivalent"
    assert docs["diffs"][str(b)]["report"]["new_file"] is True
    html = render_report(docs)
    assert "a new file; nothing to compare" in html and "Comparison across policies" in html


def test_an_unknown_git_revision_is_reported_on_the_page_and_exits_2(tmp_path):
    policy, out = ROOT / "policies" / "gdm-fsf-v3.rsp", tmp_path / "r.html"
    assert main(["report", str(policy.relative_to(ROOT)), "--git", "no-such-revision-xyz", "-o", str(out)]) == 2
    html = out.read_text(encoding="utf-8")
    assert "✗ Not compared: unknown revision `no-such-revision-xyz`" in html


def test_every_element_the_templates_open_is_closed(tmp_path):
    """A template slip (an unclosed <td>, a stray </div>) would still render in a browser; here it fails."""
    from html.parser import HTMLParser

    void = {"meta", "input", "br", "img", "link", "hr"}

    class Balance(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.errors: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if not self.stack or self.stack[-1] != tag:
                self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}")
            else:
                self.stack.pop()

    checker = Balance()
    checker.feed(EXAMPLE.read_text(encoding="utf-8"))
    assert checker.errors == [] and checker.stack == []


def test_unusable_input_is_also_named_on_stderr(tmp_path, capsys):
    policy = tmp_path / "broken.rsp"
    policy.write_text(SMALL.replace("permit deploy when uplift < 0.9", "permit deploy when uplfit < 0.9"),
                      encoding="utf-8")
    assert main(["report", str(policy), "-o", str(tmp_path / "b.html")]) == 2
    err = capsys.readouterr().err
    assert f"{policy}:11:20: E0103 unknown name `uplfit`" in err and "hint:" in err


def test_the_output_never_overwrites_an_input(tmp_path, capsys):
    policy = tmp_path / "p.rsp"
    policy.write_text(SMALL, encoding="utf-8")
    assert main(["report", str(policy), "-o", str(policy)]) == 2
    assert "is an input" in capsys.readouterr().err and policy.read_text(encoding="utf-8") == SMALL


def test_compiled_templates_are_cached_only_in_a_private_directory(tmp_path, monkeypatch):
    from rspdsl.render.html import page

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert page._bytecode_cache() is not None
    assert (tmp_path / "rspdsl" / "templates").stat().st_mode & 0o077 == 0
    (tmp_path / "rspdsl" / "templates").chmod(0o777)  # someone else could plant compiled code here
    assert page._bytecode_cache() is None


def test_the_templates_ship_in_the_wheel():
    """pyproject's package list and package data cover rspdsl/render/html and every template."""
    import fnmatch
    import tomllib

    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "rspdsl.render.html" in setup["packages"]
    globs = setup["package-data"]["rspdsl.render.html"]
    folder = ROOT / "rspdsl" / "render" / "html"
    shipped = [p.relative_to(folder).as_posix() for p in (folder / "templates").iterdir()]
    assert shipped and all(any(fnmatch.fnmatch(name, g) for g in globs) for name in shipped)
    assert "jinja2>=3.1" in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


def test_a_missing_browser_fails_unless_skipping_is_asked_for(monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import report_browser

    monkeypatch.setattr(report_browser.shutil, "which", lambda name: None)
    monkeypatch.delenv("RSPDSL_NO_BROWSER", raising=False)
    with pytest.raises(pytest.fail.Exception, match="chromium and chromedriver not installed"):
        report_browser.browser_paths()
    monkeypatch.setenv("RSPDSL_NO_BROWSER", "1")
    with pytest.raises(pytest.skip.Exception):
        report_browser.browser_paths()


def test_the_summary_shows_the_audit_of_each_policy():
    """Issue 13, item 2: the audit's answers are on the page, as `rspdsl audit` gives them."""
    page = (ROOT / "docs" / "report" / "index.html").read_text(encoding="utf-8")
    audit = subprocess.run([sys.executable, "-m", "rspdsl", "audit", "--format", "json",
                            *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "policies").glob("*.rsp"))],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    for policy in json.loads(audit.stdout)["policies"]:
        for tier in policy["self_marking"]:
            row = (f"<tr><th scope=\"row\">{tier['tier']}</th><td>{tier['internal_can_avoid']}</td>"
                   f"<td>{tier['external_can_force']}</td></tr>")
            assert row in page, (policy["file"], row)
