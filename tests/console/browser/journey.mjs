// An investigator's and a viewer's visit to the console in Debian's chromium, driven by
// playwright-core. Called by tests/console/test_pages.py with one JSON argument:
//   {url, investigator, viewer (login URLs), caseId, card, shots (folder), profiles (folder)}
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

async function browser(name, errors) {
  const context = await chromium.launchPersistentContext(path.join(cfg.profiles, name), {
    executablePath: "/usr/bin/chromium", headless: true, args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return { context, page };
}

function expect(cond, what) {
  if (!cond) throw new Error(`expected: ${what}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(cfg.shots, `${name}.png`), fullPage: true });
}

async function investigator() {
  const { context, page } = await browser("investigator", out.console);
  await page.goto(cfg.investigator);
  expect(new URL(page.url()).pathname === "/queue", "the login lands on the queue");
  const rows = await page.locator("#queue tbody tr").count();
  out.queueRows = rows;
  await shot(page, "1-queue");
  // htmx: changing a filter reloads the rows only
  const shows = (id) => document.querySelector("#queue").innerText.includes(id);
  await page.fill("input[name=mcc]", "5411");
  await page.press("input[name=mcc]", "Tab");
  await page.waitForFunction((id) => !document.querySelector("#queue").innerText.includes(id), cfg.caseId);
  out.filteredUrl = page.url();
  out.filteredText = await page.locator("#queue").innerText();
  await page.fill("input[name=mcc]", "");
  await page.press("input[name=mcc]", "Tab");
  await page.waitForFunction(shows, cfg.caseId);
  await page.click(`a[href="/cases/${cfg.caseId}"]`);
  await page.waitForSelector("#alerts");
  out.merchantCells = await page.locator("#alerts td.merchant").allInnerTexts();
  out.xssRan = await page.evaluate(() => window.__xss === 1);
  out.caseText = await page.locator("main").innerText();
  await shot(page, "2-case");
  await page.fill("form[action$='/verdict'] input[name=note]", "card skimmed at T-0042");
  await page.click("#confirm-fraud");
  await page.waitForSelector("#notice");
  out.afterVerdict = await page.locator("#notice").innerText();
  out.blockAfterVerdict = await page.locator("#block-state").innerText();
  await page.fill("form[action$='/release'] input[name=reason]", "card replaced, old card destroyed");
  await page.click("#release-block");
  await page.waitForSelector("#notice");
  out.afterRelease = await page.locator("#notice").innerText();
  out.blockState = await page.locator("#block-state").innerText();
  out.auditOnCase = await page.locator("#audit").innerText();
  await shot(page, "3-case-closed");
  await page.goto(`${cfg.url}/audit`);
  out.auditPage = await page.locator("#audit").innerText();
  await shot(page, "4-audit");
  await page.goto(`${cfg.url}/overview`);
  out.overviewSvgs = await page.locator("svg").count();
  await shot(page, "5-overview");
  await context.close();
}

async function viewer() {
  out.viewerConsole = [];
  const { context, page } = await browser("viewer", out.viewerConsole);
  await page.goto(cfg.viewer);
  await page.goto(`${cfg.url}/cases/case-tx-b1`);
  out.viewerButtons = await page.locator("#confirm-fraud, #release-block, #extend-block").count();
  // a viewer who forges the form anyway (with their own valid CSRF token) is refused
  const status = await page.evaluate(async (card) => {
    const csrf = document.querySelector("input[name=csrf]").value;
    const body = new URLSearchParams({ csrf, reason: "I want to" });
    const r = await fetch(`/cards/${card}/release`, { method: "POST", body });
    return [r.status, await r.text()];
  }, cfg.viewerCard);
  out.viewerPost = status[0];
  out.viewerPostSaid = status[1].includes("Viewers may look");
  await shot(page, "6-viewer");
  await context.close();
}

await investigator();
await viewer();
process.stdout.write(JSON.stringify(out));
