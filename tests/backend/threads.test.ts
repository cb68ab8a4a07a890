// nnlab's kernels split their work into parts fixed by the shapes, so any number of threads gives
// the results of one thread bit for bit: each kernel and a whole training step, with 1 and 3 threads.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { initBackend, shutdownBackend } from "../../lib/backend";
import { kernelPool } from "../../lib/backend/wasm/simd";
import { torch, nn, optim } from "../../lib/index";
import { Net } from "../../lib/train";
import { random, runOn, type Input } from "./parity";

after(() => shutdownBackend());

interface KernelCase {
  kernel: string;
  inputs: Record<string, Input>;
  attrs: object;
}
const conv = { strides: 1, pad: "valid", dataFormat: "NHWC", dilations: 1 };
const cases: KernelCase[] = [
  { kernel: "FusedConv2D", inputs: { x: random([16, 28, 28, 1], 1), filter: random([5, 5, 1, 10], 2), bias: random([10], 3) }, attrs: { ...conv, activation: "relu" } },
  { kernel: "Conv2DBackpropFilter", inputs: { x: random([64, 12, 12, 10], 4), dy: random([64, 8, 8, 20], 5) }, attrs: { ...conv, filterShape: [5, 5, 10, 20] } },
  { kernel: "Conv2DBackpropInput", inputs: { dy: random([64, 8, 8, 20], 6), filter: random([5, 5, 10, 20], 7) }, attrs: { ...conv, inputShape: [64, 12, 12, 10] } },
  { kernel: "BatchMatMul", inputs: { a: random([64, 784], 8), b: random([784, 512], 9) }, attrs: { transposeA: false, transposeB: false } },
  { kernel: "BatchMatMul", inputs: { a: random([64, 784], 10), b: random([64, 512], 11) }, attrs: { transposeA: true, transposeB: false } },
  // 13 images in parts of 6: 6 + 6 + 1.
  { kernel: "MaxPool", inputs: { x: random([13, 24, 24, 10], 12) }, attrs: { filterSize: 2, strides: 2, pad: "valid" } },
  { kernel: "MaxPoolGrad", inputs: { dy: random([13, 12, 12, 10], 13), input: random([13, 24, 24, 10], 14), output: random([13, 12, 12, 10], 15) },
    attrs: { filterSize: 2, strides: 2, pad: "valid" } },
];

/** Each case's output with `threads` threads, and how many parts the pool's workers ran. */
async function outputs(threads: number): Promise<{ values: Float32Array[]; workerParts: number }> {
  assert.equal((await initBackend({ prefer: "wasm", threads })).threads, threads);
  const values: Float32Array[] = [];
  // A worker that gets no core leaves every part to the caller: repeat until the workers took some.
  const pool = kernelPool(tf.backend() as BackendWasm);
  for (let round = 0; round < 50 && (values.length === 0 || (threads > 1 && pool.workerParts === 0)); round++) {
    values.length = 0;
    for (const c of cases) values.push((await runOn("wasm", c.kernel, c.inputs, c.attrs)).values);
  }
  return { values, workerParts: pool.workerParts };
}

test("every tiled kernel gives the same bits with 3 threads as with 1", async () => {
  const one = await outputs(1);
  const three = await outputs(3);
  assert.equal(one.workerParts, 0);
  assert.ok(three.workerParts > 0, "the pool's workers ran no part");
  cases.forEach((c, i) => assert.deepEqual(three.values[i], one.values[i], `${c.kernel} ${JSON.stringify(c.attrs)}`));
});

/** Gradients of the lecture's Net after two SGD steps from the same seed. */
async function trainedGrads(threads: number): Promise<Float32Array[]> {
  await initBackend({ prefer: "wasm", threads });
  torch.manualSeed(3);
  const model = new Net();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.5 });
  const inputs = torch.randn(64, 1, 28, 28);
  const target = torch.tensor(Array.from({ length: 64 }, (_, i) => (i * 7) % 10));
  for (let step = 0; step < 2; step++) {
    optimizer.zeroGrad();
    new nn.CrossEntropyLoss()(model(inputs), target).backward();
    optimizer.step();
  }
  return model.parameters().map((p) => Float32Array.from(p.grad!.dataSync()));
}

test("a training step of the lecture's Net gives the same gradients with 3 threads as with 1", async () => {
  const [one, three] = [await trainedGrads(1), await trainedGrads(3)];
  one.forEach((g, i) => assert.deepEqual(three[i], g, `gradient ${i}`));
});
