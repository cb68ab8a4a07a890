import { test } from "node:test";
import assert from "node:assert/strict";
import { toBundle } from "../../lib/display/protocol";
import { convolution, convolutionSteps } from "../../lib/display/convolution";
import { DisplayError } from "../../lib/display/errors";
import { FakeTensor } from "./fakeTensor";
import { decodePng, pixel } from "./pngTools";

// The lecture's 5×5 input and 3×3 kernel (slides "Convolution – Single Input Channel", "padding=1", "stride=2").
const INPUT = [3, 4, 6, 5, 7, 2, 4, 6, 8, 2, 1, 6, 7, 8, 4, 9, 7, 4, 6, 2, 3, 7, 5, 4, 1];
const input = new FakeTensor([1, 1, 5, 5], Float32Array.from(INPUT));
const kernel = FakeTensor.of([1, 1, 3, 3], (i) => i + 1);
const rows = (t: FakeTensor) => t.tolist() as number[][][][];

test("convolutionSteps(): the slides' outputs for no padding, padding=1 and stride=2", () => {
  const x = rows(input)[0]![0]!, k = rows(kernel)[0]![0]!;
  assert.deepEqual(convolutionSteps(x, k, 0, 1).map((s) => s.value), [211, 295, 262, 259, 282, 214, 251, 253, 169]);
  assert.deepEqual(convolutionSteps(x, k, 1, 1).slice(0, 10).map((s) => s.value), [91, 168, 224, 215, 127, 114, 211, 295, 262, 149]);
  assert.deepEqual(convolutionSteps(x, k, 0, 2).map((s) => [s.row, s.col, s.top, s.left, s.value]),
    [[0, 0, 0, 0, 211], [0, 1, 0, 2, 262], [1, 0, 2, 0, 251], [1, 1, 2, 2, 169]]);
});

test("convolution(): one large tile per step, the window and the output cell it produces highlighted", () => {
  const { data } = toBundle(convolution(input, kernel, { title: "3×3 kernel over the 5×5 input" }));
  assert.equal(data["text/plain"], "Convolution steps: 5×5 input, 3×3 kernel, 3×3 output: 211 295 262 / 259 282 214 / 251 253 169");
  const png = decodePng(data["image/png"] as string);
  // 36 px per number: 3 tiles of (5 + 3 cells + 2 gaps) across, 3 rows of tiles: readable, not thumbnails.
  assert.ok(png.width >= 1000 && png.height >= 600, `${png.width}×${png.height}`);
  const CELL = 36, tileW = 5 * CELL + 48 + 3 * CELL, step = tileW + 24, top = 34, tileH = 5 * CELL + 22 + 24;
  const windowFill = [255, 216, 168, 255], white = [255, 255, 255, 255];
  // A point near each cell's bottom-left corner stays clear of the numbers.
  const cellPoint = (tile: number, r: number, c: number, dx = 0) =>
    [8 + (tile % 3) * step + dx + c * CELL + 4, top + Math.floor(tile / 3) * tileH + r * CELL + CELL - 4] as const;
  // Tile 1 (output [0, 1] = 295): input columns 1-3 of rows 0-2 are in the window, column 0 is not.
  assert.deepEqual(pixel(png, ...cellPoint(1, 0, 1)), windowFill);
  assert.deepEqual(pixel(png, ...cellPoint(1, 2, 3)), windowFill);
  assert.deepEqual(pixel(png, ...cellPoint(1, 0, 0)), white);
  assert.deepEqual(pixel(png, ...cellPoint(1, 3, 1)), white);
  // Its output grid: cell [0, 1] highlighted, [0, 0] not; in the last tile the window is at the bottom right.
  const out = 5 * CELL + 48;
  assert.deepEqual(pixel(png, ...cellPoint(1, 0, 1, out)), windowFill);
  assert.deepEqual(pixel(png, ...cellPoint(1, 0, 0, out)), white);
  assert.deepEqual(pixel(png, ...cellPoint(8, 4, 4)), windowFill);
  assert.deepEqual(pixel(png, ...cellPoint(8, 1, 1)), white);
});

test("convolution(): padding draws the zero ring grey and stride skips positions", () => {
  const padded = toBundle(convolution(input, kernel, { padding: 1 }));
  assert.match(String(padded.data["text/plain"]), /^Convolution steps: 5×5 input \(padding 1\), 3×3 kernel, 5×5 output: 91 168 224 215 127 \/ 114 211 295 262 149 \//);
  // 25 steps, 3 tiles a row: 9 rows of tiles; the first 6 steps only: 2 rows.
  const firstSix = toBundle(convolution(input, kernel, { padding: 1, steps: 6 }));
  assert.match(String(firstSix.data["text/plain"]), /5×5 output \(first 6 steps drawn\): 91 168 224 215 127 \//);
  const [all, six] = [padded, firstSix].map((b) => decodePng(b.data["image/png"] as string));
  assert.equal(all.width, six.width);
  assert.ok(all.height > 4 * six.height, `${all.height} vs ${six.height}`);
  const strided = toBundle(convolution(input, kernel, { stride: 2 }));
  assert.equal(strided.data["text/plain"], "Convolution steps: 5×5 input, 3×3 kernel, stride 2, 2×2 output: 211 262 / 251 169");
  assert.ok(decodePng(strided.data["image/png"] as string).width < decodePng(padded.data["image/png"] as string).width);
});

test("convolution(): several channels, a kernel larger than the input and a bad stride are refused with the fix", () => {
  assert.throws(() => convolution(FakeTensor.of([1, 3, 5, 5], () => 1), kernel), (e: Error) =>
    e instanceof DisplayError && /one channel: input must be shaped \[H, W\], \[1, H, W\] or \[1, 1, H, W\], got \[1, 3, 5, 5\]/.test(e.message));
  assert.throws(() => convolution(FakeTensor.of([2, 2], () => 1), kernel), /3×3 kernel is larger than the 2×2 \(padded\) input; use a smaller kernel or more padding/);
  assert.throws(() => convolution(input, kernel, { stride: 0 }), /stride must be a whole number >= 1, got 0/);
});
