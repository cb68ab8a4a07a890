/**
 * An executed notebook as one offline HTML page: markdown rendered by `marked`, code in <pre>,
 * each output shown in the richest MIME type nbconvert would pick, images as data URIs, text
 * escaped, ANSI colour codes stripped. CSS is inline; nothing is fetched.
 */
import { stripVTControlCharacters } from "node:util";
import { escapeHtml } from "../../lib/display/rich";
import type { Cell, MimeBundle, Notebook, Output } from "./nbformat";

type Markdown = (text: string) => string;

const pre = (cls: string, text: string): string => `<pre class="${cls}">${escapeHtml(stripVTControlCharacters(text))}</pre>`;

const base64 = (v: unknown): string => String(v).replace(/\s/g, "");

/** nbconvert's display priority; JSON specs (vega-lite) are skipped since their bundles carry svg/png. */
const RENDERERS: [string, (value: unknown, md: Markdown) => string][] = [
  ["text/html", (v) => `<div class="html">${String(v)}</div>`],
  ["image/svg+xml", (v) => `<img alt="figure" src="data:image/svg+xml;base64,${Buffer.from(String(v)).toString("base64")}">`],
  ["image/png", (v) => `<img alt="figure" src="data:image/png;base64,${base64(v)}">`],
  ["image/jpeg", (v) => `<img alt="figure" src="data:image/jpeg;base64,${base64(v)}">`],
  ["text/markdown", (v, md) => `<div class="markdown">${md(String(v))}</div>`],
  ["text/plain", (v) => pre("plain", String(v))],
];

export function renderBundle(data: MimeBundle, md: Markdown): string {
  const found = RENDERERS.find(([mime]) => data[mime] !== undefined);
  return found ? found[1](data[found[0]], md) : "";
}

export function renderOutput(output: Output, md: Markdown): string {
  switch (output.output_type) {
    case "stream":
      return pre(`stream ${output.name}`, output.text);
    case "error":
      return pre("error", output.traceback.length > 0 ? output.traceback.join("\n") : `${output.ename}: ${output.evalue}`);
    case "execute_result":
      return `<div class="result"><span class="prompt">Out[${output.execution_count}]:</span>${renderBundle(output.data, md)}</div>`;
    case "display_data":
      return renderBundle(output.data, md);
  }
}

function renderCell(cell: Cell, md: Markdown): string {
  if (cell.cell_type !== "code") {
    const body = cell.cell_type === "markdown" ? md(cell.source) : pre("raw", cell.source);
    return `<section class="cell ${cell.cell_type}">${body}</section>`;
  }
  const count = cell.execution_count ?? " ";
  const outputs = cell.outputs.map((o) => renderOutput(o, md)).join("\n");
  return `<section class="cell code"><span class="prompt">In [${count}]:</span>${pre("source", cell.source)}` +
    (outputs ? `\n<div class="outputs">${outputs}</div>` : "") + "</section>";
}

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
pre{font:13px/1.4 ui-monospace,monospace;overflow-x:auto;margin:.3em 0;padding:.5em;white-space:pre}
.cell{margin:1em 0}.prompt{display:block;font:12px ui-monospace,monospace;color:#888}
pre.source{background:#f5f5f7;border:1px solid #e0e0e6;border-radius:4px}
.outputs{border-left:3px solid #dde;padding-left:.6em}.stderr{background:#fff3f3}
pre.error{background:#fdecea;color:#a00}img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}`;

/** The whole page; `marked` is ES-module only, hence the dynamic import. */
export async function renderHtml(nb: Notebook, title: string): Promise<string> {
  const { marked } = await import("marked");
  const md: Markdown = (text) => marked.parse(text, { async: false });
  const body = nb.cells.map((c) => renderCell(c, md)).join("\n");
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n` +
    `<style>\n${CSS}\n</style>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;
}
