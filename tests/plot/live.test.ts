import { test } from "node:test";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import assert from "node:assert/strict";
import { consoleSink, DISPLAY, setDisplaySink } from "../../lib/display/protocol";
import { flushDisplays } from "../../lib/display/pending";
import { VEGA_LITE_MIME } from "../../lib/plot/chart";
import { downsample, live } from "../../lib/plot/live";
import { recordingSink, type SentMessage } from "../display/pngTools";
import { checkChartBundle, svgTexts } from "./chartTools";

function recording(run: (sent: SentMessage[]) => void): void {
  const { sink, sent } = recordingSink();
  setDisplaySink(sink);
  try { run(sent); } finally { setDisplaySink(consoleSink); }
}

const rowsOf = (m: SentMessage) => (m.data![VEGA_LITE_MIME] as { data: { values: { x: number; y: number; series: string }[] } }).data.values;

test("a live curve sends one display_data, then only update_display_data with the same id", () => recording((sent) => {
  const curve = live({ title: "Training", budget: 1 });
  for (let step = 0; step < 5; step++) curve.push({ step, loss: 1 / (step + 1) });
  flushDisplays();
  assert.equal(sent[0]!.kind, "display");
  assert.match(sent[0]!.displayId!, /^[0-9a-f]{32}$/);
  assert.equal(sent[0]!.data!["text/plain"], 'Live chart "Training": no points yet');
  assert.ok(sent.length >= 2);
  for (const m of sent.slice(1)) assert.deepEqual([m.kind, m.displayId], ["update", sent[0]!.displayId]);
  const last = sent.at(-1)!;
  checkChartBundle({ [Symbol.for("Jupyter.display")]: () => ({ data: last.data, metadata: last.metadata }) });
  assert.equal(last.data!["text/plain"], 'Live chart "Training": loss 0.2000 at step 4');
  assert.deepEqual(rowsOf(last).map((r) => [r.x, r.y]), [[0, 1], [1, 0.5], [2, 1 / 3], [3, 0.25], [4, 0.2]]);
  assert.ok(svgTexts(last.data!["image/svg+xml"] as string).includes("step"));
}));

/** Lets the event loop run (as an awaiting training loop does) until `done()`, for at most 30 s. */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 30_000; !done();) {
    assert.ok(Date.now() < deadline, "no drawing came back from the drawing thread in 30 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test("the chart shows its spec at once; the drawing thread's pictures follow, the first points at once, later ones throttled; flushDisplays draws the final state once, with its PNG", async () => {
  const { sink, sent } = recordingSink();
  setDisplaySink(sink);
  try {
    // A budget this small puts the next draw at the longest wait (1.5 s): the pushes below wait for the flush.
    const curve = live({ budget: 1e-9 });
    assert.deepEqual(sent.map((m) => m.kind), ["display"]);
    assert.deepEqual(Object.keys(sent[0]!.data!).sort(), [VEGA_LITE_MIME, "text/plain"], "no picture before the drawing thread drew one");
    curve.push({ epoch: 1, accuracy: 0.91, testAccuracy: 0.86 });
    // Delivered by the port's message event while the event loop runs (an awaiting loop).
    await until(() => sent.length === 2);
    assert.equal(sent[1]!.kind, "update");
    assert.equal(sent[1]!.data!["text/plain"], "Live chart: accuracy 0.9100, testAccuracy 0.8600 at epoch 1", "the empty chart's drawing is dropped once points came");
    assert.equal(sent[1]!.data!["image/png"], undefined, "an intermediate redraw leaves the PNG out");
    assert.ok(String(sent[1]!.data!["image/svg+xml"]).startsWith("<svg"));
    for (let epoch = 2; epoch <= 3; epoch++) curve.push({ epoch, accuracy: 0.9 + epoch / 100, testAccuracy: 0.85 + epoch / 100 });
    flushDisplays();
    flushDisplays();
    curve.flush();
    assert.deepEqual(sent.map((m) => m.kind), ["display", "update", "update"]);
    assert.equal(sent[2]!.data!["text/plain"], "Live chart: accuracy 0.9300, testAccuracy 0.8800 at epoch 3");
    assert.deepEqual(rowsOf(sent[2]!).map((r) => `${r.series}@${r.x}`),
      ["accuracy@1", "accuracy@2", "accuracy@3", "testAccuracy@1", "testAccuracy@2", "testAccuracy@3"]);
    assert.match(String(sent[2]!.data!["image/png"]), /^iVBORw0KGgo/, "the final state carries the PNG");
    // The drawing thread draws what the chart draws here: the same SVG (but for vega's clip-path ids, numbered per thread), PNG and size.
    const inThread = curve.chart()[DISPLAY]();
    const svgOf = (data: Record<string, unknown>) => String(data["image/svg+xml"]).replace(/clip\d+/g, "clip");
    assert.ok(svgOf(sent[2]!.data!) === svgOf(inThread.data), "the drawing thread's SVG differs from the chart's own");
    for (const mime of ["image/png", VEGA_LITE_MIME]) assert.ok(JSON.stringify(sent[2]!.data![mime]) === JSON.stringify(inThread.data[mime]), `${mime} differs`);
    assert.deepEqual(sent[2]!.metadata, inThread.metadata);
    assert.equal(curve.stats.points, 3);
    assert.equal(curve.stats.draws, 2);
    assert.ok(curve.stats.renderMs > 0, "the drawing thread's time is counted apart");
  } finally {
    setDisplaySink(consoleSink);
  }
});

test("points pushed 1.5 s and more apart in a blocking loop are shown before push returns: no later push would send them", () => recording((sent) => {
  const curve = live();
  curve.push({ step: 0, loss: 1 });
  const until = performance.now() + 1600;
  while (performance.now() < until) { /* a long training step that never yields */ }
  curve.push({ step: 1, loss: 0.5 });
  assert.equal(sent.at(-1)!.data!["text/plain"], "Live chart: loss 0.5000 at step 1");
  assert.ok(String(sent.at(-1)!.data!["image/svg+xml"]).startsWith("<svg"));
  flushDisplays();
}));

test("while points keep coming in a blocking loop, the curve redraws at least every 1.5 s whatever the budget", () => recording((sent) => {
  const curve = live({ budget: 1e-9 });
  const start = performance.now();
  for (let step = 0; performance.now() - start < 3400; step++) {
    const until = performance.now() + 20;
    while (performance.now() < until) { /* a training step */ }
    curve.push({ step, loss: 1 / (step + 1) });
  }
  const updates = sent.filter((m) => m.kind === "update");
  // The first point at once, then one redraw per 1.5 s: at ~1.5 s and ~3.0 s.
  assert.ok(updates.length >= 3, `${updates.length} redraws in 3.4 s`);
  flushDisplays();
}));

test("a script with a live chart exits by itself: the drawing thread does not keep it alive", () => {
  const script = `const { live } = require(${JSON.stringify(path.join(__dirname, "..", "..", "lib", "plot", "live"))});
const curve = live();
for (let step = 0; step < 50; step++) curve.push({ step, loss: 1 / (step + 1) });
curve.flush();
console.log(JSON.stringify(curve.stats));`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(r.signal, null, "killed by the timeout: the drawing thread kept the process alive");
  assert.equal(r.status, 0, r.stderr);
  const stats = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { points: number; draws: number };
  assert.equal(stats.points, 50);
  assert.ok(stats.draws >= 1, "the final state was drawn");
});

test("without a step/epoch field, x counts the pushes; bad points are refused with the fix", () => recording(() => {
  const curve = live({ budget: 1e-9 });
  curve.push({ loss: 3 });
  curve.push({ loss: 2 });
  assert.deepEqual(curve.chart().spec.data && (curve.chart().spec as { data: { values: { x: number }[] } }).data.values.map((r) => r.x), [0, 1]);
  assert.throws(() => curve.push({ loss: "0.5" as unknown as number }), {
    name: "DisplayError", message: "live chart field \"loss\" is '0.5'; push numbers (use loss.item())",
  });
  const stepped = live({ x: "iter", budget: 1e-9 });
  assert.throws(() => stepped.push({ step: 1, loss: 1 }), { message: 'live chart point { step: 1, loss: 1 } has no number in its x field "iter"; push { iter: ..., ... }' });
  assert.throws(() => live({ budget: 0 }), { message: "budget must be in (0, 1], got 0" });
  flushDisplays();
}));

test("downsample averages equal chunks down to at most maxPoints", () => {
  assert.deepEqual(downsample([0, 1, 2, 3, 4], [10, 20, 30, 40, 50], 2), [[1, 3.5], [20, 45]]);
  assert.deepEqual(downsample([0, 1], [5, 6], 2), [[0, 1], [5, 6]]);
});

test("an empty live chart: its title, untitled axes over 0–1, and no vega warning about infinite extents", async () => {
  const { sink } = recordingSink();
  setDisplaySink(sink);
  try {
    const empty = live({ title: "test accuracy (%)" }).chart();
    const texts = svgTexts(empty.toSVG());
    assert.deepEqual(texts.filter((t) => /[a-z]/.test(t)), ["test accuracy (%)"], "no made-up axis names such as value/point");
    assert.ok(texts.includes("1.0"), texts.join("|"));
    assert.ok(svgTexts(live({ x: "epoch", yTitle: "accuracy" }).chart().toSVG()).includes("epoch"), "titles given up front are shown");
    // What vega-embed does in the browser: compile and run the spec with vega's logger at Warn.
    const vega = await import("vega"), vegaLite = await import("vega-lite");
    const warnings: string[] = [];
    const logger = vega.logger(vega.Warn);
    logger.warn = (...args: readonly unknown[]) => { warnings.push(args.join(" ")); return logger; };
    const view = new vega.View(vega.parse(vegaLite.compile(structuredClone(empty.spec)).spec), { renderer: "none", logger });
    await view.runAsync();
    view.finalize();
    assert.deepEqual(warnings.filter((w) => /Infinite extent/.test(w)), []);
  } finally {
    setDisplaySink(consoleSink);
  }
});
