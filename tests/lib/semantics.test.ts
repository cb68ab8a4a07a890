// Review: values and gradients that differ from PyTorch 1.13 (numbers from /usr/bin/python3 + torch).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn, F, optim } from "../../lib/index";

before(async () => { await torch.ready(); });

const f32 = (v: number[]) => torch.tensor(v, { dtype: "float32" });
const close = (actual: number[], expected: number[], tol = 1e-6) =>
  assert.ok(actual.length === expected.length && actual.every((v, i) => Math.abs(v - expected[i]) <= tol),
    `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);

test("in-place mul_ on a non-leaf is not silently dropped from the graph", () => {
  // torch: x.grad == [6, 6]. nnlab records nothing for mul_ and returns [2, 2].
  const x = f32([1, 2]).requiresGrad_();
  const y = x.mul(2);
  let grad: unknown;
  try {
    y.mul_(3);
    y.sum().backward();
    grad = x.grad!.tolist();
  } catch (e) {
    assert.ok(e instanceof torch.RuntimeError && /in-?place/.test(e.message), `unexpected error: ${e}`);
    return; // refusing the in-place op is an acceptable fix
  }
  assert.deepEqual(grad, [6, 6]);
});

test("modifying a saved output in place gives a RuntimeError that names the in-place op", () => {
  // torch: RuntimeError "one of the variables needed for gradient computation has been modified by an inplace operation".
  // nnlab: TypeError "Cannot read properties of undefined (reading 'backend')" from the disposed handle.
  const x = f32([1, 2]).requiresGrad_();
  const y = x.exp();
  assert.throws(() => { y.mul_(3); y.sum().backward(); }, (e: Error) => e instanceof torch.RuntimeError && /in-?place/.test(e.message));
});

test("in-place add_ cannot change the tensor's shape by broadcasting", () => {
  // torch: RuntimeError "output with shape [3] doesn't match the broadcast shape [2, 3]".
  const x = torch.zeros(3);
  assert.throws(() => x.add_(torch.ones(2, 3)), (e: Error) => e instanceof torch.RuntimeError && /\[3\]/.test(e.message) && /\[2, 3\]/.test(e.message));
});

test("div of int64 tensors is true division, as torch.div", () => {
  const y = torch.tensor([3, 4]).div(2);
  assert.deepEqual([y.dtype, y.tolist()], ["float32", [1.5, 2]]);
  assert.deepEqual(torch.tensor([3, 4]).div(torch.tensor([2, 2])).tolist(), [1.5, 2]);
});

test("bool tensor + int promotes to int64", () => {
  const y = torch.tensor([true, false]).add(1);
  assert.deepEqual([y.dtype, y.tolist()], ["int64", [2, 1]]);
});

test("Adam keeps working after weight.data = ... changes the weight's layout", () => {
  // Linear stores its weight transposed; Adam's moments are kept in that physical layout.
  // After `weight.data = contiguous`, torch gives [0.9, 2.1, 3.9, 5.1]; nnlab mixes transposed moments.
  const fc = new nn.Linear(2, 2);
  torch.noGrad(() => { fc.weight.copy_(f32([1, 2, 4, 5]).view(2, 2)); fc.bias!.zero_(); });
  const opt = new optim.Adam(fc.parameters(), { lr: 0.1 });
  const x = f32([1, -3]).view(1, 2);
  fc(x).sum().backward(); opt.step(); opt.zeroGrad();
  fc.weight.data = f32([1, 2, 4, 5]).view(2, 2);
  fc(x).sum().backward(); opt.step();
  close([...fc.weight.dataSync()], [0.9, 2.1, 3.9, 5.1]);
});

test("Adam after weight.data = ... on a non-square Linear does not throw a broadcasting error", () => {
  const fc = new nn.Linear(3, 2);
  const opt = new optim.Adam(fc.parameters(), { lr: 0.1 });
  const x = torch.ones(1, 3);
  fc(x).sum().backward(); opt.step(); opt.zeroGrad();
  fc.weight.data = fc.weight.data.contiguous();
  fc(x).sum().backward();
  assert.doesNotThrow(() => opt.step());
});

test("avgPool2d with padding and countIncludePad: false has the gradient of its forward", () => {
  const x = torch.arange(0, 16, 1, { dtype: "float32" }).view(1, 1, 4, 4).requiresGrad_();
  const y = F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false });
  close(y.flatten().tolist() as number[], [2.5, 4, 8.5, 10]);
  y.sum().backward();
  close([...x.grad!.dataSync()], [0.25, 0.41666669, 0.16666667, 0.16666667, 0.41666669, 0.69444448, 0.27777779, 0.27777779,
    0.16666667, 0.27777779, 0.11111111, 0.11111111, 0.16666667, 0.27777779, 0.11111111, 0.11111111]);
});

test("F.batchNorm on a transposed (N, C) input normalises over N", () => {
  const x = f32([1, 2, 3, 4, 5, 7]).view(2, 3).t(); // (3, 2), stored as (2, 3)
  const y = F.batchNorm(x, { runningMean: torch.zeros(2), runningVar: torch.ones(2), training: true });
  close(y.flatten().tolist() as number[], [-1.2247357, -1.0690417, 0, -0.2672605, 1.2247357, 1.3363018], 1e-5);
});

test("stateDict lists each module's parameters then its buffers, in module order (as PyTorch)", () => {
  class Net extends nn.Module {
    conv = new nn.Conv2d(1, 2, 3);
    bn = new nn.BatchNorm2d(2);
    fc = new nn.Linear(2, 1);
    forward(x: torch.Tensor): torch.Tensor { return x; }
  }
  // torch: conv.weight, conv.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.num_batches_tracked, fc.weight, fc.bias
  assert.deepEqual(Object.keys(new Net().stateDict()),
    ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked", "fc.weight", "fc.bias"]);
});

test("param.data shares the parameter's storage: in-place ops through .data change the parameter", () => {
  // torch: `fc.bias.data.zero_()` and `p.data.add_(-lr * p.grad)` (classic manual SGD) update p.
  // nnlab: `.data` returns a copy, so both are silent no-ops.
  const fc = new nn.Linear(2, 2);
  fc.bias!.data.zero_();
  fc.weight.data.fill_(3);
  assert.deepEqual([fc.bias!.tolist(), fc.weight.tolist()], [[0, 0], [[3, 3], [3, 3]]]);
});
