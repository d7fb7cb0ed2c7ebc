"""`rspdsl report` in a real browser: Debian's headless Chromium loads the generated page of every
shipped policy (with the EU baseline and a previous revision), the committed example of the
whole corpus and a page made from a hostile policy, from file://, with JavaScript on and off.

Each page: no console error (a broken Content-Security-Policy hash or script would log one),
every in-page link resolves, headings never skip a level, every table has header cells, and
the findings filter works with JavaScript and stays out of the way without it. The witness
tables hold exactly the witnesses `rspdsl check --format json` prints (the replayed ones), and
the evaluator, fed the values read off the page, reproduces the violation. A screenshot of
each page is written to test-artefacts/ (git-ignored). Chromium missing fails the tests unless
RSPDSL_NO_BROWSER=1 is set on purpose (tests/report_browser.py).
"""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report_browser import console_errors, start  # noqa: E402

from rspdsl.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "policies").glob("*.rsp"))
BASELINE = ROOT / "policies" / "baselines" / "eu-gpai-baseline.rsp"
MAPS = ROOT / "policies" / "baselines" / "maps"
EXAMPLE = ROOT / "docs" / "report" / "index.html"
V2 = ROOT / "tests" / "golden" / "ok" / "v2-runs-and-duties.rsp"  # its mitigations witness is a run (language v2)
ARTEFACTS = ROOT / "test-artefacts"

HOSTILE = '''policy "<script>document.title = 'pwned'</script> Hostile" version "1<img src=x onerror=alert(1)>"
metric uplift in [0, 1] "</code></pre><script>console.error('injected')</script> \u202egnp.exe"
safeguard security "<a href=\\"javascript:alert(1)\\">click</a>"
action deploy
threshold HIGH "<!-- -->" when uplift >= 0.5
tier LOW { }
tier TOP when HIGH {
  require security for deploy
}
permit deploy when uplift < 0.9  # https://example.org/"><script>alert(2)</script>
'''


def _report(args: list[str]) -> int:
    return main(["report", *args])


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """name -> generated page: one per shipped policy (baseline + an older, stricter revision),
    the committed corpus example, and the hostile policy's page."""
    out = tmp_path_factory.mktemp("report-pages")
    made: dict[str, Path] = {}
    for policy in SHIPPED:
        older = out / f"older-{policy.name}"
        older.write_text(policy.read_text(encoding="utf-8") + '\nforbid deploy when true "an older, stricter draft"\n',
                         encoding="utf-8")
        page = out / f"{policy.stem}.html"
        code = _report([str(policy.relative_to(ROOT)), "--baseline", str(BASELINE.relative_to(ROOT)),
                        "--maps", str(MAPS.relative_to(ROOT)), "--against", str(older), "-o", str(page)])
        assert code == 1 and page.is_file()  # every shipped policy has violations; the new revision is weaker
        made[policy.stem] = page
    made["corpus-example"] = EXAMPLE
    made["v2-runs"] = out / "v2-runs.html"
    assert _report([str(V2.relative_to(ROOT)), "-o", str(made["v2-runs"])]) == 1
    hostile = out / "hostile.rsp"
    hostile.write_text(HOSTILE, encoding="utf-8")
    made["hostile"] = out / "hostile.html"
    assert _report([str(hostile), "-o", str(made["hostile"])]) in (0, 1)
    return made


@pytest.fixture(scope="module")
def browser_js():
    driver = start(javascript=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def browser_nojs():
    driver = start(javascript=False)
    yield driver
    driver.quit()


def _load(driver, path: Path) -> list[str]:
    """Open the page from file:// and return the console errors it logged."""
    driver.get_log("browser")  # drop what an earlier page left
    driver.get(path.resolve().as_uri())
    return console_errors(driver)


NAMES = [p.stem for p in SHIPPED] + ["corpus-example", "v2-runs", "hostile"]


def _structure(driver) -> dict:
    return driver.execute_script("""
        const ids = new Set(Array.from(document.querySelectorAll('[id]'), e => e.id));
        const broken = Array.from(document.querySelectorAll('a[href^="#"]'))
            .map(a => decodeURIComponent(a.getAttribute('href').slice(1))).filter(h => !ids.has(h));
        const levels = Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'), h => Number(h.tagName[1]));
        const tables = Array.from(document.querySelectorAll('table')).map(t => ({
            headers: t.querySelectorAll('thead th[scope=col]').length,
            caption: !!t.querySelector('caption'),
            rowsWithoutHeader: Array.from(t.querySelectorAll('tbody tr'))
                .filter(r => !r.querySelector('th') && !t.querySelector('thead')).length}));
        // colour is never the only signal: each status is also written (a word, or a sign and a word)
        const unlabelled = Array.from(document.querySelectorAll('article[data-status]'))
            .filter(a => !a.querySelector('.badge').textContent.includes(a.dataset.status)).length
            + Array.from(document.querySelectorAll('table.matrix td[class^=st-], table.crosswalk td[class^=st-]'))
            .filter(td => !/[✓✗?!▼▲≈]/.test(td.textContent)).length
            + Array.from(document.querySelectorAll('.src .has-marks'))
            .filter(l => !/[✓✗?!▼▲i≈]/.test(l.querySelector('.gutter').textContent)).length;
        const findings = document.querySelectorAll('[data-status]').length;
        const visible = Array.from(document.querySelectorAll('[data-status]')).filter(e => !e.hidden).length;
        return {broken, levels, tables, findings, unlabelled, visible, anchors: document.querySelectorAll('a[href^="#"]').length,
                filters: !document.getElementById('filters').hidden, title: document.title};
    """)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("name", NAMES)
def test_page_loads_clean_and_is_well_formed(pages, browser_js, browser_nojs, name, javascript):
    driver = browser_js if javascript else browser_nojs
    assert _load(driver, pages[name]) == []
    s = _structure(driver)
    assert s["anchors"] > 0 and s["broken"] == []
    levels = s["levels"]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    assert s["tables"] and all(t["headers"] >= 1 and t["caption"] and t["rowsWithoutHeader"] == 0 for t in s["tables"])
    assert s["findings"] > 0 and s["visible"] == s["findings"]  # nothing hidden on arrival
    assert s["unlabelled"] == 0
    assert s["filters"] is javascript  # the filter form appears only when its script runs
    ARTEFACTS.mkdir(exist_ok=True)
    shot = ARTEFACTS / f"report-{name}-{'js' if javascript else 'no-js'}.png"
    assert driver.save_screenshot(str(shot)) and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_finding_and_line_anchor_resolves_by_navigation(pages, browser_js):
    """Following a finding's link lands on it (the :target is the element with that id)."""
    driver = browser_js
    _load(driver, pages[SHIPPED[0].stem])
    hrefs = driver.execute_script(
        "return Array.from(document.querySelectorAll('.marks a'), a => a.getAttribute('href')).slice(0, 8)")
    assert hrefs
    for href in hrefs:
        driver.get(pages[SHIPPED[0].stem].resolve().as_uri() + href)
        assert driver.execute_script("return document.querySelector(':target') && document.querySelector(':target').id") \
            == href[1:]


def test_filters_hide_and_show_findings(pages, browser_js):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser_js
    _load(driver, pages[SHIPPED[0].stem])

    def shown(selector: str) -> int:
        return driver.execute_script(f"return Array.from(document.querySelectorAll('{selector}')).filter(e => !e.hidden).length")

    proved = shown("[data-status=proved]")
    assert proved > 0
    driver.find_element(By.ID, "hide-proved").click()
    assert shown("[data-status=proved]") == 0 and shown("[data-status=violated]") > 0
    driver.find_element(By.ID, "hide-proved").click()
    assert shown("[data-status=proved]") == proved
    Select(driver.find_element(By.ID, "property")).select_by_value("monotonic")
    assert shown("[data-status]") == shown("[data-family=monotonic]") > 0
    Select(driver.find_element(By.ID, "property")).select_by_value("all")
    Select(driver.find_element(By.ID, "severity")).select_by_value("warning")
    assert shown("[data-status]") == shown("[data-severity=warning]")
    assert "findings shown" in driver.find_element(By.ID, "filter-count").text
    assert console_errors(driver) == []


def _check_json(policy: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "rspdsl", "check", str(policy.relative_to(ROOT)), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout, parse_float=Decimal)


def _number(text: str) -> Fraction | str:
    try:
        return Fraction(text)
    except ValueError:
        return text


def _expected(value) -> Fraction | str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return Fraction(value)
    return _number(value)  # "1/3" (an exact ratio) or a scale value


def _page_witnesses(driver) -> dict[tuple[str, str], list[dict[str, list[str]]]]:
    rows = driver.execute_script("""
        const out = [];
        for (const art of document.querySelectorAll('article[data-source=check]')) {
            // one list of cells per name: the value columns only (not the "differs" mark)
            const tables = Array.from(art.querySelectorAll('table.witness'), t => {
                const heads = Array.from(t.querySelectorAll('thead th'), h => h.textContent.trim()).slice(1);
                return Object.fromEntries(Array.from(t.querySelectorAll('tbody tr'), r =>
                    [r.querySelector('th').firstChild.textContent.trim(),
                     Array.from(r.querySelectorAll('td'), c => c.textContent.trim())
                         .filter((_, i) => heads[i] !== 'differs')]));
            });
            out.push([art.dataset.property, art.dataset.subject, tables]);
        }
        return out;""")
    return {(p, s): t for p, s, t in rows}


@pytest.mark.parametrize("policy", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_witness_tables_hold_the_replayed_values(pages, browser_js, policy):
    driver = browser_js
    _load(driver, pages[policy.stem])
    on_page = _page_witnesses(driver)
    results = _check_json(policy)["files"][0]["results"]
    with_witness = [r for r in results if r["witness"]]
    assert with_witness
    states_from_page = []
    for r in with_witness:
        tables = on_page[(r["property"], r["subject"])]
        assert len(tables) == 1
        table = tables[0]
        w = r["witness"]
        if "state" in w:
            assert {k: _number(v[0]) for k, v in table.items()} == {k: _expected(v) for k, v in w["state"].items()}
            states_from_page.append((r, {k: v[0] for k, v in table.items()}))
        elif "run" in w:  # language v2: a timeline (its replay: test_a_run_witness_is_a_timeline...)
            _assert_timeline(table, w["run"])
        else:
            assert {k: _number(v[0]) for k, v in table.items()} == {k: _expected(v) for k, v in w["lower"].items()}
            assert {k: _number(v[1]) for k, v in table.items()} == {k: _expected(v) for k, v in w["higher"].items()}
    # the values read off the page, fed back to the evaluator, reproduce each mitigations violation
    mitigations = [(r, s) for r, s in states_from_page if r["property"] == "mitigations"]
    if not mitigations:  # a policy about time: its mitigations witnesses are runs, compared above
        assert any("run" in r["witness"] for r in with_witness if r["property"] == "mitigations")
        return
    lines = "".join(json.dumps({k: _json_value(v) for k, v in s.items()}) + "\n" for _, s in mitigations)
    done = subprocess.run([sys.executable, "-m", "rspdsl", "eval", str(policy), "--states", "-", "--format", "json"],
                          input=lines, capture_output=True, text=True, cwd=ROOT, timeout=300)
    if done.returncode == 2 and "--states" in done.stderr:  # pragma: no cover - older eval without stdin
        pytest.fail(done.stderr)
    decisions = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(decisions) == len(mitigations), done.stderr
    for (r, _), decision in zip(mitigations, decisions):
        action = r["subject"].split(":", 1)[0]
        assert decision["actions"][action]["allowed"] is True
        # a recommendation (language v2) is advisory: unmet recommendations are listed apart
        missing = "unheeded" if r["subject"].endswith("(recommended)") else "unmet"
        assert decision["actions"][action][missing], (r["subject"], decision["actions"][action])


def _assert_timeline(table: dict, steps: list) -> None:
    """A run witness on the page: one column per step, the day, the acts, then every name."""
    assert [_number(c) for c in table["day"]] == [_expected(step["day"]) for step in steps]
    assert table["acts"] == [", ".join(step["acts"]) or "—" for step in steps]
    for name in steps[0]["state"]:
        assert [_number(c) for c in table[name]] == [_expected(step["state"][name]) for step in steps]


def _json_value(text: str):
    if text in ("true", "false"):
        return text == "true"
    try:
        Fraction(text)
    except ValueError:
        return text  # a scale value
    return text if "/" in text else json.loads(text)


def test_hostile_policy_text_is_shown_as_text(pages, browser_js, browser_nojs):
    from selenium.webdriver.common.by import By

    for driver in (browser_js, browser_nojs):
        assert _load(driver, pages["hostile"]) == []
        assert driver.title != "pwned" and "<script>" in driver.title  # the title shown as text, not run
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "<script>document.title = 'pwned'</script> Hostile" in body
        assert "<script>console.error('injected')</script>" in body
        assert "\\u202e" in body and "\u202e" not in body  # the bidi override is shown escaped, not obeyed
        scripts = driver.execute_script("return document.scripts.length")
        assert scripts == 1  # only the report's own
        assert driver.execute_script("return document.querySelectorAll('img, iframe, object, embed').length") == 0
        links = driver.execute_script("return Array.from(document.links, a => a.getAttribute('href'))")
        assert not any(h.lower().startswith("javascript:") for h in links)


def test_a_run_witness_is_a_timeline_of_the_replayed_run(pages, browser_js, tmp_path):
    """Language v2: `check` answers a mitigations question with a run; the page shows it one column
    per step (day, acts, then every name), and the run read off the page, fed to `rspdsl eval
    --run`, allows the action at its last step while the requirement is unmet."""
    driver = browser_js
    assert _load(driver, pages["v2-runs"]) == []
    on_page = _page_witnesses(driver)
    runs = [r for r in _check_json(V2)["files"][0]["results"] if r["witness"] and "run" in r["witness"]]
    assert runs
    for r in runs:
        (table,) = on_page[(r["property"], r["subject"])]
        steps = r["witness"]["run"]
        _assert_timeline(table, steps)
        run_file = tmp_path / "run.jsonl"
        run_file.write_text("".join(json.dumps({
            "day": _json_value(table["day"][k]),
            "state": {n: _json_value(cells[k]) for n, cells in table.items() if n not in ("day", "acts")},
            "acts": [] if table["acts"][k] == "—" else table["acts"][k].split(", ")}) + "\n"
            for k in range(len(steps))), encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "rspdsl", "eval", str(V2), "--run", str(run_file), "--format", "json"],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert done.returncode in (0, 1), done.stderr
        last = json.loads(done.stdout)["steps"][-1]
        action = r["subject"].split(":", 1)[0]
        assert last["actions"][action]["allowed"] is True and last["actions"][action]["unmet"]
