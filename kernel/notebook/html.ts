/**
 * An executed notebook as one offline HTML page that stays interactive: markdown rendered by
 * `marked`, TypeScript highlighted by TypeScript's scanner, each output in the richest MIME type
 * (Vega-Lite charts first, then nbconvert's order), images as data URIs, text escaped, ANSI colour
 * codes stripped. Charts are drawn by vega-embed in the page, with vega, vega-lite and vega-embed
 * inlined once (only when the page has a chart); each chart's SVG/PNG picture stays in its place
 * when scripts are off or the chart cannot be drawn. CSS is inline; nothing is fetched.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { escapeHtml } from "../../lib/display/rich";
import { highlightTypeScript } from "./highlight";
import type { Cell, MimeBundle, Notebook, Output } from "./nbformat";

type Markdown = (text: string) => string;

/** What rendering one page needs: markdown, and a count of the charts drawn so far (scripts only when > 0). */
interface Page { md: Markdown; charts: number }

/** The chart MIME type JupyterLab and VS Code draw (lib/plot sends it with an SVG, a PNG and text). */
const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

const pre = (cls: string, text: string): string => `<pre class="${cls}">${escapeHtml(stripVTControlCharacters(text))}</pre>`;

const base64 = (v: unknown): string => String(v).replace(/\s/g, "");

/** JSON inside `<script type="application/json">`: no `<` can close the element early. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

/** The picture when scripts are off; vega-embed draws into the empty div before it and removes it. */
const chart = (spec: unknown, data: MimeBundle, page: Page): string => {
  const { [VEGA_LITE_MIME]: _, ...fallback } = data;
  page.charts++;
  return `<figure class="chart"><div class="vega-target"></div><div class="fallback">${renderBundle(fallback, page)}</div>` +
    `<script type="application/json" class="vega-spec">${scriptJson(spec)}</script></figure>`;
};

/** The first MIME type a bundle has wins: Vega-Lite, then nbconvert's display priority. */
const RENDERERS: [string, (value: unknown, page: Page, data: MimeBundle) => string][] = [
  [VEGA_LITE_MIME, (v, page, data) => chart(v, data, page)],
  ["text/html", (v) => `<div class="html">${String(v)}</div>`],
  ["image/svg+xml", (v) => `<img alt="figure" src="data:image/svg+xml;base64,${Buffer.from(String(v)).toString("base64")}">`],
  ["image/png", (v) => `<img alt="figure" src="data:image/png;base64,${base64(v)}">`],
  ["image/jpeg", (v) => `<img alt="figure" src="data:image/jpeg;base64,${base64(v)}">`],
  ["text/markdown", (v, page) => `<div class="markdown">${page.md(String(v))}</div>`],
  ["text/plain", (v) => pre("plain", String(v))],
];

function renderBundle(data: MimeBundle, page: Page): string {
  const found = RENDERERS.find(([mime]) => data[mime] !== undefined);
  return found ? found[1](data[found[0]], page, data) : "";
}

function renderOutput(output: Output, page: Page): string {
  switch (output.output_type) {
    case "stream":
      return pre(`stream ${output.name}`, output.text);
    case "error":
      return pre("error", output.traceback.length > 0 ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`);
    case "execute_result":
      return `<div class="result"><span class="prompt">Out[${output.execution_count}]:</span>${renderBundle(output.data, page)}</div>`;
    case "display_data":
      return renderBundle(output.data, page);
  }
}

/** Code cells of TypeScript notebooks (and of notebooks that do not say) are highlighted. */
const sourceOf = (source: string, typescript: boolean): string =>
  `<pre class="source">${typescript ? highlightTypeScript(source) : escapeHtml(source)}</pre>`;

function renderCell(cell: Cell, page: Page, typescript: boolean): string {
  if (cell.cell_type !== "code") {
    const body = cell.cell_type === "markdown" ? page.md(cell.source) : pre("raw", cell.source);
    return `<section class="cell ${cell.cell_type}">${body}</section>`;
  }
  const count = cell.execution_count ?? " ";
  const outputs = cell.outputs.map((o) => renderOutput(o, page)).join("\n");
  return `<section class="cell code"><span class="prompt">In [${count}]:</span>${sourceOf(cell.source, typescript)}` +
    (outputs ? `\n<div class="outputs">${outputs}</div>` : "") + "</section>";
}

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
pre{font:13px/1.4 ui-monospace,monospace;overflow-x:auto;margin:.3em 0;padding:.5em;white-space:pre}
.cell{margin:1em 0}.prompt{display:block;font:12px ui-monospace,monospace;color:#888}
pre.source{background:#f5f5f7;border:1px solid #e0e0e6;border-radius:4px}
pre.source .k{color:#0033b3}pre.source .s{color:#067d17}pre.source .n{color:#1750eb}pre.source .c{color:#8c8c8c;font-style:italic}
.outputs{border-left:3px solid #dde;padding-left:.6em}.stderr{background:#fff3f3}
pre.error{background:#fdecea;color:#a00}img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}
figure.chart{margin:.3em 0}`;

/** Draws every chart; a chart that cannot be drawn keeps its picture and says why in the console. */
const DRAW_CHARTS = `document.querySelectorAll("figure.chart").forEach(function (figure) {
  var spec = JSON.parse(figure.querySelector("script.vega-spec").textContent);
  var actions = { export: true, source: false, compiled: false, editor: false };
  vegaEmbed(figure.querySelector(".vega-target"), spec, { actions: actions }).then(function () {
    figure.querySelector(".fallback").remove();
  }, function (e) { console.error("chart not drawn, its picture stays:", e); });
});`;

/** The browser builds, in load order (each package's own minified build, as its `unpkg` field names it). */
const BROWSER_PACKAGES = ["vega", "vega-lite", "vega-embed"];

/** A package's browser bundle, checked to be safe inside a `<script>` element. */
function browserBundle(name: string): string {
  const file = unpkgFile(name);
  const code = readFileSync(file, "utf8");
  if (/<\/script|<!--/i.test(code)) throw new Error(`${file} contains "</script" or "<!--" and cannot be inlined in a <script> element`);
  return code;
}

/** The file a package's `unpkg` field names, found from its resolved entry point upwards (vega-embed does not export package.json). */
function unpkgFile(name: string): string {
  const entry = require.resolve(name);
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = unpkgIn(dir, name);
    if (file) return file;
  }
  throw new Error(`no package.json of ${name} with an "unpkg" browser bundle above ${entry}`);
}

/** `dir`'s package.json names package `name` and a browser bundle that exists (vega-lite's build/ has a copy of package.json). */
function unpkgIn(dir: string, name: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; unpkg?: string };
    const file = manifest.name === name && manifest.unpkg !== undefined ? path.join(dir, manifest.unpkg) : undefined;
    return file && existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

let chartScripts: string | undefined;
/** vega, vega-lite, vega-embed and the drawing code, read once per process. */
const scripts = (): string =>
  (chartScripts ??= [...BROWSER_PACKAGES.map(browserBundle), DRAW_CHARTS].map((code) => `<script>\n${code}\n</script>`).join("\n"));

/** The whole page; `marked` is ES-module only, hence the dynamic import. */
export async function renderHtml(nb: Notebook, title: string): Promise<string> {
  const { marked } = await import("marked");
  const page: Page = { md: (text) => marked.parse(text, { async: false }), charts: 0 };
  const language = (nb.metadata.language_info as { name?: string } | undefined)?.name;
  const typescript = language === undefined || language === "typescript";
  const body = nb.cells.map((c) => renderCell(c, page, typescript)).join("\n");
  const charts = page.charts > 0 ? `\n${scripts()}` : "";
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n` +
    `<style>\n${CSS}\n</style>\n</head>\n<body>\n${body}${charts}\n</body>\n</html>\n`;
}
