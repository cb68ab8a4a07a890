import { test } from "node:test";
import assert from "node:assert/strict";
import { bar, confusionMatrix, heatmap, line, scatter, spec } from "../../lib/plot/charts";
import { VEGA_LITE_MIME } from "../../lib/plot/chart";
import { FakeTensor } from "../display/fakeTensor";
import { checkChartBundle } from "./chartTools";
import { display } from "../../lib/index";
import { consoleSink, setDisplaySink } from "../../lib/display/protocol";
import { recordingSink } from "../display/pngTools";

const losses = Array.from({ length: 20 }, (_, i) => Math.exp(-i / 5));

test("line: several series, title and axis titles in the SVG, one description", () => {
  const { texts, data } = checkChartBundle(line({
    y: { train: losses, test: FakeTensor.of([20], (i) => Math.exp(-i / 6) + 0.1) },
    title: "Loss per epoch", xTitle: "epoch", yTitle: "cross-entropy",
  }));
  for (const t of ["Loss per epoch", "epoch", "cross-entropy", "train", "test"]) assert.ok(texts.includes(t), `SVG draws "${t}"`);
  assert.equal(data["text/plain"], 'Line chart, 2 series (train, test), 20 points: "Loss per epoch"');
  const rows = (data[VEGA_LITE_MIME] as { data: { values: unknown[] } }).data.values;
  assert.equal(rows.length, 40);
  assert.deepEqual(rows[20], { x: 0, y: Math.fround(1.1), series: "test" });
});

test("line: shared x, per-series x, NaN as a gap, length errors", () => {
  const chart = line({ x: [10, 20, 30], y: [1, NaN, 3] });
  assert.deepEqual((chart.spec as { data: { values: unknown[] } }).data.values, [
    { x: 10, y: 1, series: "y" }, { x: 20, y: null, series: "y" }, { x: 30, y: 3, series: "y" },
  ]);
  const perSeries = line({ x: { a: [0, 1], b: [5] }, y: { a: [1, 2], b: [3] } });
  assert.deepEqual((perSeries.spec as { data: { values: { x: number }[] } }).data.values.map((r) => r.x), [0, 1, 5]);
  assert.throws(() => line({ x: [1, 2], y: [1, 2, 3] }), { name: "DisplayError", message: "y has 3 values but x has 2; pass one per point" });
  assert.throws(() => line({ x: { a: [1] }, y: { a: [1], b: [2] } }), {
    message: 'x has no entry for series "b"; give x per series for all of y.b or one shared x',
  });
});

test("line: a one-point curve shows its point, accuracies are not squeezed against 0, epochs tick in whole numbers", () => {
  type LineSpec = { mark: { point: boolean }; encoding: { x: { axis?: { tickMinStep: number; format: string } }; y: { scale: { zero: boolean } } } };
  const one = line({ x: [1], y: { accuracy: [97.5] }, xTitle: "epoch" });
  const oneSpec = one.spec as unknown as LineSpec;
  assert.equal(oneSpec.mark.point, true);
  // Vega draws the points as a symbol mark on top of the (here invisible, one-point) line.
  assert.match(one.toSVG(), /class="mark-symbol/);
  const epochs = line({ x: [1, 2, 3], y: { accuracy: [97.1, 98.2, 98.6] }, xTitle: "epoch" });
  const epochsSpec = epochs.spec as unknown as LineSpec;
  assert.deepEqual(epochsSpec.encoding.x.axis, { tickMinStep: 1, format: "d" });
  assert.equal(epochsSpec.encoding.y.scale.zero, false);
  // The drawn axis: the lowest y tick is near the data, not 0; no 1.5-epoch tick.
  const texts = checkChartBundle(epochs).texts;
  assert.ok(!texts.includes("0") && !texts.includes("1.5") && texts.includes("2"), texts.join(" "));
  const long = line({ y: Array.from({ length: 100 }, (_, i) => i) });
  assert.equal((long.spec as unknown as LineSpec).mark.point, false);
  assert.doesNotMatch(long.toSVG(), /class="mark-symbol/);
  const fractional = line({ x: [0.5, 1.5], y: [1, 2] });
  assert.equal((fractional.spec as unknown as LineSpec).encoding.x.axis, undefined);
});

test("scatter: coloured by class, axis titles drawn", () => {
  const { texts, data } = checkChartBundle(scatter({
    x: FakeTensor.of([30], (i) => Math.sin(i)), y: FakeTensor.of([30, 1], (i) => Math.cos(i)),
    color: FakeTensor.of([30], (i) => i % 3), title: "Embedding", xTitle: "dim 0", yTitle: "dim 1",
  }));
  for (const t of ["Embedding", "dim 0", "dim 1", "class", "0", "1", "2"]) assert.ok(texts.includes(t), `SVG draws "${t}"`);
  assert.equal(data["text/plain"], 'Scatter plot, 30 points, 3 classes: "Embedding"');
});

test("bar: labels in order", () => {
  const { texts, data } = checkChartBundle(bar({ values: [0.1, 0.7, 0.2], labels: ["cat", "dog", "bird"], title: "p(class)", yTitle: "probability" }));
  const order = ["cat", "dog", "bird"].map((t) => texts.indexOf(t));
  assert.ok(order.every((i) => i >= 0) && order[0]! < order[1]! && order[1]! < order[2]!, `labels drawn in order: ${order}`);
  assert.ok(texts.includes("probability"));
  assert.equal(data["text/plain"], 'Bar chart, 3 bars: "p(class)"');
});

test("heatmap: a 2-D tensor with cell values written in", () => {
  const { texts, data } = checkChartBundle(heatmap({ values: FakeTensor.of([2, 3], (i) => i * 1.5), title: "Weights", xTitle: "in", yTitle: "out" }));
  for (const t of ["Weights", "in", "out", "0.00", "1.50", "7.50"]) assert.ok(texts.includes(t), `SVG draws "${t}"`);
  assert.equal(data["text/plain"], 'Heatmap 2×3: "Weights"');
});

test("confusionMatrix: counts, accuracy, class names", () => {
  const labels = [0, 0, 1, 1, 2, 2, 2], predictions = [0, 1, 1, 1, 2, 0, 2];
  const chart = confusionMatrix({ labels, predictions, classes: ["zero", "one", "two"], title: "Test set" });
  const { texts, data } = checkChartBundle(chart);
  assert.equal(data["text/plain"], 'Confusion matrix 3×3, accuracy 71.4 % (5/7): "Test set"');
  for (const t of ["Test set", "predicted", "true", "zero", "one", "two"]) assert.ok(texts.includes(t), `SVG draws "${t}"`);
  const rows = (chart.spec as { data: { values: { row: string; col: string; value: number }[] } }).data.values;
  assert.deepEqual(rows.filter((r) => r.value > 0).map((r) => `${r.row}>${r.col}:${r.value}`),
    ["zero>zero:1", "zero>one:1", "one>one:2", "two>zero:1", "two>two:2"]);
  assert.throws(() => confusionMatrix({ labels: [0, 3], predictions: [0, 1], classes: ["a", "b"] }), {
    message: "labels[1] = 3 and predictions[1] = 1 must be class indices in 0 … 1",
  });
});

test("spec(): a raw v5 spec is the escape hatch; v6 schemas and data URLs are refused", () => {
  const raw = { data: { values: [{ a: "x", b: 3 }, { a: "y", b: 5 }] }, mark: "arc", encoding: { theta: { field: "b", type: "quantitative" }, color: { field: "a" } }, title: "Pie" } as const;
  const { data } = checkChartBundle(spec(raw));
  assert.equal(data["text/plain"], 'Vega-Lite chart (arc): "Pie"');
  assert.throws(() => spec({ ...raw, $schema: "https://vega.github.io/schema/vega-lite/v6.json" }), {
    name: "DisplayError", message: /notebook front ends render Vega-Lite v5 only/,
  });
  assert.throws(() => spec({ layer: [{ data: { url: "data/cars.json" }, mark: "point" }] }), {
    message: "the spec loads data from data/cars.json; charts are drawn in the kernel without I/O: pass the rows inline as data: { values: [...] }",
  });
});

test("the `spec` option is merged over the generated top level", () => {
  const chart = line({ y: [1, 2], spec: { config: { axis: { grid: false } }, width: 123 } });
  assert.deepEqual((chart.spec as { config: unknown }).config, { axis: { grid: false } });
  assert.equal((chart.spec as { width: number }).width, 123);
});

test("display(chart) and display.vegaLite(spec) send the whole bundle through the sink", () => {
  const { sink, sent } = recordingSink();
  setDisplaySink(sink);
  try {
    display(line({ y: [1, 3, 2], title: "Shown" }));
    display.vegaLite({ data: { values: [{ a: 1 }] }, mark: "bar", encoding: { y: { field: "a", type: "quantitative" } } });
  } finally {
    setDisplaySink(consoleSink);
  }
  assert.deepEqual(sent.map((m) => [m.kind, Object.keys(m.data!).sort()]), [
    ["display", [VEGA_LITE_MIME, "image/png", "image/svg+xml", "text/plain"]],
    ["display", [VEGA_LITE_MIME, "image/png", "image/svg+xml", "text/plain"]],
  ]);
  assert.equal(sent[0]!.data!["text/plain"], 'Line chart, 1 series, 3 points: "Shown"');
  assert.equal(sent[1]!.data!["text/plain"], "Vega-Lite chart (bar)");
});
