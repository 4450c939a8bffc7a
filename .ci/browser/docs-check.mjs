// Loads the interactive API docs in headless Chromium with every outside host unreachable,
// checks the operations are listed, runs one request from the page and sees its 200, and
// fails on any request the page made to anywhere but the service itself, or on anything its
// Content-Security-Policy refused.
// With ADMIN_TOKEN set, it also authorizes with that bearer token, lists users from the page
// and uploads an image through the page's multipart form (201).
// Usage: [ADMIN_TOKEN=...] node docs-check.mjs BASE_URL [CHROMIUM_PATH]
import { deflateSync } from "node:zlib";
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
    const uploaded = await upload(page);
    authorized = `, GET /api/v1/users with the bearer token answered ${users}, an upload ${uploaded}`;
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

/** Uploads a PNG through the upload operation's multipart form; the page must show 201. */
async function upload(page) {
  const operation = page.locator("#operations-media-upload_media");
  await operation.locator(".opblock-summary").click();
  if ((await operation.locator("button.execute").count()) === 0) await operation.locator("button.try-out__btn").click();
  await operation.locator(".opblock-section-request-body select").first().selectOption("multipart/form-data");
  await operation.locator('input[type="file"]').setInputFiles({ name: "card.png", mimeType: "image/png", buffer: png(64, 40) });
  await operation.locator('tr[data-param-name="alt"] input').first().fill("A card uploaded from the docs page");
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(`${base}/api/v1/media`) && r.request().method() === "POST"),
    operation.locator("button.execute").click(),
  ]);
  const cell = operation.locator(".live-responses-table tbody td.response-col_status").first();
  await cell.waitFor();
  const shown = (await cell.innerText()).trim();
  if (response.status() !== 201 || !shown.startsWith("201")) {
    throw new Error(`upload from the page: status ${response.status()} (${await response.text()}), page shows ${shown}`);
  }
  return shown;
}

/** A PNG of a gradient, `width` x `height`. */
function png(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(kind, 4, "latin1");
    data.copy(out, 8);
    out.writeUInt32BE(crc(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set([x * 4, y * 6, 128], y * (width * 3 + 1) + 1 + x * 3);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)), chunk("IEND", Buffer.alloc(0))]);
}
