import { test } from "node:test";
import assert from "node:assert/strict";
import { headlessView, renderSvg } from "../../lib/plot/vega";
import { line } from "../../lib/plot/charts";

// renderSvg draws synchronously from vega internals (view size fields, SVGStringRenderer);
// this pins it to what vega's own asynchronous toSVG() produces for the installed version.
test("synchronous SVG equals vega's own view.toSVG()", async () => {
  const chart = line({ y: { a: [3, 1, 4, 1, 5], b: [2, 7, 1, 8, 2] }, title: "Pinned", xTitle: "step", yTitle: "value" });
  const sync = renderSvg(chart.spec);
  const reference = await headlessView(chart.spec).toSVG();
  // Clip-path ids come from a process-wide counter (unique across the charts of a page).
  const ids = (svg: string) => svg.replace(/clip\d+/g, "clipN");
  assert.equal(ids(sync.svg), ids(reference));
  assert.match(reference, new RegExp(`^<svg [^>]*width="${sync.width}" height="${sync.height}"`));
});
