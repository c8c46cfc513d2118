// Drives the WhatsApp emulator page in Chromium: a whole conversation with a photo, until the
// stored Feedback row shows its media. Usage: node emulator_flow.mjs URL CUSTOMER PHOTO SCREENSHOT
// [WIDTH]. It reports what is drawn out of place (layout.mjs); at a phone's width (under 720 px)
// it also checks that the panels stack, that the page has a favicon and that emoji are drawn in
// colour (an emoji font, not a text font's boxes).
import { launch, pageAt } from "./chromium.mjs";
import { outOfPlace } from "./layout.mjs";

const [url, customer, photo, screenshot, width = "1280"] = process.argv.slice(2);
const phone = Number(width) < 720;
const browser = await launch();
try {
  const page = await pageAt(browser, width, 820);
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
  await say("⭐⭐⭐⭐", 4);  // the rating, as stars
  await say("", 5, photo);
  await say("yes", 6);

  await page.waitForFunction(() => {
    const image = document.querySelector(".feedback-row a.media-link img");
    return image && image.complete && image.naturalWidth > 0;
  }, null, { timeout: 60000 });
  const row = await page.textContent(".feedback-row");
  const rating = await page.textContent(".feedback-row .rating");
  if (!row.includes("Acme kettle") || !row.includes("Boils fast but the lid leaks") || rating !== "4") {
    throw new Error(`unexpected feedback row: ${row}`);
  }
  // Twilio's status callbacks (the stand-in posts them): every reply shown ends read (blue ✓✓).
  await page.waitForFunction(() => [...document.querySelectorAll(".bubble.bot .ticks")]
    .every((tick) => tick.classList.contains("read")), null, { timeout: 30000 });
  const ticks = await page.$$eval(".bubble.bot .ticks", (nodes) => nodes.map((n) => n.title));
  const status = await page.textContent('[data-field="status"]');
  if (status.trim() !== "completed") throw new Error(`session status is ${status}`);
  const bubbles = await page.$$eval(".bubble.bot", (nodes) => nodes.map((n) => n.textContent));
  const checks = phone ? await phoneChecks(page, url) : {};  // with the whole conversation shown
  checks.outOfPlace = await outOfPlace(page, "header, .phone, section", ".bubble img, td img");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ row, status, replies: bubbles, ticks, ...checks }));
} finally {
  await browser.close();
}

async function phoneChecks(page, url) {
  const favicon = await page.request.get(new URL("/favicon.ico", url).href);
  const layout = await page.evaluate(() => {
    const phoneBox = document.querySelector(".phone").getBoundingClientRect();
    const panel = document.querySelector("section").getBoundingClientRect();
    const overflow = document.documentElement.scrollWidth > innerWidth;
    return { stacked: panel.top >= phoneBox.bottom - 1, overflow };
  });
  const colourEmoji = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 40;
    const context = canvas.getContext("2d");
    context.font = getComputedStyle(document.body).fontFamily.replace(/^/, "32px ");
    context.fillText("👋", 0, 32);
    const pixels = context.getImageData(0, 0, 40, 40).data;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
      if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) return true;
    }
    return false;
  });
  return {
    favicon: favicon.status(),
    faviconType: favicon.headers()["content-type"],
    stacked: layout.stacked,
    horizontalOverflow: layout.overflow,
    colourEmoji,
  };
}
