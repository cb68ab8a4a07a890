// Autograd as PyTorch users rely on it: leaves, accumulation, zeroing, noGrad, freed graphs.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn, F, optim } from "../../lib/index";

before(async () => { await torch.ready(); });

const leaf = (values: number[]) => torch.tensor(values, { dtype: "float32", requiresGrad: true });

test("tensors made with requiresGrad are leaves; results of ops on them are not", () => {
  const x = leaf([1, 2, 3]);
  const y = x.mul(2);
  assert.deepEqual([x.isLeaf, x.requiresGrad, x.gradFnName], [true, true, null]);
  assert.deepEqual([y.isLeaf, y.requiresGrad, y.gradFnName], [false, true, "MulBackward0"]);
  const c = torch.tensor([1, 2, 3], { dtype: "float32" });
  assert.deepEqual([c.isLeaf, c.requiresGrad, c.mul(2).requiresGrad], [true, false, false]);
});

test("only leaves receive .grad", () => {
  const x = leaf([1, 2, 3]);
  const y = x.mul(x);
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
  assert.equal(y.grad, null);
});

test("gradients accumulate across two backward calls until zeroed", () => {
  const w = leaf([1, -2]);
  const x = torch.tensor([3, 5], { dtype: "float32" });
  w.mul(x).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [3, 5]);
  w.mul(x).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [6, 10]);
  w.grad = null;
  w.mul(x).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [3, 5]);
});

test("model.zeroGrad() and optimizer.zeroGrad() clear every parameter's gradient", () => {
  const model = new nn.Linear(3, 2);
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const x = torch.ones(4, 3);
  model(x).sum().backward();
  assert.ok(model.parameters().every((p) => p.grad !== null));
  model.zeroGrad();
  assert.ok(model.parameters().every((p) => p.grad === null));
  model(x).sum().backward();
  opt.zeroGrad();
  assert.ok(model.parameters().every((p) => p.grad === null));
});

test("torch.noGrad records no graph and restores grad mode afterwards, also after a throw", () => {
  const x = leaf([1, 2]);
  const y = torch.noGrad(() => x.mul(3).add(1));
  assert.deepEqual([y.gradFn, y.requiresGrad, torch.isGradEnabled()], [null, false, true]);
  assert.throws(() => torch.noGrad(() => { throw new RangeError("inside"); }), RangeError);
  assert.equal(torch.isGradEnabled(), true);
  assert.equal(x.mul(3).gradFnName, "MulBackward0");
});

test("torch.noGrad with an async function keeps grad off until its promise settles", async () => {
  let inside: boolean | undefined;
  await torch.noGrad(async () => {
    await new Promise((r) => setTimeout(r, 1));
    inside = torch.isGradEnabled();
  });
  assert.deepEqual([inside, torch.isGradEnabled()], [false, true]);
});

test("backward twice through a freed graph throws; retainGraph keeps it", () => {
  const x = leaf([1, 2]);
  const loss = x.mul(x).sum();
  loss.backward();
  assert.throws(() => loss.backward(), (e: unknown) => e instanceof torch.RuntimeError && /backward through the graph a second time/.test(e.message) && /retainGraph: true/.test(e.message));

  const z = leaf([1, 2]);
  const l2 = z.mul(z).sum();
  l2.backward(undefined, { retainGraph: true });
  l2.backward();
  assert.deepEqual(z.grad!.tolist(), [4, 8]);
});

test("backward of a tensor that needs no grad, or of a non-scalar without gradient, explains itself", () => {
  assert.throws(() => torch.ones(2).sum().backward(), (e: unknown) => e instanceof torch.RuntimeError && /does not require grad/.test(e.message));
  const x = leaf([1, 2]);
  assert.throws(() => x.mul(2).backward(), (e: unknown) => e instanceof torch.RuntimeError && /implicitly created only for scalar outputs/.test(e.message) && /\[2\]/.test(e.message));
});

test("requiresGrad_ only on floating tensors; in-place change of a leaf that requires grad needs noGrad", () => {
  assert.throws(() => torch.tensor([1, 2]).requiresGrad_(), (e: unknown) => e instanceof torch.RuntimeError && /int64/.test(e.message));
  const w = leaf([1, 2]);
  assert.throws(() => w.add_(1), (e: unknown) => e instanceof torch.RuntimeError && /in-place/.test(e.message));
  torch.noGrad(() => w.add_(1));
  assert.deepEqual(w.tolist(), [2, 3]);
});

test(".data and detach() cut the graph", () => {
  const x = leaf([1, 2]);
  const y = x.mul(2);
  for (const t of [y.data, y.detach()]) assert.deepEqual([t.requiresGrad, t.gradFn, t.tolist()], [false, null, [2, 4]]);
});

// Backward functions that hand the upstream gradient on unchanged (add, permute, clone).

test("add and sub pass the gradient on: d(a + b - c)/d(a, b, c) = (1, 1, -1)", () => {
  const [a, b, c] = [leaf([1, 2]), leaf([3, 4]), leaf([5, 6])];
  a.add(b).sub(c).sum().backward();
  assert.deepEqual([a.grad!.tolist(), b.grad!.tolist(), c.grad!.tolist()], [[1, 1], [1, 1], [-1, -1]]);
});

test("the gradient of a transposed matrix comes back transposed", () => {
  const w = torch.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "float32", requiresGrad: true });
  w.t().mul(torch.Tensor([[1, 10], [2, 20], [3, 30]])).sum().backward();
  assert.deepEqual(w.grad!.tolist(), [[1, 2, 3], [10, 20, 30]]);
});

test("a tensor used twice gets the sum of both paths' gradients", () => {
  const x = leaf([2]);
  x.mul(x).add(x.mul(3)).sum().backward(); // d/dx (x² + 3x) = 2x + 3
  assert.deepEqual(x.grad!.tolist(), [7]);
});

test("relu through a max pool: the gradient reaches only the window maxima", () => {
  const x = torch.tensor([[[[1, -2], [3, 0.5]]]], { dtype: "float32", requiresGrad: true });
  F.relu(F.maxPool2d(x, 2)).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[[[0, 0], [1, 0]]]]);
});

test("clone() passes the gradient on", () => {
  const x = leaf([1, 2]);
  x.clone().mul(3).sum().backward();
  assert.deepEqual(x.grad!.tolist(), [3, 3]);
});
