// The wasm backend's fused kernels (lib/backend/fused.ts) against the tf ops they replace, run on the
// cpu backend, which has no such kernels: SGD's update bit for bit, on every branch of
// torch.optim.SGD; cross entropy's loss and gradient for every reduction.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, shutdownBackend } from "../../lib/backend";
import { CROSS_ENTROPY, SGD_STEP } from "../../lib/backend/fused";
import { F, nn, optim, torch } from "../../lib/index";
import type { SGDOptions } from "../../lib/optim";
import { maxAbsDiff, random } from "./parity";

after(() => shutdownBackend());

/** The parameter after 3 steps on `backend` (a 7x5 parameter: 32 floats in vectors, 3 in the tail). */
async function threeSteps(backend: "wasm" | "cpu", opts: SGDOptions): Promise<Float32Array> {
  await initBackend({ prefer: backend });
  assert.equal(tf.getKernel(SGD_STEP, backend) !== undefined, backend === "wasm");
  const p = new nn.Parameter(torch.tensor(random([7, 5], 1).values).view(7, 5));
  const optimizer = new optim.SGD([p], opts);
  for (let i = 0; i < 3; i++) {
    p.grad = torch.tensor(random([7, 5], 10 + i).values).view(7, 5);
    optimizer.step();
  }
  return Float32Array.from(p.dataSync());
}

const options: SGDOptions[] = [
  { lr: 0.01, momentum: 0.5 }, // the lecture's
  { lr: 0.1 },
  { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
  { lr: 0.05, momentum: 0.7, dampening: 0.3, weightDecay: 0.2 },
];
for (const opts of options) {
  test(`SGD ${JSON.stringify(opts)}: the wasm kernel's bits are the tf ops'`, async () => {
    assert.deepEqual(await threeSteps("wasm", opts), await threeSteps("cpu", opts));
  });
}

/** Loss and logits gradient on `backend`, for logits that reach +-40 (the max subtraction matters). */
async function crossEntropy(backend: "wasm" | "cpu", reduction: "mean" | "sum" | "none"): Promise<{ loss: Float32Array; grad: Float32Array }> {
  await initBackend({ prefer: backend });
  assert.equal(tf.getKernel(CROSS_ENTROPY, backend) !== undefined, backend === "wasm");
  const logits = torch.tensor(random([6, 7], 20).values.map((v) => 40 * v)).view(6, 7).requiresGrad_(true);
  const target = torch.tensor([0, 6, 3, 3, 1, 5]);
  const loss = F.crossEntropy(logits, target, { reduction });
  loss.backward(reduction === "none" ? torch.tensor(random([6], 21).values) : torch.tensor(2.5));
  return { loss: Float32Array.from(loss.dataSync()), grad: Float32Array.from(logits.grad!.dataSync()) };
}

for (const reduction of ["mean", "sum", "none"] as const) {
  test(`cross entropy, reduction ${reduction}: the wasm kernel's loss and gradient are the tf ops'`, async () => {
    const [got, want] = [await crossEntropy("wasm", reduction), await crossEntropy("cpu", reduction)];
    assert.ok(maxAbsDiff(got.loss, want.loss) <= 1e-5 * Math.max(1, ...Array.from(want.loss, Math.abs)), `loss ${got.loss} vs ${want.loss}`);
    assert.ok(maxAbsDiff(got.grad, want.grad) <= 1e-6, `gradient differs by ${maxAbsDiff(got.grad, want.grad)}`);
  });
}
