// torch.max(outputs.data, 1) as the lecture's test loop uses it: [values, indices], also by name.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch } from "../../lib/index";

before(async () => { await torch.ready(); });

const outputs = () => torch.tensor([[0.1, 2.5, -1], [3, 0.2, 0.4], [-2, -3, -0.5], [0.3, 0.1, 0.9]], { requiresGrad: true });

test("const [, predicted] = torch.max(outputs.data, 1) gives the int64 class indices", () => {
  const [, predicted] = torch.max(outputs().data, 1);
  assert.equal(predicted.dtype, "int64");
  assert.equal(String(predicted), "tensor([1, 0, 2, 2])");
});

test("accuracy as the lecture counts it: (predicted == labels).sum().item()", () => {
  const labels = torch.tensor([1, 0, 1, 2]);
  const [, predicted] = torch.max(outputs().data, 1);
  const total = labels.size(0);
  const correct = predicted.eq(labels).sum().item();
  assert.deepEqual([correct, total, (100 * correct) / total], [3, 4, 75]);
});

test("the result also has .values and .indices; keepdim keeps the reduced axis", () => {
  const r = torch.max(outputs().data, 1);
  assert.equal(r.values, r[0]);
  assert.equal(r.indices, r[1]);
  assert.deepEqual(r.values.tolist(), [2.5, 3, -0.5, 0.9].map(Math.fround));
  const k = outputs().max(0, true);
  assert.deepEqual([...k.values.shape], [1, 3]);
  assert.deepEqual(k.indices.tolist(), [[1, 0, 3]]);
  assert.deepEqual(outputs().min(1).indices.tolist(), [2, 1, 1, 1]);
});

test("max over a dim is differentiable: the gradient goes to the arg max", () => {
  const x = outputs();
  torch.max(x, 1).values.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]]);
});

test("torch.max(t) without a dim is the largest element, a 0-d tensor", () => {
  const m = torch.max(outputs().data);
  assert.deepEqual([...m.shape], []);
  assert.equal(m.item(), 3);
  assert.equal(torch.argmax(outputs().data).item(), 3);
});
