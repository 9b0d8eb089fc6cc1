// Drives the system's Chromium (headless, through playwright-core: no browser download)
// over a built sarschema site, from file://, and prints one JSON report on stdout:
//   node site-browser.mjs config.json
// config: {
//   "site": "/abs/path/to/site",          every *.html below it is loaded
//   "chromium": "/usr/bin/chromium",
//   "axe": "all" | "sample" | false,       axe-core on every page, or on the first
//                                          two pages of each folder
//   "nojs": ["incidents.html"],            pages also loaded with JavaScript off
//   "scenarios": [{"name", "page", "query", "actions": [{"select"|"fill": css, "value"}]}],
//   "keyboard": "index.html",              the page whose keyboard use is checked
//   "screenshots": {"dir", "pages": [...], "sizes": [{"name", "width", "height"}]}
// }
// The report lists every console error, page error, failed request and request that
// left the site (external requests are blocked and listed), axe's violations with
// their impact, what each scenario leaves visible, and the screenshots written.
import { readFileSync, readdirSync, mkdirSync } from "node:fs";
import { join, relative, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(process.argv[2], "utf-8"));
const site = config.site;
const siteUrl = pathToFileURL(site + "/").href;
const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf-8");

function htmlFiles(folder) {
  const out = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...htmlFiles(path));
    else if (entry.name.endsWith(".html")) out.push(relative(site, path));
  }
  return out.sort();
}

const report = { pages: 0, problems: [], axe: [], scenarios: [], keyboard: null, screenshots: [] };
const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const axeOptions = {
  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
  resultTypes: ["violations"],
};

// A tab that records what goes wrong on it, under the name of the page it shows.
async function tab(ctx = context) {
  const state = { current: "" };
  const page = await ctx.newPage();
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(siteUrl) || url.startsWith("data:")) return route.continue();
    report.problems.push({ page: state.current, kind: "external-request", text: url });
    return route.abort();
  });
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning")
      report.problems.push({ page: state.current, kind: `console-${msg.type()}`, text: msg.text() });
  });
  page.on("pageerror", (err) =>
    report.problems.push({ page: state.current, kind: "page-error", text: String(err) }));
  page.on("requestfailed", (req) =>
    report.problems.push({ page: state.current, kind: "request-failed",
      text: `${req.url()} ${req.failure()?.errorText}` }));
  page.load = async (name, query = "") => {
    state.current = name + query;
    const response = await page.goto(siteUrl + name + query, { waitUntil: "load" });
    if (!response) report.problems.push({ page: state.current, kind: "no-response", text: "" });
  };
  return page;
}

// Every page, in three tabs at once; axe-core on all of them or on a sample.
const names = htmlFiles(site);
const seen = new Map();
const axed = new Set();
for (const name of names) {
  const folder = dirname(name);
  seen.set(folder, (seen.get(folder) || 0) + 1);
  if (config.axe === "all" || (config.axe === "sample" && seen.get(folder) <= 2)) axed.add(name);
}
let next = 0;
async function worker() {
  const page = await tab();
  while (next < names.length) {
    const name = names[next++];
    await page.load(name);
    report.pages += 1;
    if (axed.has(name)) {
      await page.addScriptTag({ content: axeSource });
      const result = await page.evaluate((options) => window.axe.run(document, options), axeOptions);
      for (const v of result.violations)
        report.axe.push({ page: name, id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) });
    }
  }
  await page.close();
}
await Promise.all([worker(), worker(), worker()]);
report.axed = axed.size;
report.axe.sort((a, b) => a.page.localeCompare(b.page));

const page = await tab();
const load = page.load;

for (const scenario of config.scenarios || []) {
  await load(scenario.page, scenario.query || "");
  for (const action of scenario.actions || []) {
    if (action.select) await page.selectOption(action.select, action.value);
    if (action.fill) await page.fill(action.fill, action.value);
    if (action.click) await page.click(action.click);
    if (action.wait) await page.waitForLoadState("load");
  }
  const state = await page.evaluate(() => ({
    formShown: !document.getElementById("filters")?.hidden,
    visible: [...document.querySelectorAll("#list > li")]
      .filter((li) => !li.hidden && li.offsetParent !== null)
      .map((li) => li.querySelector("a").getAttribute("href")),
    status: document.getElementById("filter-status")?.textContent || "",
    url: location.search,
  }));
  report.scenarios.push({ name: scenario.name, ...state });
}

if (config.nojs) {
  const off = await browser.newContext({ javaScriptEnabled: false });
  const plain = await tab(off);
  report.nojs = [];
  for (const name of config.nojs) {
    await plain.load(name);
    report.nojs.push({
      page: name,
      formShown: await plain.locator("#filters").isVisible(),
      visible: await plain.locator("#list > li").evaluateAll(
        (items) => items.filter((li) => li.offsetParent !== null).length),
      browseLinks: await plain.locator(".facet-links a").count(),
    });
  }
  await off.close();
}

if (config.keyboard) {
  await load(config.keyboard);
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return { text: el.textContent.trim(), href: el.getAttribute("href"),
      outline: style.outlineStyle, outlineWidth: style.outlineWidth, top: el.getBoundingClientRect().top };
  });
  await page.keyboard.press("Enter");
  const afterSkip = await page.evaluate(() => document.activeElement.id);
  await page.keyboard.press("Tab");
  const next = await page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return { tag: el.tagName.toLowerCase(), inMain: !!el.closest("main"),
      outline: style.outlineStyle, outlineWidth: style.outlineWidth };
  });
  report.keyboard = { first, afterSkip, next };
}

if (config.screenshots) {
  const { dir, pages, sizes } = config.screenshots;
  mkdirSync(dir, { recursive: true });
  for (const size of sizes) {
    await page.setViewportSize({ width: size.width, height: size.height });
    for (const shot of pages) {
      await load(shot.page);
      const path = join(dir, `${shot.name}-${size.name}.png`);
      await page.screenshot({ path });
      report.screenshots.push(path);
    }
  }
}

await browser.close();
process.stdout.write(JSON.stringify(report, null, 1) + "\n");
