/**
 * The classic Notebook 6.4 (Debian's jupyter-notebook) in Debian's Chromium: a student opens the
 * convolution lecture with the nnlab kernel and runs all cells from the Cell menu. The classic UI
 * draws no Vega-Lite: charts must show as their SVG. Checked in the page: the slides' printouts and
 * pictures, a live curve that stays one SVG output and changes as it is pushed to, a type error
 * and a runtime error with their messages, and no uncaught error. Screenshots go to out/browser/.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { hasJupyter, requireClient } from "../interop/jupyter";
import { hasChromium, openBrowser, SCREENSHOTS } from "./chromium";
import { RUNTIME_ERROR_TEXT, TYPE_ERROR_TEXT, writeLectureWithProbes } from "./probes";
import { jupyterHome, ROOT, startServer } from "./servers";

const golden = JSON.parse(readFileSync(path.join(ROOT, "tests", "fixtures", "torch_reference.json"), "utf8"));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const clean of cleanups.reverse()) await clean();
});

const cell = (page: Page, index: number) => page.locator("#notebook-container .cell").nth(index);

/** The cell's outputs: how many, and the markup of each SVG among them. */
async function outputState(page: Page, index: number): Promise<{ outputs: number; pictures: string[] }> {
  return cell(page, index).evaluate((el) => ({
    outputs: el.querySelectorAll(".output_area").length,
    pictures: [...el.querySelectorAll(".output_svg svg")].map((svg: { outerHTML: string }) => svg.outerHTML),
  }));
}

test("classic Notebook: the convolution lecture runs from the Cell menu and shows its printouts, pictures, SVG charts and errors", { timeout: 300_000 }, async (t) => {
  if (!requireClient(t, hasJupyter(), "jupyter notebook (apt: jupyter-notebook)")) return;
  if (!requireClient(t, hasChromium(), "Chromium (apt: chromium)")) return;
  const { dir, env } = jupyterHome();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, "notebooks");
  mkdirSync(root);
  const probes = writeLectureWithProbes("10-4-convolutional-layer.ipynb", root, "lecture.ipynb");
  const server = await startServer("jupyter", "notebook", "NotebookApp", [`--notebook-dir=${root}`], env, "nnlab-browser-test");
  cleanups.push(() => server.stop());
  const browser = await openBrowser();
  cleanups.push(() => browser.close());
  const { page } = browser;

  await page.goto(`${server.url}notebooks/lecture.ipynb?token=${server.token}`);
  await page.locator("#kernel_indicator .kernel_indicator_name", { hasText: "TypeScript (nnlab)" }).waitFor({ timeout: 60_000 });
  await page.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor({ timeout: 120_000 });
  await page.locator("#celllink").click();
  await page.locator("#run_all_cells").click();

  const seen: { outputs: number; pictures: string[] }[] = [];
  const typeError = cell(page, probes.typeError).locator(".output_error, .output_stderr");
  for (const deadline = Date.now() + 180_000; !(await typeError.count());) {
    assert.ok(Date.now() < deadline, "the notebook did not reach the type-error cell within 3 minutes");
    seen.push(await outputState(page, probes.live));
    await page.waitForTimeout(250);
  }
  assert.match(await typeError.innerText(), new RegExp(TYPE_ERROR_TEXT.replace(/[()']/g, ".")));

  // The runtime error: the student clicks into the last cell and presses Shift+Enter.
  await cell(page, probes.runtimeError).locator(".CodeMirror").click();
  await page.keyboard.press("Shift+Enter");
  const runtimeError = cell(page, probes.runtimeError).locator(".output_error, .output_stderr");
  await runtimeError.waitFor({ timeout: 60_000 });
  assert.match(await runtimeError.innerText(), new RegExp(RUNTIME_ERROR_TEXT.replace(/[()]/g, ".")));
  await page.locator("#kernel_indicator_icon.kernel_idle_icon").waitFor();
  await browser.screenshot("notebook-lecture");
  await cell(page, probes.live).screenshot({ path: path.join(SCREENSHOTS, "notebook-live-probe.png") });

  // The slides' printouts, as the lecture's first four code cells print them.
  const printed = await page.locator(".output_stdout").allInnerTexts();
  const slides = golden.slides.printed;
  assert.deepEqual(printed.slice(0, 4).map((s) => s.trim()), [slides.shapes, slides.padding1, slides.stride2, slides.maxpool2]);

  // The live curve: one output all along, an SVG (the classic UI ignores Vega-Lite), redrawn in place.
  const drawn = seen.filter((s) => s.pictures.length > 0);
  assert.ok(drawn.length > 0, "the probe's live chart never showed as SVG");
  assert.deepEqual([...new Set(seen.map((s) => s.outputs))].filter((n) => n !== 0), [1], "the live chart stays one output");
  assert.ok(new Set(drawn.map((s) => s.pictures[0])).size >= 2, "the live chart changed as points were pushed");

  // The lecture's pictures (the 3×3 kernel and the max-pooling input) as loaded PNGs.
  const images = await page.locator(".output_png img").evaluateAll((els) => els.map((img) => (img as unknown as { naturalWidth: number }).naturalWidth));
  assert.ok(images.length >= 2 && images.every((w) => w > 20), `images shown: ${JSON.stringify(images)}`);

  assert.deepEqual(browser.console.filter((e) => e.kind !== "warning"), [], "uncaught errors and console errors in the page");
});
