"""docs/editors.md is executed: its LSP session is replayed against `rspdsl lsp` (every message
the server is shown sending must arrive), its policy checks, and its editor configurations and
install command name what exists; its VS Code screenshot is a PNG that the script named beside it
takes, of a policy that has the one violation it shows."""
from __future__ import annotations

import re
import struct
import tomllib
from pathlib import Path

import pytest
from lsp_transcript import RawClient, contains, parse_transcript

import rspdsl

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
PLACEHOLDER = "<the policy above>"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", DOC, re.S | re.M)


def _with_policy(message, policy: str):
    if isinstance(message, dict):
        return {k: _with_policy(v, policy) for k, v in message.items()}
    if isinstance(message, list):
        return [_with_policy(v, policy) for v in message]
    return policy if message == PLACEHOLDER else message


def test_the_session_in_the_docs_is_what_the_server_says():
    [policy] = _blocks("rsp")
    steps = parse_transcript(DOC)
    assert len(steps) > 20 and any(PLACEHOLDER in str(m) for _, m in steps)
    client = RawClient()
    try:
        for arrow, message in steps:
            message = {"jsonrpc": "2.0", **_with_policy(message, policy)}
            if arrow == "-->":
                client.send(message)
            else:
                client.expect(message)
    finally:
        code = client.close()
    assert code == 0   # `shutdown` then `exit`


def test_the_docs_policy_checks_and_has_the_violations_shown():
    [policy] = _blocks("rsp")
    report = rspdsl.check(rspdsl.loads(policy))
    assert sorted(r.property for r in report.results if r.status == "violated") == [
        "assert:secured-when-frontier", "mitigations"]


def test_the_screenshot_shown_is_a_small_png_that_its_script_takes():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", DOC)
    assert images == ["images/vscode-notify.png"]
    data = (ROOT / "docs" / images[0]).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1000 and height >= 700 and len(data) < 300_000
    shoot = (ROOT / "editors" / "vscode" / "screenshot" / "shoot.sh").read_text(encoding="utf-8")
    assert "docs/images/vscode-notify.png" in shoot and "docs/examples/notify.rsp" in shoot
    assert "editors/vscode/screenshot/shoot.sh" in DOC


def test_the_screenshot_s_policy_has_the_one_violation_it_shows():
    report = rspdsl.check(rspdsl.load(str(ROOT / "docs" / "examples" / "notify.rsp")))
    violated = [(r.property, r.subject) for r in report.results if r.status == "violated"]
    assert violated == [("assert:never-late", "never-late")]


def test_contains_reads_an_abridged_message_as_a_part_of_the_real_one():
    assert contains({"a": 1, "b": [{"c": 2, "d": 3}]}, {"b": [{"c": 2}]})
    assert not contains({"b": [{"c": 2}, {"c": 3}]}, {"b": [{"c": 2}]})   # lists keep their length
    assert not contains({"a": 1}, {"a": 2})


def test_the_helix_configuration_parses_and_starts_the_server():
    [helix] = _blocks("toml")
    config = tomllib.loads(helix)
    server = config["language-server"]["rspdsl"]
    assert [server["command"], *server["args"]] == ["rspdsl", "lsp"]
    [language] = config["language"]
    assert language["file-types"] == ["rsp"] and language["language-servers"] == ["rspdsl"]


def test_the_neovim_configuration_starts_the_server_for_rsp_files():
    [lua] = _blocks("lua")
    assert 'cmd = { "rspdsl", "lsp" }' in lua and 'extension = { rsp = "rsp" }' in lua
    assert lua.count("(") == lua.count(")") and lua.count("{") == lua.count("}")


def test_the_install_command_names_the_extra_that_holds_the_server():
    assert 'pip install "rspdsl[lsp]"' in DOC
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extra = pyproject["project"]["optional-dependencies"]["lsp"]
    assert {re.split(r"[<>=]", d)[0] for d in extra} == {"pygls", "lsprotocol"}
    assert "rspdsl.lsp" in pyproject["tool"]["setuptools"]["packages"]


@pytest.mark.parametrize("option", ["diagnosticDelayMs", "proofDelayMs", "proofTimeoutMs"])
def test_every_documented_setting_is_read_by_the_server(option: str):
    from rspdsl.lsp.server import Settings

    assert f"`{option}`" in DOC
    default = Settings()
    changed = Settings.from_options({option: 1234})
    assert changed != default
