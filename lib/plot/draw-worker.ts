/**
 * The drawing thread of live charts (see drawer.ts): draws each spec it is sent to SVG (and PNG
 * when asked), posts the result on its port, then bumps the shared counter so a thread blocked in
 * `Atomics.wait` for it wakes up. vega loads here, off the thread that trains.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import { svgToPng } from "../display/raster";
import { PNG_ZOOM } from "./chart";
import type { DrawRequest, DrawResult, DrawerData } from "./drawer";
import { ReusedView } from "./vega";

const { port, signal } = workerData as DrawerData;
const done = new Int32Array(signal);
/** A live chart's redraws differ in their data only: one view serves them (one chart at a time; another chart's spec makes a new one). */
const view = new ReusedView();

function draw({ seq, spec, png }: DrawRequest): DrawResult {
  const start = performance.now();
  try {
    const { svg, width, height } = view.render(spec);
    const pngBase64 = png ? svgToPng(svg, PNG_ZOOM).toString("base64") : undefined;
    return { seq, svg, width, height, pngBase64, ms: performance.now() - start };
  } catch (e) {
    return { seq, error: e instanceof Error ? e.message : String(e), ms: performance.now() - start };
  }
}

(port as MessagePort).on("message", (request: DrawRequest) => {
  port.postMessage(draw(request));
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
});
