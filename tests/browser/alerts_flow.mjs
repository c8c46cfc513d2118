// Drives the alerts section of the owner's page in Chromium. `add`: a destination at a private
// address is refused (the error names the URL), then two webhook destinations for every new
// feedback are added, the first one's signing secret shown once. `check`: waits until the
// deliveries show one delivered and one failed, sends the failed one again, opens the page at
// an alert's link and finds that feedback outlined; at every width, that nothing overflows or
// is drawn out of place. Usage: node alerts_flow.mjs URL add|check SCREENSHOT WIDTH [OK_URL REFUSING_URL | LINKED_URL]
import { launch, pageAt } from "./chromium.mjs";
import { outOfPlace } from "./layout.mjs";

const [url, mode, screenshot, width, ...rest] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await pageAt(browser, width, 900);
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === "yes", null, { timeout: 30000 });
  const result = {};
  if (mode === "add") {
    const [okUrl, refusingUrl] = rest;
    const add = async (name, target) => {
      await page.fill("#a-name", name);
      await page.selectOption("#a-kind", "webhook");
      await page.fill("#a-url", target);
      for (const box of await page.$$("#a-sentiments input:checked")) await box.uncheck();
      await page.click("#add-destination");
      await page.waitForFunction(() => document.querySelector("#a-secret").textContent.trim() !== "");
      const said = await page.textContent("#a-secret");
      await page.evaluate(() => { document.querySelector("#a-secret").textContent = ""; });
      return said;
    };
    result.refused = await add("private", "https://10.1.2.3/hook");
    result.secret = await add("customer care", okUrl);
    result.failingAdded = await add("broken endpoint", refusingUrl);
    await page.waitForFunction(() => document.querySelectorAll(".destination").length >= 2);
    result.destinations = await page.$$eval(".destination .name", (n) => n.map((x) => x.textContent));
    result.urlsShown = await page.$$eval(".destination .empty", (n) => n.map((x) => x.textContent));
    const careRow = page.locator(".destination", { hasText: "customer care" });
    await careRow.locator(".try").click();
    await page.waitForFunction(() => [...document.querySelectorAll(".destination .tried")].some((t) => t.textContent));
    result.tried = await careRow.locator(".tried").textContent();
  } else {
    const states = () => page.$$eval(".delivery", (rows) => rows.map((r) => ({
      state: r.querySelector(".state").textContent,
      error: r.querySelector(".error").textContent,
      tries: Number(r.querySelector(".attempts").textContent),
      to: r.children[1].textContent,
    })));
    const deadline = Date.now() + 90000;
    let seen = [];
    while (!(seen.some((d) => d.state === "delivered") && seen.some((d) => d.state === "failed"))) {
      if (Date.now() > deadline) throw new Error(`deliveries: ${JSON.stringify(seen)}`);
      await page.click("#apply");
      await page.waitForTimeout(1000);
      seen = await states();
    }
    const failed = seen.find((d) => d.state === "failed");
    await page.locator(".delivery", { has: page.locator(".state.failed") }).locator(".redeliver").first().click();
    const tried = Date.now() + 30000;
    const triedAgain = (rows) => rows.some((d) => d.to === failed.to && d.state === "failed" && d.tries > failed.tries);
    while (!triedAgain(await states())) {
      if (Date.now() > tried) throw new Error("sending again made no new try");
      await page.click("#apply");
      await page.waitForTimeout(1000);
    }
    result.deliveries = await states();
    result.triesBefore = failed.tries;
    result.overflow = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
    result.outOfPlace = await outOfPlace(page, "header, section", ".card img");
    await page.locator("section.alerts").screenshot({ path: screenshot });
    const [linked] = rest;
    const linkPage = await pageAt(browser, width, 900);
    await linkPage.goto(linked);
    await linkPage.waitForFunction(() => document.body.dataset.ready === "yes", null, { timeout: 30000 });
    result.linked = await linkPage.$$eval(".card.linked", (cards) => cards.length);
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
