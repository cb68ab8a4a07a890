/**
 * The offline HTML report (`nnlab run --html`) opened in Debian's headless Chromium with every
 * request that is not file:// aborted: each chart is drawn by vega-embed (a canvas or svg in its
 * container, the fallback picture gone), vega, vega-lite and vega-embed are inlined once, zero
 * requests leave file://, the console stays clean, and with scripts off every chart still shows
 * its picture. Screenshots land in out/report/.
 */
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, hasChromium } from "../browser/chromium";
import { runNotebookFile, type FileRunResult } from "../../kernel/notebook/files";
import { serializeNotebook, type Cell, type Notebook } from "../../kernel/notebook/nbformat";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const SCREENSHOTS = path.join(ROOT, "out", "report");
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const code = (source: string): Cell => ({ cell_type: "code", metadata: {}, source, execution_count: null, outputs: [] });

const CHARTS: Notebook = {
  nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: "typescript" } },
  cells: [
    { cell_type: "markdown", metadata: {}, source: "# Charts\n\nTwo charts, a picture and highlighted code." },
    code("// losses of two runs\nconst losses = [2.3, 1.2, 0.8, 0.5, 0.4];\nplot.line({ y: { train: losses, test: losses.map((v) => v * 1.1) }, title: `loss of ${losses.length} epochs` })"),
    code(`display.png('${PNG}', 'one pixel');\nplot.bar({ values: [3, 1, 2], labels: ["a", "b", "c"], title: "counts" })`),
  ],
};

let run: FileRunResult;
let html: string;
let browser: Browser | undefined;

before(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-report-"));
  writeFileSync(path.join(dir, "charts.ipynb"), serializeNotebook(CHARTS));
  run = await runNotebookFile(path.join(dir, "charts.ipynb"), { outDir: path.join(dir, "out"), html: true });
  html = readFileSync(run.htmlPath!, "utf8");
  if (hasChromium()) {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
});

/** The browser bundle of a package, as html.ts inlines it. */
const bundle = (file: string): string => readFileSync(require.resolve(file), "utf8");

test("the report inlines vega, vega-lite and vega-embed once, keeps each chart's picture as the fallback, and highlights the code", () => {
  assert.equal(run.failure, undefined, JSON.stringify(run.failure));
  const libraries = [bundle("vega/build/vega.min.js"), bundle("vega-lite/build/vega-lite.min.js"),
    readFileSync(path.join(path.dirname(require.resolve("vega-embed")), "vega-embed.min.js"), "utf8")];
  for (const library of libraries) assert.equal(html.split(library).length - 1, 1, `inlined once: ${library.slice(0, 60)}`);
  assert.equal(html.split('<figure class="chart">').length - 1, 2);
  assert.equal(html.split('<div class="fallback"><img alt="figure" src="data:image/svg+xml;base64,').length - 1, 2, "the SVG of each chart");
  assert.ok(html.includes(`<img alt="figure" src="data:image/png;base64,${PNG}">`), "images inline");
  assert.ok(html.includes('<span class="c">// losses of two runs</span>\n<span class="k">const</span> losses = [<span class="n">2.3</span>'), "highlighted code");
  assert.ok(html.includes('<span class="s">`loss of ${</span>losses.length<span class="s">} epochs`</span>'), "template literals");
  const page = html.replace(/<script>[\s\S]*?<\/script>/g, "");
  assert.ok(!/<(link|iframe)\b|\bsrc="(?!data:)/.test(page), "nothing but data: URIs is loaded by the page's own markup");
});

/** Opens `file` with every request that is not file:// (or an inline data: URI) aborted and recorded. */
async function openOffline(file: string, javaScriptEnabled: boolean): Promise<{ page: Page; left: string[]; errors: string[]; close: () => Promise<void> }> {
  const context = await browser!.newContext({ javaScriptEnabled, viewport: { width: 1100, height: 900 } });
  const left: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    left.push(url);
    return route.abort();
  });
  context.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith("file:") && !url.startsWith("data:") && !left.includes(url)) left.push(url);
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(m.text()); });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, left, errors, close: () => context.close() };
}

test("in headless Chromium with the network blocked, vega-embed draws every chart and no request leaves file://", async (t) => {
  if (!browser) return t.skip(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const { page, left, errors, close } = await openOffline(run.htmlPath!, true);
  try {
    await page.waitForFunction('document.querySelectorAll("figure.chart .fallback").length === 0', undefined, { timeout: 60_000 });
    const drawn = await page.$$eval("figure.chart", (figures) => figures.map((f) => {
      const target = f.querySelector(".vega-target")!;
      const surface = target.querySelector("canvas, svg.marks");
      return {
        embed: target.classList.contains("vega-embed"), surface: surface?.tagName.toLowerCase(), width: surface?.getBoundingClientRect().width ?? 0,
        menu: [...target.querySelectorAll(".vega-actions a")].map((a) => a.textContent),
      };
    }));
    assert.equal(drawn.length, 2);
    for (const chart of drawn) {
      assert.ok(chart.embed, "vega-embed took the container");
      assert.ok(chart.surface === "canvas" || chart.surface === "svg", `drawn on ${chart.surface}`);
      assert.ok(chart.width > 100, `chart width ${chart.width}`);
      assert.deepEqual(chart.menu, ["Save as SVG", "Save as PNG"], "vega-embed's export menu, nothing that opens a web page");
    }
    assert.deepEqual(left, [], "requests that left file://");
    assert.deepEqual(errors, [], "console errors and warnings");
    await page.screenshot({ path: path.join(SCREENSHOTS, "charts.png"), fullPage: true });
  } finally {
    await close();
  }
});

test("with scripts off, every chart shows its SVG picture and nothing leaves file://", async (t) => {
  if (!browser) return t.skip(`no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  const { page, left, close } = await openOffline(run.htmlPath!, false);
  try {
    const pictures = await page.$$eval("figure.chart .fallback img", (imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
    assert.equal(pictures.length, 2);
    for (const width of pictures) assert.ok(width > 100, `picture width ${width}`);
    assert.deepEqual(left, []);
    await page.screenshot({ path: path.join(SCREENSHOTS, "charts-no-scripts.png"), fullPage: true });
  } finally {
    await close();
  }
});
