// Debian's Chromium through playwright-core, as both browser flows start it, and a page at a
// desktop's or a phone's width (a phone at twice the pixel density).
import { chromium } from "playwright-core";

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

export async function pageAt(browser, width, desktopHeight) {
  const phone = Number(width) < 720;
  const viewport = phone ? { width: Number(width), height: 844 } : { width: 1280, height: desktopHeight };
  return browser.newPage({ viewport, deviceScaleFactor: phone ? 2 : 1 });
}
