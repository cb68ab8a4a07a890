// Review: a Tensor must own its backend buffer. Each case below ends up with two Tensors sharing
// one tf handle, so freeing one (dispose, in-place swap, or the GC finalizer) kills the other.
// Root cause: `tf.tidy(() => toPhys(contig(src), perm))` returns src._h itself when both layouts
// are contiguous, and the caller adopts that handle as its own.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn } from "../../lib/index";
import type { Linear, Parameter } from "../../lib/nn";

before(async () => { await torch.ready(); });

const f32 = (v: number[]) => torch.tensor(v, { dtype: "float32" });

test("copy_: the destination keeps its values when the source changes", () => {
  const a = torch.zeros(3);
  const b = torch.ones(3);
  a.copy_(b);
  b.zero_();
  assert.deepEqual(a.tolist(), [1, 1, 1]);
});

test("backward(gradient) leaves the gradient tensor usable", () => {
  const x = torch.ones(3, { requiresGrad: true });
  const g = f32([1, 2, 3]);
  x.mul(2).backward(g);
  assert.deepEqual(g.tolist(), [1, 2, 3]);
  assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
});

test("leaf.backward(gradient): .grad does not share the gradient's buffer", () => {
  const x = torch.ones(3, { requiresGrad: true });
  const g = f32([1, 2, 3]);
  x.backward(g);
  g.fill_(5);
  assert.deepEqual(x.grad!.tolist(), [1, 2, 3]);
});

/** A manual SGD step, as lectures write it before introducing optim.SGD. */
function manualStep(p: torch.Tensor): void {
  torch.noGrad(() => { p.sub_(p.grad!.mul(0.5)); });
}

test("an in-place update survives garbage collection (manual SGD on a conv weight)", () => {
  const conv = new nn.Conv2d(1, 1, 2, { bias: false });
  torch.noGrad(() => conv.weight.fill_(1));
  conv(torch.ones(1, 1, 2, 2)).sum().backward();
  manualStep(conv.weight);
  torch.collectGarbage();
  assert.deepEqual(conv.weight.flatten().tolist(), [0.5, 0.5, 0.5, 0.5]);
});

function makeParameter(): Parameter {
  return new nn.Parameter(f32([1, 2, 3]));
}

test("new nn.Parameter(tensor) survives garbage collection of the tensor it was made from", () => {
  const p = makeParameter();
  torch.collectGarbage();
  assert.deepEqual(p.tolist(), [1, 2, 3]);
});

test("BatchNorm2d's weight and bias survive garbage collection", () => {
  const bn = new nn.BatchNorm2d(2);
  torch.collectGarbage();
  assert.deepEqual([bn.weight!.tolist(), bn.bias!.tolist()], [[1, 1], [0, 0]]);
});

function loadFromFresh(model: Linear): number[] {
  const other = new nn.Linear(3, 2);
  model.loadStateDict(other.stateDict());
  return other.bias!.tolist() as number[];
}

test("loadStateDict copies: the model survives garbage collection of the state dict", () => {
  const model = new nn.Linear(3, 2);
  const expected = loadFromFresh(model);
  torch.collectGarbage();
  assert.deepEqual(model.bias!.tolist(), expected);
});
