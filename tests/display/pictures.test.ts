import { test } from "node:test";
import assert from "node:assert/strict";
import { toBundle } from "../../lib/display/protocol";
import { featureMaps, image, imageGrid, kernelGrid } from "../../lib/display/pictures";
import { FakeTensor, mnistDigits } from "./fakeTensor";
import { countNear, countWhere, decodePng, inkShare, pixel } from "./pngTools";

// Caption text is antialiased: count clearly red or green pixels rather than exact colours.
const reddish = (r: number, g: number, b: number) => r - g > 60 && r - b > 60;
const greenish = (r: number, g: number, b: number) => g - r > 30 && g - b > 30;

test("image(): a 28×28 digit becomes a 140×140 PNG, each pixel a 5×5 block", () => {
  const digit = new FakeTensor([1, 28, 28], mnistDigits(1).images.dataSync().subarray(0, 784));
  const { data } = toBundle(image(digit));
  assert.deepEqual(Object.keys(data).sort(), ["image/png", "text/plain"]);
  assert.equal(data["text/plain"], "Image 28×28, shown 5× (nearest neighbour)");
  const png = decodePng(data["image/png"] as string);
  assert.equal(png.width, 140);
  assert.equal(png.height, 140);
  const source = digit.dataSync();
  for (const [x, y] of [[14, 14], [7, 20], [20, 9]] as const) {
    const v = Math.round(((source[y * 28 + x]! - Math.min(...source)) / (Math.max(...source) - Math.min(...source))) * 255);
    for (const [dx, dy] of [[0, 0], [4, 4], [2, 3]]) assert.deepEqual(pixel(png, x * 5 + dx!, y * 5 + dy!), [v, v, v, 255]);
  }
});

test("imageGrid(): MNIST digits with labels and predictions; wrong predictions in red", () => {
  const { images, labels } = mnistDigits(8);
  const allRight = toBundle(imageGrid(images, { labels, predictions: labels }));
  const oneWrong = toBundle(imageGrid(images, { labels, predictions: labels.map((l, i) => (i === 2 ? (l + 1) % 10 : l)), cols: 4 }));
  assert.equal(allRight.data["text/plain"], "Image grid: 8 images 28×28, 8/8 predicted correctly");
  assert.equal(oneWrong.data["text/plain"], "Image grid: 8 images 28×28, 7/8 predicted correctly");
  const right = decodePng(allRight.data["image/png"] as string), wrong = decodePng(oneWrong.data["image/png"] as string);
  // 3 columns (ceil(sqrt(8))) of 84-pixel tiles vs 4 columns: captions render as green / red text.
  assert.ok(right.width < wrong.width);
  assert.equal(countWhere(right, reddish), 0);
  assert.ok(countWhere(right, greenish) > 8 * 40, "green caption text is drawn under each digit");
  assert.ok(countWhere(wrong, reddish) > 40, "red caption text is drawn under the wrong one");
});

test("imageGrid() checks the batch shape and label count", () => {
  assert.throws(() => imageGrid(FakeTensor.of([28, 28], () => 0)), {
    name: "DisplayError", message: "imageGrid needs a batch shaped [N, C, H, W] or [N, H, W] with N >= 1, got [28, 28]",
  });
  assert.throws(() => imageGrid(FakeTensor.of([2, 28, 28], () => 0), { labels: [1, 2, 3] }), {
    message: "labels has 3 entries but the batch has 2 images",
  });
});

test("kernelGrid(): 5×5 kernels drawn 8× on a blue-white-red scale centred on 0", () => {
  const weight = FakeTensor.of([2, 3, 5, 5], (i) => (i % 25 === 0 ? 1 : i % 25 === 24 ? -1 : 0));
  const { data } = toBundle(kernelGrid(weight, { title: "conv2.weight" }));
  assert.equal(data["text/plain"], "Conv kernels [2, 3, 5, 5], shown 8×, blue -1.00 … red 1.00");
  const png = decodePng(data["image/png"] as string);
  // Six kernels, each with one red and one blue 8×8 block; the rest is white (0) or background.
  assert.equal(countNear(png, [0xb2, 0x18, 0x2b], 2), 6 * 64);
  assert.equal(countNear(png, [0x21, 0x66, 0xac], 2), 6 * 64);
  assert.throws(() => kernelGrid(FakeTensor.of([10, 25], () => 0)), {
    message: "kernelGrid needs conv weights shaped [out, in, kH, kW], got [10, 25]; pass conv.weight",
  });
});

test("featureMaps(): one tile per channel, each on its own range", () => {
  const maps = FakeTensor.of([1, 4, 12, 12], (i) => Math.floor(i / 144) * 100 + (i % 12));
  const { data } = toBundle(featureMaps(maps, { colormap: "gray" }));
  assert.equal(data["text/plain"], "Feature maps: 4 channels 12×12, shown 6×");
  const png = decodePng(data["image/png"] as string);
  assert.ok(inkShare(png) > 0.3);
  // Every channel spans black..white whatever its offset: 4 tiles × 6 columns × 72 rows of black.
  assert.equal(countNear(png, [0, 0, 0], 0), 4 * 6 * 72);
  assert.throws(() => featureMaps(FakeTensor.of([2, 4, 12, 12], () => 0)), {
    message: "featureMaps needs one input's activations shaped [C, H, W] or [1, C, H, W], got [2, 4, 12, 12]; for a batch pass one item, e.g. out[0]",
  });
});

test("kernelGrid(): a title wider than the kernels widens the picture instead of being cut off", () => {
  const kernel = FakeTensor.of([1, 1, 3, 3], (i) => i + 1);
  const title = "the slide's 3×3 kernel, 40 pixels a weight";
  const plain = decodePng(toBundle(kernelGrid(kernel, { scale: 40 })).data["image/png"] as string);
  const titled = decodePng(toBundle(kernelGrid(kernel, { scale: 40, title })).data["image/png"] as string);
  assert.ok(plain.width < title.length * 8, `${plain.width}`);
  assert.ok(titled.width >= title.length * 8, `${titled.width}`);
  // The title's ink reaches beyond the kernel's 120 pixels.
  let inkBeyond = 0;
  for (let x = 130; x < titled.width; x++) for (let y = 0; y < 22; y++) if (pixel(titled, x, y)[0] < 128) inkBeyond++;
  assert.ok(inkBeyond > 20, `${inkBeyond} dark title pixels right of the kernel`);
});
