// Drives the owner's page in Chromium: adds a topic, waits until the feedback shows it (the
// taxonomy change re-tags every row), checks the charts (topics, trend, ratings), the photo thumbnails and, at a phone's
// width, that nothing overflows; at every width, that nothing is drawn out of place (layout.mjs). Usage: node owner_flow.mjs URL TOPIC DESCRIPTION SCREENSHOT WIDTH
import { launch, pageAt } from "./chromium.mjs";
import { outOfPlace } from "./layout.mjs";

const [url, topic, description, screenshot, width = "1280"] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await pageAt(browser, width, 900);
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === "yes", null, { timeout: 30000 });
  const known = await page.$$eval(".topic .name", (nodes) => nodes.map((n) => n.textContent));
  if (!known.includes(topic)) {
    await page.fill("#t-label", topic);
    await page.fill("#t-description", description);
    await page.click("#add-topic");
  }
  // The re-tag reaches the rows; the page refreshes on "Show". The cards and the topic bars come
  // from two requests, so wait until both show it.
  const shown = () =>
    page.evaluate(
      (label) =>
        [...document.querySelectorAll(".card .chip")].some((c) => c.textContent.trim() === label) &&
        [...document.querySelectorAll(".topic-bar")].some((b) => b.textContent.trim().startsWith(label)),
      topic,
    );
  const deadline = Date.now() + 60000;
  while (!(await shown())) {
    if (Date.now() > deadline) throw new Error(`no feedback shows the topic ${topic}`);
    await page.click("#apply");
    await page.waitForTimeout(1000);
  }
  await page.waitForFunction(() => {
    const image = document.querySelector(".card .thumbs img");
    return image && image.complete && image.naturalWidth > 0;
  }, null, { timeout: 30000 });
  const result = await page.evaluate((label) => ({
    bars: [...document.querySelectorAll(".topic-bar")].map((b) => b.textContent.trim()),
    weeks: document.querySelectorAll("#trend .week").length,
    ratingAverage: document.querySelector("#rating-average").textContent,
    ratingLevels: document.querySelectorAll(".rating-level").length,
    ratedProducts: [...document.querySelectorAll("#rating-products .rating-bar")].map((b) => b.textContent.trim()),
    ratingWeeks: document.querySelectorAll("#rating-trend .week span").length,
    ratingTrendWeeks: document.querySelectorAll("#rating-trend .week").length,
    cardStars: document.querySelectorAll(".card .stars").length,
    cards: document.querySelectorAll(".card").length,
    sentiments: [...document.querySelectorAll(".card .sentiment")].map((s) => s.textContent),
    filterOffers: [...document.querySelectorAll("#f-topic option")].some((o) => o.value === label),
    overflow: document.documentElement.scrollWidth > innerWidth,
  }), topic);
  result.outOfPlace = await outOfPlace(page, "header, section", ".card img");
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
