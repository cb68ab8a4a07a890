/** A chart: a Vega-Lite v5 spec that displays itself as one bundle (spec, SVG, PNG, text). */
import { inspectCustom } from "../display/inspect";
import type { TopLevelSpec } from "vega-lite";
import { DISPLAY, type DisplayMetadata, type Displayable, type MimeBundle } from "../display/protocol";
import { DisplayError } from "../display/errors";
import { svgToPng } from "../display/raster";
import { renderSvg, type RenderedSvg } from "./vega";

/** The MIME type charts go out as (`application/vnd.vegalite.v5+json`), drawn by JupyterLab, VS Code and nnlab's HTML reports. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
/** PNGs are drawn at twice the chart's size and shown at its size, so they stay sharp on HiDPI screens. */
export const PNG_ZOOM = 2;

/** A chart drawn to pictures: its SVG, its size in CSS pixels, and with `pngBase64` its PNG (drawn at PNG_ZOOM). */
export interface Drawing extends RenderedSvg {
  readonly pngBase64?: string;
}

/** The MIME bundle of a drawn chart: the spec, the SVG, the text, and the PNG when drawn (shown at the chart's own size). */
export function chartBundle(spec: TopLevelSpec, text: string, drawing: Drawing): { data: MimeBundle; metadata: DisplayMetadata } {
  const data: MimeBundle = { [VEGA_LITE_MIME]: spec, "image/svg+xml": drawing.svg, "text/plain": text };
  if (drawing.pngBase64 === undefined) return { data, metadata: {} };
  const size = { width: Math.round(drawing.width), height: Math.round(drawing.height) };
  return { data: { ...data, "image/png": drawing.pngBase64 }, metadata: { "image/png": size } };
}

/** Checks a spec can go out as `application/vnd.vegalite.v5+json` and be drawn in the kernel. */
export function checkSpec(spec: TopLevelSpec): TopLevelSpec {
  const schema = (spec as { $schema?: unknown }).$schema;
  if (schema !== undefined && !/\/vega-lite\/v5(\.\d+)*\.json$/.test(String(schema))) {
    throw new DisplayError(`the spec's $schema is ${String(schema)}; notebook front ends render Vega-Lite v5 only: ` +
      `use ${VEGA_LITE_SCHEMA} and v5 features`);
  }
  const url = findDataUrl(spec);
  if (url !== undefined) {
    throw new DisplayError(`the spec loads data from ${url}; charts are drawn in the kernel without I/O: pass the rows inline as data: { values: [...] }`);
  }
  return schema === undefined ? { $schema: VEGA_LITE_SCHEMA, ...spec } as TopLevelSpec : spec;
}

function findDataUrl(node: unknown): string | undefined {
  if (typeof node !== "object" || node === null) return undefined;
  const data = (node as { data?: { url?: unknown } }).data;
  if (typeof data === "object" && data !== null && typeof data.url === "string") return data.url;
  for (const child of Object.values(node)) {
    const url = findDataUrl(child);
    if (url !== undefined) return url;
  }
  return undefined;
}

/** A Vega-Lite chart, shown as rich output when it is a cell's value or passed to `display`: the spec for front ends that draw Vega-Lite, plus SVG and PNG drawn in the kernel for the rest. */
export class Chart implements Displayable {
  /** The Vega-Lite v5 spec, data inline. */
  readonly spec: TopLevelSpec;
  private rendered?: RenderedSvg;
  private png?: Buffer;

  /** `description` is the one-line `text/plain` of the bundle. */
  constructor(
    spec: TopLevelSpec,
    /** One line describing the chart: its `text/plain` form. */
    readonly description: string,
  ) {
    this.spec = checkSpec(spec);
  }

  /** The chart as SVG, drawn by vega's headless renderer (cached). */
  toSVG(): string {
    return this.draw().svg;
  }

  /**
   * The chart as PNG bytes at `PNG_ZOOM` times its size (cached): a Node Buffer, typed as the
   * Uint8Array it is so that the library's declarations need none of Node's
   * (`fs.writeFileSync("chart.png", chart.toPNG())`; `Buffer.from(chart.toPNG()).toString("base64")`).
   */
  toPNG(): Uint8Array {
    return this.pngBuffer();
  }

  private pngBuffer(): Buffer {
    return this.png ??= svgToPng(this.draw().svg, PNG_ZOOM);
  }

  private draw(): RenderedSvg {
    return this.rendered ??= renderSvg(this.spec);
  }

  /** The MIME bundle: the spec, the SVG, the PNG and the text. */
  [DISPLAY](): { data: MimeBundle; metadata: DisplayMetadata } {
    return chartBundle(this.spec, this.description, { ...this.draw(), pngBase64: this.pngBuffer().toString("base64") });
  }

  [inspectCustom](): string {
    return this.description;
  }
}
