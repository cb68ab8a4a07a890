// Python-style indexing, forward and backward. Expected gradients are PyTorch 1.13's for
// x = arange(n).view(shape), loss = (x[idx] * arange(1, k + 1).view(y.shape)).sum().
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { nn, torch } from "../../lib/index";

type IndexItem = number | string | null;

before(async () => { await torch.ready(); });

function check(shape: number[], idx: IndexItem[], y: unknown, grad: unknown): void {
  const n = shape.reduce((a, d) => a * d, 1);
  const x = torch.arange(0, n, 1, { dtype: "float32" }).view(shape).requiresGrad_();
  const out = x.index(...idx);
  assert.deepEqual(out.tolist(), y);
  out.mul(torch.arange(1, out.numel() + 1, 1, { dtype: "float32" }).view([...out.shape])).sum().backward();
  assert.deepEqual(x.grad!.tolist(), grad);
}

test("x[1:3] and x[:, 0]", () => {
  check([4, 3], ["1:3"], [[3, 4, 5], [6, 7, 8]], [[0, 0, 0], [1, 2, 3], [4, 5, 6], [0, 0, 0]]);
  check([2, 3], [":", 0], [0, 3], [[1, 0, 0], [2, 0, 0]]);
});
test("x[-1] and x[None]", () => {
  check([3, 2], [-1], [4, 5], [[0, 0], [0, 0], [1, 2]]);
  check([2], [null], [[0, 1]], [1, 2]);
});
test("x[::2] of a vector", () => check([6], ["::2"], [0, 2, 4], [1, 0, 2, 0, 3, 0]));
test("x[::2] of a matrix", () =>
  check([4, 3], ["::2"], [[0, 1, 2], [6, 7, 8]], [[1, 2, 3], [0, 0, 0], [4, 5, 6], [0, 0, 0]]));
test("x[:, ::2]", () =>
  check([3, 4], [":", "::2"], [[0, 2], [4, 6], [8, 10]], [[1, 0, 2, 0], [3, 0, 4, 0], [5, 0, 6, 0]]));
test("x[::2] of a 3-d tensor", () =>
  check([4, 2, 2], ["::2"], [[[0, 1], [2, 3]], [[8, 9], [10, 11]]],
    [[[1, 2], [3, 4]], [[0, 0], [0, 0]], [[5, 6], [7, 8]], [[0, 0], [0, 0]]]));

test("x[0], x[0][1], x[-1] and x[i] read as PyTorch's x[0], x[0][1], x[-1]; gradients flow through", () => {
  const x = torch.arange(0, 6, 1, { dtype: "float32" }).view(2, 3).requiresGrad_();
  assert.deepEqual(x[0].tolist(), [0, 1, 2]);
  assert.equal(x[0][1].item(), 1);
  assert.deepEqual(x[-1].tolist(), [3, 4, 5]);
  const picked: number[] = [];
  for (let i = 0; i < 2; i++) picked.push(x[i][2].item());
  assert.deepEqual(picked, [2, 5]);
  x[1].sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[0, 0, 0], [1, 1, 1]]);
});

test("x[i] out of range is PyTorch's IndexError, never undefined; x[0] = v says what to do instead", () => {
  const x = torch.zeros(2, 3);
  assert.throws(() => x[2], { name: "IndexError", message: "index 2 is out of bounds for dimension 0 with size 2" });
  assert.throws(() => x[0][3], { name: "IndexError", message: "index 3 is out of bounds for dimension 0 with size 3" });
  assert.throws(() => torch.tensor(5)[0], { name: "IndexError", message: "too many indices for tensor of dimension 0" });
  assert.throws(() => { (x as unknown as Record<number, unknown>)[0] = 1; }, { name: "TorchTypeError", message: /Tensor\[0\] = \.\.\. cannot be written in JavaScript; build a tensor/ });
  // Names that are not integers read as before: fields, methods, and undefined for unknown ones.
  assert.equal((x as unknown as { then?: unknown }).then, undefined);
  assert.deepEqual(Object.keys(x), ["_s", "requiresGrad", "_grad", "_gradShared", "gradFn", "_strides"]);
});

test("seq[0] and seq[-1] are the layers of an nn.Sequential; out of range is an IndexError", () => {
  const first = new nn.Linear(2, 3);
  const seq = new nn.Sequential(first, new nn.ReLU());
  assert.equal(seq[0], first);
  assert.equal(String(seq[-1]), "ReLU()");
  assert.equal(seq[0], seq.at(0));
  assert.throws(() => seq[2], { name: "IndexError", message: "index 2 is out of range for a Sequential of 2 layers" });
  assert.equal(seq.parameters().length, 2);
});

test("instanceof still sees the whole prototype chain of tensors and Sequential", () => {
  const seq = new nn.Sequential(new nn.ReLU());
  assert.ok(seq instanceof nn.Sequential && seq instanceof nn.Module && seq instanceof Object);
  assert.ok(torch.zeros(1) instanceof torch.Tensor && torch.zeros(1) instanceof Object);
  assert.ok(new nn.Parameter(torch.zeros(1)) instanceof torch.Tensor);
});
