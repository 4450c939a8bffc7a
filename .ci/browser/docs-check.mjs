// Loads the interactive API docs in headless Chromium with every outside host unreachable,
// checks the operations are listed, runs one request from the page and sees its 200, and
// fails on any request the page made to anywhere but the service itself, or on anything its
// Content-Security-Policy refused.
// With ADMIN_TOKEN set, it also authorizes with that bearer token and lists users from the page.
// Usage: [ADMIN_TOKEN=...] node docs-check.mjs BASE_URL [CHROMIUM_PATH]
import { chromium } from "playwright-core";

const base = process.argv[2];
const executablePath = process.argv[3] || "/usr/bin/chromium";
const origin = new URL(base).origin;

const browser = await chromium.launch({
  executablePath,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const outside = [];
const refused = [];
try {
  const page = await browser.newPage();
  // The service's Content-Security-Policy must not break its own page.
  page.on("console", (message) => {
    if (message.type() === "error" && message.text().includes("Content Security Policy")) refused.push(message.text());
  });
  // Every request the page makes is seen here; none may leave the service.
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin || url.startsWith("data:")) return route.continue();
    outside.push(url);
    return route.abort();
  });
  await page.goto(`${base}/docs`, { waitUntil: "networkidle" });
  await page.waitForSelector(".opblock", { timeout: 15000 });
  const operations = await page.locator(".opblock").count();
  const summaries = await page.locator(".opblock-summary-path").allInnerTexts();
  for (const path of ["/api/v1/news", "/api/v1/organizations/{slug}", "/feeds/news.atom", "/api/v1/auth/token"]) {
    if (!summaries.some((s) => s.replace(/\u200b/g, "").trim() === path)) throw new Error(`${path} is not listed`);
  }

  const shown = await execute(page, "#operations-service-get_health", `${base}/health`);
  let authorized = "";
  if (process.env.ADMIN_TOKEN) {
    await page.locator(".auth-wrapper .authorize").click();
    await page.locator(".modal-ux input").first().fill(process.env.ADMIN_TOKEN);
    await page.locator(".modal-ux button.authorize").click();
    await page.locator(".modal-ux button.btn-done").click();
    const users = await execute(page, "#operations-users-list_users", `${base}/api/v1/users`);
    authorized = `, GET /api/v1/users with the bearer token answered ${users}`;
  }
  if (outside.length) throw new Error(`the page requested outside hosts: ${outside.join(", ")}`);
  if (refused.length) throw new Error(`the page broke its Content-Security-Policy: ${refused.join("; ")}`);
  console.log(`docs: ok (${operations} operations listed, GET /health answered ${shown}${authorized}, no outside request)`);
} finally {
  await browser.close();
}

/** Expands an operation, executes it from the page, and returns the status the page shows (which must be 200). */
async function execute(page, id, url) {
  const operation = page.locator(id);
  await operation.locator(".opblock-summary").click();
  // The docs open with "Try it out" on; turn it on if a future version does not.
  if ((await operation.locator("button.execute").count()) === 0) await operation.locator("button.try-out__btn").click();
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === url),
    operation.locator("button.execute").click(),
  ]);
  const cell = operation.locator(".live-responses-table tbody td.response-col_status").first();
  await cell.waitFor();
  const shown = (await cell.innerText()).trim();
  if (response.status() !== 200 || !shown.startsWith("200")) {
    throw new Error(`${url} from the page: status ${response.status()}, page shows ${shown}`);
  }
  return shown;
}
