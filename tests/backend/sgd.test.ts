// The wasm backend's one-pass SGD kernel gives the bits of the tf ops it replaces (run on the cpu
// backend, which has no such kernel), for every branch of torch.optim.SGD's update.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, shutdownBackend } from "../../lib/backend";
import { SGD_STEP } from "../../lib/backend/fused";
import { nn, optim, torch } from "../../lib/index";
import type { SGDOptions } from "../../lib/optim";
import { random } from "./parity";

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
