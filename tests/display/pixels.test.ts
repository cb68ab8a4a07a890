import { test } from "node:test";
import assert from "node:assert/strict";
import { colorAt, encodePng, pixelsOf, scaleFor, toPixels, upscale } from "../../lib/display/pixels";
import { toRows, toVector } from "../../lib/display/tensorLike";
import { FakeTensor } from "./fakeTensor";
import { decodePng } from "./pngTools";

test("one channel maps its own [min, max] to black..white", () => {
  const p = pixelsOf([2, 4, 6, 4], [1, 2, 2]);
  assert.deepEqual(Array.from(p.rgba), [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 128, 128, 128, 255]);
});

test("an explicit range clips, and RGB channels use [0, 1]", () => {
  assert.deepEqual(Array.from(pixelsOf([-1, 0.5, 2], [1, 1, 3], { range: [0, 1] }).rgba),
    [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  assert.deepEqual(Array.from(pixelsOf([1, 0, 0.2], [3, 1, 1]).rgba), [255, 0, 51, 255]);
});

test("colour maps: viridis and diverging ends, white middle of diverging", () => {
  assert.deepEqual(colorAt("viridis", 0), [0x44, 0x01, 0x54]);
  assert.deepEqual(colorAt("viridis", 1), [0xfd, 0xe7, 0x25]);
  assert.deepEqual(colorAt("diverging", 0), [0x21, 0x66, 0xac]);
  assert.deepEqual(colorAt("diverging", 0.5), [0xf7, 0xf7, 0xf7]);
  assert.deepEqual(colorAt("diverging", 1), [0xb2, 0x18, 0x2b]);
});

test("nearest-neighbour upscaling turns each pixel into a square block", () => {
  const p = upscale(pixelsOf([0, 1], [1, 1, 2]), 3);
  assert.equal(p.width, 6);
  assert.equal(p.height, 3);
  const row = Array.from({ length: 6 }, (_, x) => p.rgba[(2 * 6 + x) * 4]);
  assert.deepEqual(row, [0, 0, 0, 255, 255, 255]);
  assert.throws(() => upscale(p, 1.5), { name: "DisplayError", message: "scale must be a whole number >= 1, got 1.5" });
});

test("scaleFor brings the longer side to at least the target", () => {
  assert.equal(scaleFor(28, 28, 140), 5);
  assert.equal(scaleFor(5, 5, 40), 8);
  assert.equal(scaleFor(500, 10, 140), 1);
});

test("encodePng round-trips through a PNG decoder", () => {
  const p = pixelsOf([0, 0.25, 0.5, 1, 0.75, 0.1], [1, 2, 3], { colormap: "viridis" });
  const decoded = decodePng(encodePng(p));
  assert.equal(decoded.width, 3);
  assert.equal(decoded.height, 2);
  assert.deepEqual(Array.from(decoded.data), Array.from(p.rgba));
});

test("image layouts: [H, W], [C, H, W], [1, C, H, W]; others get a message naming the shape", () => {
  assert.equal(toPixels(FakeTensor.of([2, 3], (i) => i)).width, 3);
  assert.equal(toPixels(FakeTensor.of([3, 2, 3], (i) => i / 18)).height, 2);
  assert.equal(toPixels(FakeTensor.of([1, 1, 4, 5], (i) => i)).width, 5);
  assert.equal(toPixels([[0, 1], [1, 0]]).width, 2);
  assert.throws(() => toPixels(FakeTensor.of([8, 1, 28, 28], () => 0)), {
    name: "DisplayError",
    message: "image must be shaped [H, W], [C, H, W] or [1, C, H, W] with C = 1, 3 or 4; got [8, 1, 28, 28]. " +
      "For a batch use display.imageGrid; for a layer's output use display.featureMaps",
  });
});

test("tensors are read through dataSync when present, tolist otherwise", () => {
  const t = FakeTensor.of([3, 1], (i) => i * 2);
  assert.deepEqual(toVector(t, "y"), [0, 2, 4]);
  const listOnly = { shape: [2, 2], tolist: () => [[1, 2], [3, 4]] };
  assert.deepEqual(toRows(listOnly, "values"), [[1, 2], [3, 4]]);
  assert.throws(() => toVector(FakeTensor.of([2, 2], () => 0), "y"), {
    name: "DisplayError", message: "y must be 1-D, got a tensor of shape [2, 2]; pass one row, e.g. t.flatten() or t[0]",
  });
  assert.throws(() => toRows([[1, 2], [3]], "values"), { message: "values rows must have the same length: row 0 has 2, row 1 has 1" });
  assert.throws(() => toVector([1, "2"] as unknown as number[], "x"), { message: "x[1] is string, expected a number" });
});
