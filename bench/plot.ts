/**
 * Chart rendering cost (first render includes loading vega and resvg) and the share of a training
 * epoch spent drawing a live curve. The epoch is simulated: 938 steps (MNIST, batch 64) of a fixed
 * CPU workload, since the live curve's throttle depends on time, not on what the step computes.
 */
import { consoleSink, setDisplaySink, toBundle } from "../lib/display/protocol";
import { flushDisplays } from "../lib/display/pending";
import { confusionMatrix, line } from "../lib/plot/charts";
import { live } from "../lib/plot/live";

const STEPS = 938;
// ~16 ms: the lecture net's training step on the wasm backend (shared/notes/backend-facts.md).
const STEP_MS = 16;

function lossChart(seed: number) {
  const n = 50;
  return line({
    y: { train: Array.from({ length: n }, (_, i) => Math.exp(-i / 10) + seed * 1e-3), test: Array.from({ length: n }, (_, i) => Math.exp(-i / 12)) },
    title: "Loss", xTitle: "epoch", yTitle: "loss",
  });
}

function timeMs(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the training step */ }
}

export async function run(): Promise<Record<string, number | string>> {
  const first = timeMs(() => toBundle(lossChart(0)));
  const warm = median(Array.from({ length: 10 }, (_, i) => timeMs(() => toBundle(lossChart(i + 1)))));
  const svgOnly = median(Array.from({ length: 10 }, (_, i) => timeMs(() => lossChart(i + 20).toSVG())));
  const labels = Array.from({ length: 10000 }, (_, i) => i % 10);
  const confusion = median(Array.from({ length: 5 }, () => timeMs(() => toBundle(confusionMatrix({ labels, predictions: labels.map((l, i) => (i % 13 ? l : (l + 1) % 10)) })))));

  let sent = 0;
  setDisplaySink({ display: () => { sent++; }, update: () => { sent++; }, clear: () => {} });
  const curve = live({ title: "Training loss" });
  const before = curve.stats;
  const epoch = timeMs(() => {
    for (let step = 0; step < STEPS; step++) {
      busy(STEP_MS);
      curve.push({ step, loss: Math.exp(-step / 300) + 0.05 * Math.sin(step) });
    }
    flushDisplays();
  });
  setDisplaySink(consoleSink);
  const drawMs = curve.stats.drawMs - before.drawMs, draws = curve.stats.draws - before.draws;
  // The drawing thread's own time (another core); drawMs is the training thread's, the final wait included.
  const renderMs = curve.stats.renderMs - before.renderMs;

  const results = {
    "plot.chart_first_render_ms": Math.round(first),
    "plot.chart_warm_render_ms": Math.round(warm),
    "plot.chart_warm_svg_only_ms": Math.round(svgOnly),
    "plot.confusion_matrix_10k_warm_ms": Math.round(confusion),
    "plot.live_epoch_ms": Math.round(epoch),
    "plot.live_redraws_per_epoch": draws,
    "plot.live_draw_ms_per_epoch": Math.round(drawMs),
    "plot.live_draw_share_percent": Number(((100 * drawMs) / epoch).toFixed(2)),
    "plot.live_render_share_percent": Number(((100 * renderMs) / epoch).toFixed(2)),
    "plot.live_messages": sent,
  };
  console.log(`plot: line chart bundle (spec+SVG+PNG) first ${results["plot.chart_first_render_ms"]} ms, warm ${results["plot.chart_warm_render_ms"]} ms ` +
    `(SVG alone ${results["plot.chart_warm_svg_only_ms"]} ms); confusion matrix of 10k predictions ${results["plot.confusion_matrix_10k_warm_ms"]} ms`);
  console.log(`plot: live curve over a simulated epoch of ${STEPS} steps × ${STEP_MS} ms: ${draws} redraws, ${Math.round(drawMs)} ms drawing ` +
    `of ${Math.round(epoch)} ms = ${results["plot.live_draw_share_percent"]} % (the drawing thread: ${results["plot.live_render_share_percent"]} %)`);
  return results;
}

if (require.main === module) void run();
