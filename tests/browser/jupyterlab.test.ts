/**
 * JupyterLab 4 (from `.venv-lab/`, see .ci/run) in Debian's Chromium: a student opens the CNN
 * lecture with the nnlab kernel and runs all cells from the Run menu. What they see is checked in
 * the page: Vega-Lite charts drawn by vega-embed, a live curve that stays one output and changes as
 * it is pushed to, the pictures, a type error and a runtime error with their messages, and a
 * console without uncaught errors. Screenshots go to out/browser/.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { requireClient } from "../interop/jupyter";
import { hasChromium, openBrowser, SCREENSHOTS, type BrowserSession, type ConsoleEntry } from "./chromium";
import { RUNTIME_ERROR_TEXT, TYPE_ERROR_TEXT, writeLectureWithProbes } from "./probes";
import { hasCommand, jupyterHome, LAB_JUPYTER, labSettings, startServer, type RunningServer } from "./servers";

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const clean of cleanups.reverse()) await clean();
});

interface Lab { server: RunningServer; root: string; kernels: string }
let started: Promise<Lab> | undefined;
/** One JupyterLab server for the tests in this file. */
const lab = () => (started ??= startLab());

async function startLab(): Promise<Lab> {
  const { dir, env } = jupyterHome();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, "notebooks");
  mkdirSync(root);
  const settings = labSettings(path.join(dir, "lab-settings"), {
    // Every cell stays in the page (JupyterLab otherwise renders only those near the viewport).
    "@jupyterlab/notebook-extension:tracker": { windowingMode: "none" },
    // No news or update checks: the test machine has no network, and their toasts cover cells.
    "@jupyterlab/apputils-extension:notification": { fetchNews: "false", checkForUpdates: false },
  });
  const server = await startServer(LAB_JUPYTER, "lab", "ServerApp", [`--ServerApp.root_dir=${root}`],
    { ...env, JUPYTERLAB_SETTINGS_DIR: settings, JUPYTERLAB_WORKSPACES_DIR: path.join(dir, "workspaces") }, "nnlab-browser-test");
  cleanups.push(() => server.stop());
  return { server, root, kernels: path.join(env.JUPYTER_PATH!, "kernels") };
}

// Page-side shapes (the project compiles without the DOM library).
interface PageCanvas { width: number; height: number; toDataURL(): string }
interface PageImage { naturalWidth: number }

const cell = (page: Page, index: number) => page.locator(".jp-Notebook .jp-Cell").nth(index);

async function openNotebook(browser: BrowserSession, server: RunningServer, name: string, kernelName: string): Promise<void> {
  // A workspace per notebook, so that one test's open tabs are not restored into the next.
  await browser.page.goto(`${server.url}lab/workspaces/${path.parse(name).name}/tree/${name}?token=${server.token}`);
  await browser.page.getByText(`${kernelName} | Idle`).waitFor({ timeout: 120_000 });
}

async function runAllFromMenu(page: Page): Promise<void> {
  await page.getByRole("menuitem", { name: "Run", exact: true }).click();
  await page.getByRole("menuitem", { name: "Run All Cells", exact: true }).click();
}

/** The cell's outputs: how many, and a picture of each chart canvas (vega-embed draws on a canvas). */
async function outputState(page: Page, index: number): Promise<{ outputs: number; pictures: string[] }> {
  return cell(page, index).evaluate((el) => ({
    outputs: el.querySelectorAll(".jp-OutputArea-child").length,
    pictures: [...el.querySelectorAll(".vega-embed canvas")].map((c: PageCanvas) => c.toDataURL()),
  }));
}

/**
 * JupyterLab 4.6.4's debugger handler calls `displayModules()` after every execute_reply of every
 * notebook, and that throws "No active debugger session" when the notebook's kernelspec says
 * `debugger: false` (ipykernel so configured gets the same; the second test proves it). These
 * errors are JupyterLab's own; every other uncaught error fails the test.
 */
const isJupyterLabDebuggerBug = (e: ConsoleEntry) =>
  e.kind === "pageerror" && e.text.startsWith("Error: No active debugger session") && /\bat \S+\.displayModules\b/.test(e.text);

test("JupyterLab: the CNN lecture runs from the Run menu and shows its charts, live curves, pictures and errors", { timeout: 480_000 }, async (t) => {
  if (!requireClient(t, hasCommand(LAB_JUPYTER, ["lab", "--version"]), `JupyterLab 4 in ${path.dirname(path.dirname(LAB_JUPYTER))} (made by .ci/run)`)) return;
  if (!requireClient(t, hasChromium(), "Chromium (apt: chromium)")) return;
  const { server, root } = await lab();
  const probes = writeLectureWithProbes("10-5-cnn-mnist.ipynb", root, "lecture.ipynb");
  const browser = await openBrowser();
  cleanups.push(() => browser.close());
  const { page } = browser;
  await openNotebook(browser, server, "lecture.ipynb", "TypeScript (nnlab)");
  await runAllFromMenu(page);

  // Watch the probe's live chart until the run stops at the type error (JupyterLab stops "run all" there).
  const seen: { outputs: number; pictures: string[] }[] = [];
  const typeError = cell(page, probes.typeError).locator('[data-mime-type="application/vnd.jupyter.stderr"]');
  for (const deadline = Date.now() + 360_000; !(await typeError.count());) {
    assert.ok(Date.now() < deadline, "the notebook did not reach the type-error cell within 6 minutes");
    seen.push(await outputState(page, probes.live));
    await page.waitForTimeout(250);
  }
  await browser.screenshot("jupyterlab-lecture");
  assert.match(await typeError.innerText(), new RegExp(TYPE_ERROR_TEXT.replace(/[()']/g, ".")));

  // The runtime error: the student clicks into the last cell and presses Shift+Enter.
  await cell(page, probes.runtimeError).locator(".cm-content").click();
  await page.keyboard.press("Shift+Enter");
  const runtimeError = cell(page, probes.runtimeError).locator('[data-mime-type="application/vnd.jupyter.stderr"]');
  await runtimeError.waitFor({ timeout: 60_000 });
  assert.match(await runtimeError.innerText(), new RegExp(RUNTIME_ERROR_TEXT.replace(/[()]/g, ".")));
  await page.getByText("TypeScript (nnlab) | Idle").waitFor();
  await browser.screenshot("jupyterlab-errors");

  // The live curve: one output all along, redrawn in place as points arrive.
  const drawn = seen.filter((s) => s.pictures.length > 0);
  assert.ok(drawn.length > 0, "the probe's live chart was never drawn");
  assert.deepEqual([...new Set(seen.map((s) => s.outputs))].filter((n) => n !== 0), [1], "the live chart stays one output");
  const pictures = new Set(drawn.map((s) => s.pictures[0]));
  assert.ok(pictures.size >= 2, `the live chart changed ${pictures.size - 1} times as points were pushed`);
  await cell(page, probes.live).screenshot({ path: path.join(SCREENSHOTS, "jupyterlab-live-probe.png") });

  // Every chart (the lecture's loss and accuracy curves and the probe) is drawn by vega-embed.
  const charts = await page.locator(".jp-RenderedVegaCommon5 .vega-embed").evaluateAll((els) =>
    els.map((el) => { const c = el.querySelector("canvas") as PageCanvas | null; return c ? [c.width, c.height] : [0, 0]; }));
  assert.ok(charts.length >= 3 && charts.every(([w, h]) => w! > 100 && h! > 100), `vega-embed canvases: ${JSON.stringify(charts)}`);

  // The lecture's pictures: digits, kernels, feature maps, predictions, as loaded <img> elements.
  const images = await page.locator(".jp-RenderedImage img").evaluateAll((els) => els.map((img) => (img as unknown as PageImage).naturalWidth));
  assert.ok(images.length >= 4 && images.every((w) => w > 50), `images shown: ${JSON.stringify(images)}`);
  await page.locator(".jp-OutputArea", { has: page.locator(".jp-RenderedVegaCommon5") }).first().screenshot({ path: path.join(SCREENSHOTS, "jupyterlab-training-charts.png") });
  await page.locator(".jp-OutputArea", { has: page.locator(".jp-RenderedImage") }).last().screenshot({ path: path.join(SCREENSHOTS, "jupyterlab-pictures.png") });

  const problems = browser.console.filter((e) => !isJupyterLabDebuggerBug(e) && (e.kind !== "warning" || /^WARN |Infinite extent/.test(e.text)));
  assert.deepEqual(problems, [], "uncaught errors, console errors and vega warnings in the page");
  t.diagnostic(`JupyterLab's own debugger errors, left out: ${browser.console.filter(isJupyterLabDebuggerBug).length}`);
});

test("JupyterLab's 'No active debugger session' errors come with any kernel without a debugger: ipykernel too", { timeout: 180_000 }, async (t) => {
  if (!requireClient(t, hasCommand(LAB_JUPYTER, ["lab", "--version"]), `JupyterLab 4 in ${path.dirname(path.dirname(LAB_JUPYTER))} (made by .ci/run)`)) return;
  if (!requireClient(t, hasChromium(), "Chromium (apt: chromium)")) return;
  const { server, root, kernels } = await lab();
  // The venv's own ipykernel, with its kernelspec saying what nnlab's says: no debugger.
  mkdirSync(path.join(kernels, "python-no-debugger"));
  writeFileSync(path.join(kernels, "python-no-debugger", "kernel.json"), JSON.stringify({
    argv: [path.join(path.dirname(LAB_JUPYTER), "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
    display_name: "Python (no debugger)", language: "python", metadata: { debugger: false },
  }));
  writeFileSync(path.join(root, "python.ipynb"), JSON.stringify({
    nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "python-no-debugger", display_name: "Python (no debugger)", language: "python" } },
    cells: [{ id: "one", cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "6 * 7" }],
  }));
  const browser = await openBrowser();
  cleanups.push(() => browser.close());
  await openNotebook(browser, server, "python.ipynb", "Python (no debugger)");
  await runAllFromMenu(browser.page);
  await cell(browser.page, 0).locator(".jp-OutputArea-output").getByText("42").waitFor({ timeout: 60_000 });
  await browser.page.getByText("Python (no debugger) | Idle").waitFor();
  await browser.page.waitForTimeout(1000);
  // When a JupyterLab release stops throwing here, this fails: then drop isJupyterLabDebuggerBug.
  assert.ok(browser.console.some(isJupyterLabDebuggerBug), JSON.stringify(browser.console));
});
