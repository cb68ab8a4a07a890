// Python-style indexing, forward and backward. Expected gradients are PyTorch 1.13's for
// x = arange(n).view(shape), loss = (x[idx] * arange(1, k + 1).view(y.shape)).sum().
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch } from "../../lib/index";

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
