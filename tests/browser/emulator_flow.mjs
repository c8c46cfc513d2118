// Drives the WhatsApp emulator page in Chromium: a whole conversation with a photo, until the
// stored Feedback row shows its media. Usage: node emulator_flow.mjs URL CUSTOMER PHOTO SCREENSHOT
import { chromium } from "playwright-core";

const [url, customer, photo, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  await page.goto(url);
  await page.fill("#customer", customer);

  const say = async (text, replies, file) => {
    if (file) await page.setInputFiles("#photo", file);
    await page.fill("#message", text);
    await page.click("#send");
    await page.waitForFunction((n) => document.querySelectorAll(".bubble.bot").length >= n,
                               replies, { timeout: 30000 });
  };
  await say("Hi", 1);
  await say("Acme kettle", 2);
  await say("Boils fast but the lid leaks", 3);
  await say("", 4, photo);
  await say("yes", 5);

  await page.waitForFunction(() => {
    const image = document.querySelector(".feedback-row a.media-link img");
    return image && image.complete && image.naturalWidth > 0;
  }, null, { timeout: 60000 });
  const row = await page.textContent(".feedback-row");
  if (!row.includes("Acme kettle") || !row.includes("Boils fast but the lid leaks")) {
    throw new Error(`unexpected feedback row: ${row}`);
  }
  const status = await page.textContent('[data-field="status"]');
  if (status.trim() !== "completed") throw new Error(`session status is ${status}`);
  const bubbles = await page.$$eval(".bubble.bot", (nodes) => nodes.map((n) => n.textContent));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ row, status, replies: bubbles }));
} finally {
  await browser.close();
}
