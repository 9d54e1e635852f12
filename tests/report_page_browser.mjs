// Opens a rendered report page in headless Chromium and fails unless it shows whole:
// every <img> loaded (complete, naturalWidth > 0), every inline <svg> has a non-zero
// size, no request left the page (only data: URIs), and the console logged no error
// (a Content-Security-Policy violation would be one).
//
// Talks to Chromium over --remote-debugging-pipe (the DevTools protocol on file
// descriptors 3 and 4), so it needs Node >= 18 and nothing from npm.
//
//   node tests/report_page_browser.mjs PAGE.html [--min-images N] [--screenshot OUT.png]
//   CHROMIUM=/usr/bin/chromium (default)

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const TIMEOUT_MS = 60_000;

function parseArgs(argv) {
  const args = { page: null, minImages: 1, screenshot: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--min-images") args.minImages = Number(argv[++i]);
    else if (arg === "--screenshot") args.screenshot = argv[++i];
    else if (arg.startsWith("--")) throw new Error(`unknown flag \`${arg}\``);
    else if (args.page === null) args.page = arg;
    else throw new Error(`unexpected argument \`${arg}\``);
  }
  if (args.page === null || !Number.isInteger(args.minImages)) {
    throw new Error("usage: report_page_browser.mjs PAGE.html [--min-images N] [--screenshot OUT.png]");
  }
  return args;
}

class Browser {
  constructor(executable, profile) {
    this.child = spawn(
      executable,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--remote-debugging-pipe",
        "about:blank",
      ],
      { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
    );
    this.stderr = "";
    this.child.stderr.on("data", (chunk) => (this.stderr += chunk));
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    let buffer = "";
    this.child.stdio[4].on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let end;
      while ((end = buffer.indexOf("\0")) >= 0) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        this.dispatch(message);
      }
    });
    this.exited = new Promise((resolve) => this.child.on("exit", resolve));
  }

  dispatch(message) {
    if (message.id !== undefined && this.pending.has(message.id)) {
      const { resolve, reject, method } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) reject(new Error(`${method}: ${message.error.message}`));
      else resolve(message.result);
    } else if (message.method) {
      for (const listener of this.listeners) listener(message);
    }
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    this.child.stdio[3].write(JSON.stringify(message) + "\0");
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
  }

  waitFor(predicate) {
    return new Promise((resolve) => {
      const listener = (message) => {
        if (predicate(message)) {
          this.listeners = this.listeners.filter((l) => l !== listener);
          resolve(message);
        }
      };
      this.listeners.push(listener);
    });
  }

  on(listener) {
    this.listeners.push(listener);
  }
}

// Runs inside the page: waits for every image to decode, then measures.
const MEASURE = `(async () => {
  const images = [...document.images];
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  return {
    title: document.title,
    images: images.map((img) => ({
      alt: img.alt,
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
    })),
    svgs: [...document.querySelectorAll("svg")].map((svg) => {
      const box = svg.getBoundingClientRect();
      return { width: box.width, height: box.height };
    }),
    tables: document.querySelectorAll("table").length,
  };
})()`;

async function check(args) {
  const pageUrl = pathToFileURL(resolve(args.page)).href;
  const profile = mkdtempSync(join(tmpdir(), "report-browser-"));
  const browser = new Browser(process.env.CHROMIUM || "/usr/bin/chromium", profile);
  const problems = [];
  try {
    const { targetId } = await browser.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
    browser.on((message) => {
      if (message.sessionId !== sessionId) return;
      if (message.method === "Network.requestWillBeSent") {
        const url = message.params.request.url;
        if (!url.startsWith("data:") && url !== pageUrl) problems.push(`the page requested ${url}`);
      }
      if (message.method === "Log.entryAdded" && message.params.entry.level === "error") {
        problems.push(`console error: ${message.params.entry.text}`);
      }
      if (message.method === "Runtime.exceptionThrown") {
        problems.push(`exception: ${message.params.exceptionDetails.text}`);
      }
    });
    await browser.send("Page.enable", {}, sessionId);
    await browser.send("Network.enable", {}, sessionId);
    await browser.send("Log.enable", {}, sessionId);
    await browser.send("Runtime.enable", {}, sessionId);
    const loaded = browser.waitFor((m) => m.sessionId === sessionId && m.method === "Page.loadEventFired");
    const navigation = await browser.send("Page.navigate", { url: pageUrl }, sessionId);
    if (navigation.errorText) throw new Error(`cannot open ${pageUrl}: ${navigation.errorText}`);
    await loaded;
    const { result, exceptionDetails } = await browser.send(
      "Runtime.evaluate",
      { expression: MEASURE, awaitPromise: true, returnByValue: true },
      sessionId,
    );
    if (exceptionDetails) throw new Error(`measuring failed: ${exceptionDetails.text}`);
    const page = result.value;

    if (page.images.length < args.minImages) {
      problems.push(`${page.images.length} images, expected at least ${args.minImages}`);
    }
    page.images.forEach((img, i) => {
      if (!img.complete || img.naturalWidth === 0) {
        problems.push(`image ${i} (${img.alt}) did not load: complete=${img.complete}, naturalWidth=${img.naturalWidth}`);
      }
    });
    page.svgs.forEach((svg, i) => {
      if (!(svg.width > 0 && svg.height > 0)) problems.push(`inline svg ${i} is ${svg.width} x ${svg.height}`);
    });

    if (args.screenshot) {
      const { cssContentSize } = await browser.send("Page.getLayoutMetrics", {}, sessionId);
      await browser.send(
        "Emulation.setDeviceMetricsOverride",
        { width: 1100, height: Math.ceil(cssContentSize.height), deviceScaleFactor: 1, mobile: false },
        sessionId,
      );
      const shot = await browser.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true }, sessionId);
      writeFileSync(args.screenshot, Buffer.from(shot.data, "base64"));
    }
    console.log(
      `${args.page}: "${page.title}", ${page.images.length} images ` +
        `(${page.images.map((i) => `${i.naturalWidth}x${i.naturalHeight}`).join(", ")}), ` +
        `${page.svgs.length} inline svgs, ${page.tables} tables`,
    );
    await browser.send("Browser.close").catch(() => null);
  } finally {
    browser.child.kill();
    await browser.exited;
    // Chromium's helper processes can still write into the profile for a moment after the
    // browser itself has exited (seen once in CI: ENOTEMPTY); retry, and rather leave a
    // temporary folder behind than fail a page check that passed.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch (error) {
      console.error(`note: could not remove the browser profile ${profile}: ${error.message}`);
    }
  }
  return problems;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  const timer = setTimeout(() => {
    console.error(`report_page_browser: no answer from Chromium within ${TIMEOUT_MS / 1000} s`);
    process.exit(1);
  }, TIMEOUT_MS);
  try {
    const problems = await check(args);
    clearTimeout(timer);
    if (problems.length > 0) {
      for (const problem of problems) console.error(`FAIL: ${problem}`);
      process.exit(1);
    }
    console.log("ok: every image loaded, every inline svg has a size, nothing was fetched");
  } catch (error) {
    clearTimeout(timer);
    console.error(`report_page_browser: ${error.message}`);
    process.exit(1);
  }
}

main();
