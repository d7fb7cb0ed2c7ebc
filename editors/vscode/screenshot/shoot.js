// Drives the code-server that shoot.sh started, in Debian's Chromium, and saves a screenshot:
// notify.rsp open, its proof lenses and the violated assertion's squiggle, the Problems panel,
// the outline, and the hover of a threshold. Usage: node shoot.js URL FOLDER OUT.png
// (playwright-core is found through NODE_PATH, set by shoot.sh).
"use strict";

const { chromium } = require("playwright-core");

const [url, folder, out] = process.argv.slice(2);
const WAIT = { timeout: 120000 };

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // no background networking: the machine's closed network refuses Chromium's own requests
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1480, height: 1040 } });
    await page.goto(`${url}?folder=${encodeURIComponent(folder)}`);
    await page.waitForSelector(".monaco-workbench .part.sidebar", WAIT);

    await page.keyboard.press("Control+P");          // Quick Open
    await page.waitForSelector(".quick-input-widget input", WAIT);
    await page.keyboard.type("notify.rsp");
    await page.waitForSelector(".quick-input-list .monaco-list-row", WAIT);
    await page.keyboard.press("Enter");

    // the language server's work: lenses after the proof, the prover's error, the outline
    await page.waitForSelector(".codelens-decoration >> text=/violated/", WAIT);
    await page.waitForSelector(".squiggly-error", WAIT);
    await page.click(".pane-header >> text=Outline");
    await page.waitForSelector(".part.sidebar .monaco-list-row >> text=training_compute", WAIT);
    await page.keyboard.press("Control+Shift+M");    // Problems panel
    await page.waitForSelector(".markers-panel .monaco-list-row >> text=/never-late/", WAIT);

    // hover the threshold in `tier systemic when systemic-risk`
    const line = page.locator(".view-lines .view-line", { hasText: "tier systemic when" });
    const name = line.locator("span span", { hasText: "systemic-risk" }).first();
    const box = await name.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector(".monaco-hover >> text=/Holds when/", WAIT);
    await page.waitForTimeout(500);                  // let the hover finish its fade-in
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
