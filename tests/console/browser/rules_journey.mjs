// An analyst's and an investigator's visit to the rules page in Debian's chromium, driven by
// playwright-core. Called by tests/console/test_rules_browser.py with one JSON argument:
//   {url, analyst, investigator (login URLs), broken, rules (rule-set texts), day (YYYY-MM-DD),
//    shots (folder), profiles (folder)}
// Prints one JSON object with what the pages showed; the Python test checks it and the
// warehouse. Any failed expectation throws (exit code 1, message on stderr).
import { chromium } from "playwright-core";
import path from "node:path";

const cfg = JSON.parse(process.argv[2]);
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];
const out = { errors: [], console: [] };

async function browser(name) {
  const context = await chromium.launchPersistentContext(path.join(cfg.profiles, name), {
    executablePath: "/usr/bin/chromium", headless: true, args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") out.console.push(m.text()); });
  return { context, page };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(cfg.shots, `${name}.png`), fullPage: true });
}

// Types the text's last characters key by key, as a person would: the check must follow.
async function typeInto(page, text) {
  const cut = text.length - 8;
  await page.fill("#rule-text", text.slice(0, cut));
  await page.focus("#rule-text");
  await page.keyboard.press("Control+End");
  await page.keyboard.type(text.slice(cut), { delay: 20 });
}

async function checkSays(page, state) {
  await page.waitForSelector(`#check[data-state=${state}]`, { timeout: 10000 });
  return page.locator("#check").innerText();
}

async function analyst() {
  const { context, page } = await browser("analyst");
  await page.goto(cfg.analyst);
  await page.goto(`${cfg.url}/rules`);
  await typeInto(page, cfg.broken);
  out.brokenCheck = await checkSays(page, "refused");
  await shot(page, "rules-1-refused");
  await typeInto(page, cfg.rules);
  out.goodCheck = await checkSays(page, "ok");
  await page.click("#save-draft");
  await page.waitForSelector("#notice");
  out.afterSave = await page.locator("#notice").innerText();
  await page.fill("input[name=from]", cfg.day);
  await page.fill("input[name=to]", cfg.day);
  await page.click("#run-backtest");
  await page.waitForSelector("#backtest", { timeout: 60000 });
  out.backtestTotals = await page.locator("#backtest-totals").innerText();
  out.backtestRules = await page.locator("#backtest-rules").innerText();
  out.backtestChanges = await page.locator("#backtest-changes").innerText();
  out.backtestDays = [await page.inputValue("input[name=from]"), await page.inputValue("input[name=to]")];
  await shot(page, "rules-2-backtest");
  await page.click("#publish");
  await page.waitForLoadState();
  out.ownPublish = await page.locator("main").innerText();
  await shot(page, "rules-3-maker-checker");
  await context.close();
}

async function investigator() {
  const { context, page } = await browser("investigator");
  await page.goto(cfg.investigator);
  await page.goto(`${cfg.url}/rules`);
  out.draftMeta = await page.locator("#draft-meta").innerText();
  await page.fill("input[name=note]", "block amounts over 400");
  await page.click("#publish");
  await page.waitForSelector("#notice");
  out.afterPublish = await page.locator("#notice").innerText();
  out.versionTwo = await page.locator("#version-2").innerText();
  out.rulesAuditActions = await page.locator("#audit tbody td:nth-child(3)").allInnerTexts();
  await page.click("#audit tbody tr:first-child td:nth-child(7) summary");
  out.publishedText = await page.locator("#audit tbody tr:first-child td:nth-child(7) pre").innerText();
  await shot(page, "rules-4-published");
  await context.close();
}

await analyst();
await investigator();
process.stdout.write(JSON.stringify(out));
