/**
 * SVG to PNG in process with resvg (a prebuilt binary shipped as an npm package, no browser).
 * The font is Source Sans 3 from the package's own fonts/ folder (see fonts/README.md) and system
 * fonts are never loaded, so text renders the same on a machine without any fonts installed.
 */
import * as path from "node:path";
import type { Resvg, ResvgRenderOptions } from "@resvg/resvg-js";

export const FONT_FAMILY = "Source Sans 3";
/** <package>/fonts, from dist/lib/display/. */
const FONT_DIR = path.resolve(__dirname, "..", "..", "..", "fonts");

let options: ResvgRenderOptions["font"] | undefined;
let ResvgClass: typeof Resvg | undefined;

function fontOptions(): ResvgRenderOptions["font"] {
  return options ??= {
    fontFiles: ["Regular", "Bold", "It"].map((style) => path.join(FONT_DIR, `SourceSans3-${style}.ttf`)),
    loadSystemFonts: false,
    defaultFontFamily: FONT_FAMILY,
    sansSerifFamily: FONT_FAMILY,
  };
}

/** A PNG of `svg` drawn at `zoom` times its size, on white (transparent charts look broken on dark themes). */
export function svgToPng(svg: string, zoom = 1): Buffer {
  // Loaded on first use: the native binding is not needed until something is drawn.
  ResvgClass ??= (require("@resvg/resvg-js") as typeof import("@resvg/resvg-js")).Resvg;
  const image = new ResvgClass(svg, { font: fontOptions(), background: "white", fitTo: { mode: "zoom", value: zoom } });
  return image.render().asPng();
}

