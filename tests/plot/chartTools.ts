/** Checks shared by the chart tests: what a chart's bundle must hold. */
import assert from "node:assert/strict";
import { Resvg } from "@resvg/resvg-js";
import { toBundle, type MimeBundle, type DisplayMetadata } from "../../lib/display/protocol";
import { VEGA_LITE_MIME } from "../../lib/plot/chart";
import { decodePng, inkShare, type Decoded } from "../display/pngTools";

export interface CheckedBundle { data: MimeBundle; metadata: DisplayMetadata; svg: string; png: Decoded; texts: string[] }

/** The texts drawn in an SVG, unescaped. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(+c)).replace(/&amp;/g, "&"));
}

/** Asserts the four-part bundle: v5 spec, SVG that parses, 2× PNG that is not blank, one-line text. */
export function checkChartBundle(value: unknown): CheckedBundle {
  const { data, metadata } = toBundle(value);
  assert.deepEqual(Object.keys(data).sort(), [VEGA_LITE_MIME, "image/png", "image/svg+xml", "text/plain"]);
  assert.equal((data[VEGA_LITE_MIME] as { $schema: string }).$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  const text = data["text/plain"] as string;
  assert.ok(text.length > 0 && !text.includes("\n"), `one-line text/plain, got ${JSON.stringify(text)}`);
  const svg = data["image/svg+xml"] as string;
  const parsed = new Resvg(svg); // throws on malformed SVG/XML
  const size = metadata["image/png"] as { width: number; height: number };
  assert.equal(Math.round(parsed.width), size.width);
  assert.equal(Math.round(parsed.height), size.height);
  const png = decodePng(data["image/png"] as string);
  assert.equal(png.width, size.width * 2);
  assert.equal(png.height, size.height * 2);
  assert.ok(inkShare(png) > 0.02, `PNG is not blank (ink share ${inkShare(png)})`);
  return { data, metadata, svg, png, texts: svgTexts(svg) };
}
