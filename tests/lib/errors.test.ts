// Mistakes get Error subclasses whose messages say what was wrong, in PyTorch's words where
// PyTorch has them (the quoted parts are PyTorch 1.13's own messages for the same call).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { torch, nn, F, optim } from "../../lib/index";
import { Net } from "../helpers/lectureNets";

before(async () => { await torch.ready(); });

type ErrorClass = new (...args: never[]) => Error;

/** `fn` throws an instance of `cls` (a TorchError, so an Error) whose message contains every part. */
function throwsWith(fn: () => unknown, cls: ErrorClass, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected a ${cls.name}, got ${String(e)}`);
    assert.ok(e instanceof torch.TorchError && e instanceof Error);
    assert.equal(e.name, e.constructor.name);
    for (const p of parts) assert.ok(e.message.includes(p), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`);
    return true;
  });
}

test("Linear(300, 10) on a [64, 320] batch names both matrix shapes", () => {
  throwsWith(() => new nn.Linear(300, 10)(torch.zeros(64, 320)), torch.RuntimeError,
    "mat1 and mat2 shapes cannot be multiplied (64x320 and 300x10)");
});

test("torch.mm of mismatched matrices", () => {
  throwsWith(() => torch.mm(torch.zeros(2, 3), torch.zeros(4, 5)), torch.RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
});

test("a conv layer given the wrong number of channels names expected and got", () => {
  throwsWith(() => new Net()(torch.zeros(4, 3, 28, 28)), torch.RuntimeError,
    "Given groups=1, weight of size [10, 1, 5, 5], expected input[4, 3, 28, 28] to have 1 channels, but got 3 channels instead");
});

test("view that does not fit names the shape and the size", () => {
  throwsWith(() => torch.zeros(4, 10).view(3, -1), torch.RuntimeError, "shape '[3, -1]' is invalid for input of size 40");
  throwsWith(() => torch.zeros(4, 10).view(3, 7), torch.RuntimeError, "shape '[3, 7]' is invalid for input of size 40");
});

test("the lecture's Net on a batch of the wrong image size fails at the fully connected layer", () => {
  throwsWith(() => new Net()(torch.zeros(2, 1, 32, 32)), torch.RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x500 and 320x10)");
});

test("item() of a tensor with more than one element", () => {
  throwsWith(() => torch.zeros(2).item(), torch.ValueError, "only one element tensors can be converted to Python scalars");
  assert.equal(torch.zeros(1, 1).item(), 0);
});

test("cross entropy with a class index out of range", () => {
  throwsWith(() => F.crossEntropy(torch.zeros(2, 10), torch.tensor([1, 10])), torch.IndexError, "Target 10 is out of bounds");
});

test("cross entropy with float targets asks for class indices", () => {
  throwsWith(() => F.crossEntropy(torch.zeros(2, 10), torch.Tensor([1, 2])), torch.RuntimeError, "int64", ".long()");
});

test("tensors whose shapes do not broadcast", () => {
  throwsWith(() => torch.zeros(2, 3).add(torch.zeros(4)), torch.RuntimeError, "the size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1");
});

test("an index out of range", () => {
  throwsWith(() => torch.zeros(2, 3).index(5), torch.IndexError, "index 5 is out of bounds for dimension 0 with size 2");
});

test("a dim out of range", () => {
  throwsWith(() => torch.zeros(2, 3).sum(2), torch.TorchError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
});

test("a dim out of range is an IndexError, as in PyTorch", () => {
  throwsWith(() => torch.zeros(2, 3).sum(2), torch.IndexError, "Dimension out of range");
});

test("cat of tensors whose other dims differ", () => {
  throwsWith(() => torch.cat([torch.zeros(2, 3), torch.zeros(2, 4)]), torch.RuntimeError, "Sizes of tensors must match except in dimension 0");
});

test("optimizers validate their hyper-parameters", () => {
  const params = () => [new nn.Parameter(torch.zeros(1))];
  throwsWith(() => new optim.SGD(params(), { lr: -1 }), torch.ValueError, "Invalid learning rate: -1");
  throwsWith(() => new optim.Adam(params(), { betas: [0.9, 1] }), torch.ValueError, "Invalid beta parameter at index 1: 1");
  throwsWith(() => new optim.SGD([], { lr: 0.1 }), torch.ValueError, "empty parameter list");
});

test("a nested array that is not rectangular", () => {
  throwsWith(() => torch.tensor([[1, 2], [3]]), torch.ValueError, "rectangular");
});

test("unknown option keys are refused with the known ones, never ignored", () => {
  const params = new nn.Linear(1, 1).parameters();
  assert.throws(() => new torch.optim.SGD(params, { lr: 0.1, weight_decay: 1e-4 } as never), { name: "ValueError", message: "SGD: unknown option 'weight_decay'; the options are lr, momentum, dampening, nesterov, weightDecay" });
  assert.throws(() => new torch.optim.Adam(params, { learningRate: 1 } as never), /Adam: unknown option 'learningRate'/);
  assert.throws(() => new nn.Conv2d(1, 1, 3, { kernel_size: 3 } as never), /Conv2d: unknown option 'kernel_size'; the options are stride, padding, dilation, groups, bias/);
});
