import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { line } from "../../lib/plot/charts";
import { decodePng } from "../display/pngTools";

// Compiled to dist/tests/plot/: the fixture stays in the source tree. Regenerate it after an
// intended change of look with NNLAB_UPDATE_REFERENCE=1 and check the new picture by eye.
const REFERENCE = resolve(__dirname, "../../../tests/fixtures/plot/line-reference.png");

test("a line chart renders like the committed reference PNG (within a tolerance)", () => {
  const chart = line({
    y: { train: Array.from({ length: 30 }, (_, i) => Math.exp(-i / 8)), test: Array.from({ length: 30 }, (_, i) => 0.9 * Math.exp(-i / 11) + 0.08) },
    title: "Reference: loss per epoch", xTitle: "epoch", yTitle: "loss",
  });
  const png = chart.toPNG();
  if (process.env.NNLAB_UPDATE_REFERENCE === "1" || !existsSync(REFERENCE)) {
    assert.equal(process.env.CI, undefined, `reference image ${REFERENCE} is missing in CI`);
    writeFileSync(REFERENCE, png);
  }
  const actual = decodePng(png), expected = decodePng(readFileSync(REFERENCE));
  assert.deepEqual([actual.width, actual.height], [expected.width, expected.height]);
  let total = 0, far = 0;
  for (let i = 0; i < actual.data.length; i++) {
    const d = Math.abs(actual.data[i]! - expected.data[i]!);
    total += d;
    if (d > 48) far++;
  }
  const meanDiff = total / actual.data.length, farShare = far / actual.data.length;
  assert.ok(meanDiff < 0.5 && farShare < 0.001, `PNG differs from the reference: mean |diff| ${meanDiff.toFixed(3)}, share far off ${farShare.toFixed(4)}`);
});
