/**
 * Plotly figures. Plotly cannot draw without a browser, so the bundle carries the figure for
 * front ends that render it (`application/vnd.plotly.v1+json`: VS Code, JupyterLab with
 * jupyterlab-plotly) and `text/html` that draws it with plotly.js, inlined in the first figure
 * of the kernel session only (later figures find `window.Plotly` on the page).
 */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { DisplayError } from "./errors";
import { MimeObject } from "./rich";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export interface PlotlyFigure {
  data: readonly Record<string, unknown>[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

export interface PlotlyOptions {
  /** Inline plotly.js in this figure's HTML even if an earlier figure did (e.g. after clearing that output). */
  inlineLibrary?: boolean;
}

let libraryInlined = false;

function plotlySource(): string {
  // ~4.8 MB, read only when it is inlined. `</script` cannot occur inside a script element.
  return readFileSync(require.resolve("plotly.js-dist-min"), "utf8").replace(/<\/script/gi, "<\\/script");
}

/** JSON that is safe inside a <script> element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

function describe(figure: PlotlyFigure): string {
  const types = [...new Set(figure.data.map((trace) => String(trace.type ?? "scatter")))];
  const title = figure.layout?.title;
  const text = typeof title === "string" ? title : (title as { text?: unknown } | undefined)?.text;
  return `Plotly figure, ${figure.data.length} trace${figure.data.length === 1 ? "" : "s"} (${types.join(", ")})` +
    (typeof text === "string" ? `: "${text}"` : "");
}

export function plotly(figure: PlotlyFigure, options: PlotlyOptions = {}): MimeObject {
  if (typeof figure !== "object" || figure === null || !Array.isArray(figure.data)) {
    throw new DisplayError("plotly() needs a figure { data: [traces...], layout?, config? }, e.g. { data: [{ x: [1, 2], y: [3, 1] }] }");
  }
  const inline = options.inlineLibrary === true || !libraryInlined;
  libraryInlined = true;
  const id = `nnlab-plotly-${randomBytes(8).toString("hex")}`;
  const draw = `Plotly.newPlot(${scriptJson(id)}, ${scriptJson(figure.data)}, ${scriptJson(figure.layout ?? {})}, ` +
    `${scriptJson({ responsive: true, ...figure.config })});`;
  const html = (inline ? `<script type="text/javascript">${plotlySource()}</script>` : "") +
    `<div id="${id}" style="width:100%;min-height:360px"></div>` +
    `<script type="text/javascript">(function () { if (window.Plotly) { ${draw} } else { document.getElementById(${scriptJson(id)})` +
    `.textContent = "plotly.js is not loaded on this page: run display.plotly(fig, { inlineLibrary: true })"; } })();</script>`;
  return new MimeObject({
    [PLOTLY_MIME]: { data: figure.data, layout: figure.layout ?? {}, ...(figure.config ? { config: figure.config } : {}) },
    "text/html": html,
    "text/plain": describe(figure),
  });
}

/** Forgets that plotly.js was inlined (tests; a new notebook on the same kernel process). */
export function resetPlotlyInlining(): void {
  libraryInlined = false;
}
