// ms per forward + backward of the lecture's Net layers (batch 64) written as raw tfjs kernels on
// nnlab's wasm backend, 1 vs 2 threads: median and minimum of several runs (on a shared machine the
// minimum is the cost without other processes). Kernels run synchronously on wasm: each run is timed
// without reading back inside the loop, and read back once at its end.
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, shutdownBackend } from "../lib/backend";

const batch = 64;
const runs = 15;
const stepsPerRun = 4;
const conv = { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 } as const;
const pool = { filterSize: 2, strides: 2, pad: "valid" } as const;

interface Net {
  x: tf.Tensor4D;
  w1: tf.Tensor4D;
  b1: tf.Tensor1D;
  w2: tf.Tensor4D;
  b2: tf.Tensor1D;
  w3: tf.Tensor2D;
  b3: tf.Tensor1D;
  dOut: tf.Tensor2D;
}

function makeNet(): Net {
  return {
    x: tf.randomUniform([batch, 28, 28, 1]),
    w1: tf.randomNormal([5, 5, 1, 10], 0, 0.2),
    b1: tf.zeros([10]),
    w2: tf.randomNormal([5, 5, 10, 20], 0, 0.06),
    b2: tf.zeros([20]),
    w3: tf.randomNormal([320, 10], 0, 0.05),
    b3: tf.zeros([10]),
    dOut: tf.randomNormal([batch, 10]),
  };
}

const kernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

/** One forward and backward pass; returns the gradients (the input layer's dx is not computed). */
function step(n: Net): tf.Tensor[] {
  return tf.tidy(() => {
    const c1 = tf.add<tf.Tensor4D>(tf.conv2d(n.x, n.w1, 1, "valid"), n.b1); // (64, 24, 24, 10)
    const p1 = tf.maxPool(c1, 2, 2, "valid"); // (64, 12, 12, 10)
    const r1 = tf.relu(p1);
    const c2 = tf.add<tf.Tensor4D>(tf.conv2d(r1, n.w2, 1, "valid"), n.b2); // (64, 8, 8, 20)
    const p2 = tf.maxPool(c2, 2, 2, "valid"); // (64, 4, 4, 20)
    const flat = tf.reshape(tf.relu(p2), [batch, 320]);
    tf.add(tf.matMul(flat, n.w3), n.b3); // (64, 10): the loss gradient dOut stands in for its use

    const dW3 = tf.matMul(flat, n.dOut, true, false);
    const db3 = tf.sum(n.dOut, 0);
    const dp2 = tf.mul(tf.reshape(tf.matMul(n.dOut, n.w3, false, true), p2.shape), tf.step(p2));
    const dc2 = kernel("MaxPoolGrad", { dy: dp2, input: c2, output: p2 }, pool);
    const db2 = tf.sum(dc2, [0, 1, 2]);
    const dW2 = kernel("Conv2DBackpropFilter", { x: r1, dy: dc2 }, { ...conv, filterShape: n.w2.shape });
    const dr1 = kernel("Conv2DBackpropInput", { dy: dc2, filter: n.w2 }, { ...conv, inputShape: r1.shape });
    const dc1 = kernel("MaxPoolGrad", { dy: tf.mul(dr1, tf.step(p1)), input: c1, output: p1 }, pool);
    const db1 = tf.sum(dc1, [0, 1, 2]);
    const dW1 = kernel("Conv2DBackpropFilter", { x: n.x, dy: dc1 }, { ...conv, filterShape: n.w1.shape });
    return [dW1, db1, dW2, db2, dW3, db3];
  });
}

interface Timing {
  median: number;
  min: number;
  /** Process CPU time per call, all threads: with 1 thread, the cost however busy the machine is. */
  cpu: number;
}

/** Median and minimum over runs of the mean ms per call of `body`; each run reads one result back at its end. */
function time(body: () => tf.Tensor | tf.Tensor[]): Timing {
  tf.dispose(body()); // warm-up: XNNPACK operator caches, JIT
  tf.dispose(body());
  const perRun: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    let out: tf.Tensor | tf.Tensor[] = [];
    for (let i = 0; i < stepsPerRun; i++) {
      tf.dispose(out);
      out = body();
    }
    (Array.isArray(out) ? out[0] : out).dataSync();
    perRun.push((performance.now() - t0) / stepsPerRun);
    tf.dispose(out);
  }
  const cpu = process.cpuUsage(cpu0);
  perRun.sort((a, b) => a - b);
  return { median: perRun[Math.floor(runs / 2)], min: perRun[0], cpu: (cpu.user + cpu.system) / 1000 / (runs * stepsPerRun) };
}

function record(results: Record<string, number | string>, name: string, t: Timing): void {
  results[`${name} ms`] = t.median;
  results[`${name} min ms`] = t.min;
  results[`${name} cpu ms`] = t.cpu;
}

function layerTimes(n: Net, threads: number, results: Record<string, number | string>): void {
  const c1 = tf.conv2d(n.x, n.w1, 1, "valid");
  const p1 = tf.maxPool(c1, 2, 2, "valid");
  const c2 = tf.conv2d(tf.relu(p1), n.w2, 1, "valid");
  const p2 = tf.maxPool(c2, 2, 2, "valid");
  const r1 = tf.relu(p1);
  const t = (name: string, body: () => tf.Tensor | tf.Tensor[]): void => record(results, `${threads}t ${name}`, time(body));
  [
    t("conv1 forward", () => tf.conv2d(n.x, n.w1, 1, "valid")),
    t("conv2 forward", () => tf.conv2d(r1, n.w2, 1, "valid")),
    t("conv1 filter grad", () => kernel("Conv2DBackpropFilter", { x: n.x, dy: c1 }, { ...conv, filterShape: n.w1.shape })),
    t("conv2 filter grad", () => kernel("Conv2DBackpropFilter", { x: r1, dy: c2 }, { ...conv, filterShape: n.w2.shape })),
    t("conv2 input grad", () => kernel("Conv2DBackpropInput", { dy: c2, filter: n.w2 }, { ...conv, inputShape: r1.shape })),
    t("pool1 grad", () => kernel("MaxPoolGrad", { dy: p1, input: c1, output: p1 }, pool)),
    t("pool2 grad", () => kernel("MaxPoolGrad", { dy: p2, input: c2, output: p2 }, pool)),
  ];
  tf.dispose([c1, p1, c2, p2, r1]);
}

export async function run(): Promise<Record<string, number | string>> {
  const results: Record<string, number | string> = {};
  for (const threads of [1, 2]) {
    const info = await initBackend({ prefer: "wasm", threads });
    const net = makeNet();
    const before = tf.memory().numTensors;
    record(results, `${info.threads}t step`, time(() => step(net)));
    results[`${info.threads}t leaked tensors`] = tf.memory().numTensors - before;
    layerTimes(net, info.threads, results);
    tf.dispose(Object.values(net));
  }
  shutdownBackend();
  for (const [k, v] of Object.entries(results)) console.log(`backend: ${k.padEnd(30)} ${typeof v === "number" ? v.toFixed(2) : v}`);
  return results;
}

if (require.main === module) void run();
