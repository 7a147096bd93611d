// The explorer page in a real browser: Debian's Chromium, headless, driven by playwright-core
// (no browser is downloaded). Starts `target/release/examples/explorer --port 0` (build it
// first), moves both sliders with the keyboard as a person does, waits for the page to
// redraw, checks that the numbers and the marked truth moved accordingly, reports how long
// each move took to be answered (not asserted), and saves a screenshot.
//
//   node --test browser-tests/        (SCREENSHOT=path to choose where the picture goes)

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const target = process.env.CARGO_TARGET_DIR ?? path.join(root, "target");
const exe = path.join(target, "release", "examples", "explorer");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** Starts the explorer on a free port; resolves with its process and URL. */
function startExplorer(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const timer = setTimeout(() => { child.kill(); reject(new Error("no URL within 120 s:\n" + err)); }, 120_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) { clearTimeout(timer); resolve({ child, url: m[0] }); }
    });
    child.stderr.on("data", (d) => { err += d; });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`explorer exited (${code}):\n${err}`)); });
  });
}

/** What the page shows: numbers, the red truth lines of the posterior picture, the version. */
async function shown(page) {
  return page.evaluate(() => {
    const cells = (cls) => [...document.querySelectorAll(`#numbers td.${cls}`)].map((td) => Number(td.textContent));
    const svg = document.querySelector("#fig_posterior svg");
    const truthLines = [...svg.querySelectorAll('line[stroke="#D62728"]')]
      .map((l) => ["x1", "y1", "x2", "y2"].map((a) => l.getAttribute(a)).join(","));
    return {
      version: window.explorer.version,
      truth: cells("truth"),
      mean: cells("mean"),
      truthLines: truthLines.join(" "),
      slider: [Number(document.getElementById("v_rest").value), Number(document.getElementById("stim").value)],
      error: document.getElementById("error").textContent,
      check: document.getElementById("model_check").textContent,
      warning: document.getElementById("model_check").className === "warning",
    };
  });
}

/** Presses `key` `times` times on the slider `id`, then waits until the page shows its value. */
async function move(page, id, key, times) {
  await page.focus(`#${id}`);
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
  const j = id === "v_rest" ? 0 : 1;
  await page.waitForFunction((j) => {
    const v = Number(document.getElementById(j === 0 ? "v_rest" : "stim").value);
    const td = document.querySelectorAll("#numbers td.truth")[j];
    return td && Math.abs(Number(td.textContent) - v) < 1e-9 && !document.getElementById("error").textContent;
  }, j, { timeout: 30_000 });
  // Let any request still in flight finish.
  await page.waitForTimeout(300);
  return shown(page);
}

test("the sliders move the posterior", async () => {
  const { child, url } = await startExplorer([]);
  // playwright gives every launch a fresh, temporary profile (user-data-dir).
  const browser = await chromium.launch({
    executablePath: browserPath,
    args: [
      "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
      "--proxy-server=http://127.0.0.1:9",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1680, height: 1050 } });
    await page.goto(url);
    const start = await shown(page);
    assert.deepEqual(start.truth, [50, 5]);
    assert.match(start.check, /lies within what the model produces/);
    assert.ok(Math.abs(start.mean[0] - 50) < 1.5 && Math.abs(start.mean[1] - 5) < 0.5, JSON.stringify(start));

    // V_rest: 40 presses of → at step 0.1 mV is +4 mV.
    const a = await move(page, "v_rest", "ArrowRight", 40);
    assert.deepEqual(a.truth, [54, 5]);
    assert.ok(a.version > start.version, "the page redrew");
    assert.ok(a.mean[0] > start.mean[0] + 2.5 && a.mean[0] < start.mean[0] + 5.5, `V_rest mean ${start.mean[0]} → ${a.mean[0]}`);
    assert.notEqual(a.truthLines, start.truthLines, "the truth mark moved");

    // Stimulus: 20 presses of ← at step 0.05 is −1 µA/cm².
    const b = await move(page, "stim", "ArrowLeft", 20);
    assert.deepEqual(b.truth, [54, 4]);
    // The model check followed the move: a setting inside the prior is not flagged.
    assert.match(b.check, /MMD test p = /);
    assert.ok(!b.warning, b.check);
    assert.ok(b.mean[1] < a.mean[1] - 0.6 && b.mean[1] > a.mean[1] - 1.4, `stimulus mean ${a.mean[1]} → ${b.mean[1]}`);
    assert.notEqual(b.truthLines, a.truthLines, "the truth mark moved");

    // A link reproduces the view: the same URL in a new page shows the same numbers.
    const link = page.url();
    assert.match(link, /v_rest=54&stim=4/);
    const again = await browser.newPage();
    await again.goto(link);
    const c = await shown(again);
    assert.deepEqual(c.truth, b.truth);
    assert.deepEqual(c.mean, b.mean);

    const timing = await page.evaluate(() => ({ updates: window.explorer.updates, server: window.explorer.serverMs }));
    const sorted = [...timing.updates].sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(`slider moves answered: ${timing.updates.length} updates, median ${median.toFixed(0)} ms, ` +
      `max ${sorted.at(-1).toFixed(0)} ms (input to redrawn page); server ${Math.max(...timing.server).toFixed(0)} ms at most`);
    const shot = process.env.SCREENSHOT ?? path.join(target, "explorer.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
  } finally {
    await browser.close();
    child.kill();
  }
});
