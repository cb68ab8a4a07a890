// Review: toNHWC (lib/tensor/layout.ts) transposes a non-contiguous, non-channels-last input in two
// steps outside tf.tidy, and the intermediate is never disposed: one tensor lost per call.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, F } from "../../lib/index";

before(async () => { await torch.ready(); });

function tensorsAfter(step: () => void, times: number): number {
  for (let i = 0; i < times; i++) step();
  torch.collectGarbage();
  torch.collectGarbage();
  return torch.memory().numTensors;
}

const transposedInput = () => torch.randn(2, 3, 4, 4).transpose(2, 3);
const cases: [string, () => void][] = [
  ["conv2d", () => { F.conv2d(transposedInput(), torch.ones(2, 3, 2, 2)); }],
  ["maxPool2d", () => { F.maxPool2d(transposedInput(), 2); }],
  ["avgPool2d", () => { F.avgPool2d(transposedInput(), 2); }],
  ["batchNorm", () => { F.batchNorm(transposedInput(), { runningMean: torch.zeros(3), runningVar: torch.ones(3), training: true }); }],
];

for (const [name, step] of cases) {
  test(`${name} on a transposed input does not leak backend tensors`, () => {
    const before = tensorsAfter(step, 2);
    const after = tensorsAfter(step, 10);
    assert.equal(after, before, `${name}: ${before} tensors before, ${after} after 10 more calls`);
  });
}
