import { test } from "node:test";
import assert from "node:assert/strict";

const loaded = (name: string) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`));

// Runs in its own process (node --test runs each file apart): nothing heavy loads with the library.
test("vega, vega-lite, resvg and pngjs load on the first render, not with the library", () => {
  const plot = require("../../lib/plot/index") as typeof import("../../lib/plot/index");
  require("../../lib/display/index");
  assert.deepEqual(["vega", "vega-lite", "@resvg/resvg-js", "pngjs", "plotly.js-dist-min"].map(loaded), [false, false, false, false, false]);
  plot.line({ y: [1, 2, 3] }).toPNG();
  assert.deepEqual(["vega", "vega-lite", "@resvg/resvg-js"].map(loaded), [true, true, true]);
});
